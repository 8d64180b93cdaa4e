import { randomUUID } from 'node:crypto';
import { base64url, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type SignedIn, type TestApp, uniqueDocument } from './support/app.js';
import { DATABASES } from './support/databases.js';
import {
  API_AUDIENCE,
  CLAIM_SERVICE_CLIENT,
  exchange,
  PUBLIC_CLIENT,
  SERVICE_CLIENT,
  ssoLogin,
  startProviderFor,
  type TestProvider,
  WEB_CLIENT,
} from './support/oidc.js';

/** Access tokens of the provider on Clinica's API: service accounts, people, forgeries, key rotation. */
describe.each(DATABASES)('provider access tokens on %s', (kind) => {
  let provider: TestProvider;
  let t: TestApp;
  let admin: SignedIn;

  beforeAll(async () => {
    const started = await startProviderFor({
      // The helpdesk's roles come from its token; "patient" there must never reach Clinica.
      serviceRoles: { [CLAIM_SERVICE_CLIENT.id]: ['clinica-agent', 'clinica-patient'] },
    });
    provider = started.provider;
    t = await createTestApp(kind, {
      ...started.env,
      OIDC_CLIENT_ID: WEB_CLIENT.id,
      OIDC_CLIENT_SECRET: WEB_CLIENT.secret,
      OIDC_ROLES_CLAIM: 'roles',
      OIDC_ROLE_MAP: 'clinica-doctor=doctor,clinica-agent=agent,clinica-patient=patient,clinica-admin=admin',
      OIDC_AUDIENCE: API_AUDIENCE,
      OIDC_REQUIRE_MFA_ROLES: 'admin',
      OIDC_SERVICE_ACCOUNTS: `${SERVICE_CLIENT.id}=admissions+results,${CLAIM_SERVICE_CLIENT.id}`,
    });
    admin = await t.signIn(['admin']);
  });
  afterAll(async () => {
    await t?.close();
    await provider?.close();
  });

  const get = (url: string, token: string) => t.call({ method: 'GET', url, token });

  /** A service account's access token, by the client credentials grant. */
  const serviceToken = async (c: { id: string; secret: string }) => {
    const config = await client.discovery(new URL(provider.issuer), c.id, c.secret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    return (await client.clientCredentialsGrant(config, {})).access_token;
  };

  /** An API client acting for a person: the public client's code flow, asking for a token for Clinica's API. */
  const personToken = async (sub: string, amr?: string[]) => {
    const config = await client.discovery(new URL(provider.issuer), PUBLIC_CLIENT.id, undefined, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: 'http://127.0.0.1/api-client/callback',
      scope: 'openid api',
      resource: API_AUDIENCE,
      state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const back = await provider.signIn(url.href, sub, amr ? { amr } : {});
    const tokens = await client.authorizationCodeGrant(config, back, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    return tokens.access_token;
  };

  /** A token shaped like the provider's, signed with `key` (the provider's own by default). */
  const forge = async (
    claims: Record<string, unknown>,
    options: { key?: JWK; alg?: string; header?: Record<string, unknown> } = {},
  ) => {
    const key = options.key ?? provider.keys[0];
    if (!key) throw new Error('no key');
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: provider.issuer,
      aud: API_AUDIENCE,
      sub: SERVICE_CLIENT.id,
      client_id: SERVICE_CLIENT.id,
      iat: now,
      exp: now + 300,
      jti: randomUUID(),
      ...claims,
    };
    const alg = options.alg ?? 'RS256';
    return new SignJWT(payload)
      .setProtectedHeader({ alg, kid: key.kid, typ: 'at+jwt', ...options.header })
      .sign(await importJWK(key, alg));
  };

  it('lets a service account call the routes of its configured roles, and no others', async () => {
    const token = await serviceToken(SERVICE_CLIENT);
    const patients = await get('/api/v1/patients', token);
    expect(patients.statusCode, patients.body).toBe(200);
    const created = await t.call({
      method: 'POST',
      url: '/api/v1/patients',
      token,
      payload: {
        documentNumber: uniqueDocument(),
        firstName: 'Servicio',
        lastName: 'Integración',
        birthDate: '1980-01-01',
        sex: 'unknown',
      },
    });
    // admissions may register patients; the audit trail names the service account.
    expect(created.statusCode, created.body).toBe(201);
    const { rows } = await t.database.db.query<{ actor_id: string; actor_roles: string[] }>(
      `select actor_id, actor_roles from audit_events where action = 'patient.create' and resource_id = $1`,
      [created.json().id],
    );
    expect(rows[0]?.actor_roles).toEqual(['admissions', 'results']);
    const second = await t.call({ method: 'GET', url: '/api/v1/patients', token: await serviceToken(SERVICE_CLIENT) });
    expect(second.statusCode).toBe(200);
    const outside = await get('/api/v1/users', token);
    expect(outside.statusCode).toBe(403);
    expect(outside.headers['content-type']).toMatch(/^application\/problem\+json/);
    // Clinica's own tokens keep working next to the provider's.
    expect((await get('/api/v1/users', admin.token)).statusCode).toBe(200);
  });

  it("takes a service account's roles from its token when configured so, never the patient role", async () => {
    const token = await serviceToken(CLAIM_SERVICE_CLIENT);
    expect((await get('/api/v1/patients', token)).statusCode).toBe(200);
    // As an agent only: not a patient (who may read their own appointments), not anything else.
    expect((await get('/api/v1/appointments', token)).statusCode).toBe(403);
    expect((await get('/api/v1/auth/me', token)).statusCode).toBe(401);
  });

  it("accepts a person's API token once they have signed in to Clinica, with that account's state", async () => {
    const sub = `sub-${randomUUID()}`;
    provider.addAccount({
      sub,
      email: `${randomUUID().slice(0, 8)}@idp.test`,
      emailVerified: true,
      claims: { roles: ['clinica-doctor'] },
    });
    const token = await personToken(sub);
    // Not linked to any Clinica account yet, and not a service account.
    expect((await get('/api/v1/patients', token)).statusCode).toBe(401);
    const signedIn = await exchange(t, await ssoLogin(t, provider, sub));
    const me = await get('/api/v1/auth/me', token);
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json()).toMatchObject({ id: signedIn.user.id, roles: ['doctor'] });
    expect((await get('/api/v1/users', token)).statusCode).toBe(403);
    // Deactivated in Clinica: the provider's token no longer works either.
    await t.call({
      method: 'PATCH',
      url: `/api/v1/users/${signedIn.user.id}`,
      token: admin.token,
      payload: { active: false },
    });
    expect((await get('/api/v1/auth/me', token)).statusCode).toBe(401);
  });

  it('drops roles needing a second factor from a person token that does not assert one', async () => {
    const sub = `sub-${randomUUID()}`;
    provider.addAccount({
      sub,
      email: `${randomUUID().slice(0, 8)}@idp.test`,
      emailVerified: true,
      claims: { roles: ['clinica-admin', 'clinica-doctor'] },
    });
    await exchange(t, await ssoLogin(t, provider, sub, { amr: ['pwd', 'hwk'] }));
    const weak = await personToken(sub);
    expect((await get('/api/v1/patients', weak)).statusCode).toBe(200);
    expect((await get('/api/v1/users', weak)).statusCode).toBe(403);
  });

  it('refuses expired, forged, wrong-audience, wrong-issuer, unsigned and symmetric tokens', async () => {
    expect((await get('/api/v1/patients', await forge({}))).statusCode).toBe(200);
    const past = Math.floor(Date.now() / 1000) - 3600;
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const impostor = { ...(await exportJWK(privateKey)), kid: provider.keys[0]?.kid };
    const secret: JWK = { kty: 'oct', k: base64url.encode('a shared secret of thirty-two bytes!'), kid: 'hmac' };
    const unsigned = [
      base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' })),
      base64url.encode(
        JSON.stringify({
          iss: provider.issuer,
          aud: API_AUDIENCE,
          sub: SERVICE_CLIENT.id,
          client_id: SERVICE_CLIENT.id,
          exp: Math.floor(Date.now() / 1000) + 300,
        }),
      ),
      '',
    ].join('.');
    const cases: [string, string][] = [
      ['expired', await forge({ iat: past - 300, exp: past })],
      ['forged signature', await forge({}, { key: impostor })],
      ['wrong audience', await forge({ aud: 'another-api' })],
      ['wrong issuer', await forge({ iss: 'http://127.0.0.1:9/other' })],
      ['alg none', unsigned],
      ['HS256', await forge({}, { key: secret, alg: 'HS256' })],
      ['an ID token', await forge({ nonce: 'n' })],
      ['not yet valid', await forge({ nbf: Math.floor(Date.now() / 1000) + 3600 })],
    ];
    for (const [name, token] of cases) {
      const res = await get('/api/v1/patients', token);
      expect(res.statusCode, name).toBe(401);
      expect(res.json().detail, name).toBe('The access token is invalid or has expired; refresh it or sign in again.');
    }
  });

  it('follows key rotation: new keys are accepted at once, removed keys no longer', async () => {
    const oldKey = provider.keys[0] as JWK;
    const before = await forge({}, { key: oldKey });
    expect((await get('/api/v1/patients', before)).statusCode).toBe(200);
    const newKey = await provider.rotateKeys();
    // Tokens the provider now signs with the new key (a key Clinica has not seen yet).
    const rotated = await serviceToken(SERVICE_CLIENT);
    expect(decodeProtectedHeader(rotated).kid).toBe(newKey.kid);
    expect((await get('/api/v1/patients', rotated)).statusCode).toBe(200);
    // Sign-in keeps working: its ID token is signed with the new key too.
    const sub = `sub-${randomUUID()}`;
    provider.addAccount({ sub, email: `${sub}@idp.test`, emailVerified: true, claims: { roles: ['clinica-doctor'] } });
    expect((await exchange(t, await ssoLogin(t, provider, sub))).user.roles).toEqual(['doctor']);
    // The old key is still published: its tokens still work, until the provider drops it.
    expect((await get('/api/v1/patients', await forge({}, { key: oldKey }))).statusCode).toBe(200);
    provider.dropOldKeys();
    expect((await get('/api/v1/patients', await forge({}, { key: oldKey }))).statusCode).toBe(401);
    expect((await get('/api/v1/patients', await forge({}, { key: newKey }))).statusCode).toBe(200);
  });
});
