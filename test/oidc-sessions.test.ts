import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import {
  Browser,
  exchange,
  ssoLogin,
  startProviderFor,
  type TestAccount,
  type TestProvider,
  WEB_CLIENT,
} from './support/oidc.js';

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Sessions started through single sign-on: refresh at the provider, logout, back-channel logout. */
describe.each(DATABASES)('single sign-on sessions on %s', (kind) => {
  let provider: TestProvider;
  let t: TestApp;
  let local: SignedIn;

  beforeAll(async () => {
    const started = await startProviderFor();
    provider = started.provider;
    t = await createTestApp(kind, {
      ...started.env,
      OIDC_CLIENT_ID: WEB_CLIENT.id,
      OIDC_CLIENT_SECRET: WEB_CLIENT.secret,
      OIDC_PROVIDER_NAME: 'Test IdP',
      OIDC_ROLES_CLAIM: 'groups',
    });
    // The provider posts back-channel logout tokens to Clinica's address: Clinica listens there.
    await t.app.listen({ port: started.port, host: '127.0.0.1' });
    local = await t.signIn(['doctor']);
  });
  afterAll(async () => {
    await t?.close();
    await provider?.close();
  });

  /** A person whose `groups` claim names Clinica roles directly (no role map configured). */
  const person = (groups: string[]): TestAccount =>
    provider.addAccount({
      sub: `sub-${randomUUID()}`,
      email: `${randomUUID().slice(0, 8)}@idp.test`,
      emailVerified: true,
      claims: { groups },
    });

  const refresh = (refreshToken: string) =>
    t.call({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
  const me = (token: string) => t.call({ method: 'GET', url: '/api/v1/auth/me', token });
  const logout = (refreshToken: string, token: string) =>
    t.call({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken }, token });
  const revoked = async (accessToken: string) => {
    const { rows } = await t.database.db.query<{ revoked: boolean }>(
      'select revoked_at is not null as revoked from sessions where id = $1',
      [decodeJwt(accessToken).sid],
    );
    return rows[0]?.revoked;
  };
  /** The provider refresh token kept for the session of this access token. */
  const providerRefreshToken = async (accessToken: string) => {
    const { rows } = await t.database.db.query<{ refresh_token: string | null }>(
      'select refresh_token from oidc_sessions where session_id = $1',
      [decodeJwt(accessToken).sid],
    );
    return rows[0]?.refresh_token;
  };
  const backchannel = (logoutToken: string) =>
    t.call({
      method: 'POST',
      url: '/api/v1/auth/oidc/backchannel-logout',
      payload: new URLSearchParams({ logout_token: logoutToken }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  /** A logout token as the provider would sign it (its current key); `claims` change or remove parts. */
  const logoutToken = async (claims: Record<string, unknown>, key: JWK | undefined = provider.keys[0]) => {
    if (!key) throw new Error('no key');
    const full: Record<string, unknown> = {
      iss: provider.issuer,
      aud: WEB_CLIENT.id,
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      events: { [BACKCHANNEL_EVENT]: {} },
      ...claims,
    };
    const payload = Object.fromEntries(Object.entries(full).filter(([, v]) => v !== undefined));
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'logout+jwt' })
      .sign(await importJWK(key, 'RS256'));
  };

  it('refreshes at the provider each time, and follows role changes there', async () => {
    const ana = person(['doctor']);
    const tokens = await exchange(t, await ssoLogin(t, provider, ana.sub));
    expect(tokens.user.roles).toEqual(['doctor']);
    provider.setClaims(ana.sub, { groups: ['doctor', 'results', 'not-a-clinica-role'] });
    const first = await refresh(tokens.refreshToken);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().user.roles).toEqual(['doctor', 'results']);
    expect(decodeJwt(first.json().accessToken).roles).toEqual(['doctor', 'results']);
    const { rows } = await t.database.db.query<{ action: string; details: Record<string, unknown> }>(
      `select action, details from audit_events where action = 'user.roles_sync' and resource_id = $1`,
      [tokens.user.id],
    );
    expect(rows).toEqual([
      { action: 'user.roles_sync', details: { roles: ['doctor', 'results'], previous: ['doctor'] } },
    ]);
    // The provider rotated its refresh token: the stored one is the new one, and it keeps working.
    const second = await refresh(first.json().refreshToken);
    expect(second.statusCode, second.body).toBe(200);
  });

  it('ends the session at the next refresh once the account is disabled at the provider', async () => {
    const bea = person(['doctor']);
    const tokens = await exchange(t, await ssoLogin(t, provider, bea.sub));
    expect((await me(tokens.accessToken)).statusCode).toBe(200);
    provider.setDisabled(bea.sub, true);
    const res = await refresh(tokens.refreshToken);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toBe(
      'Your session at Test IdP has ended or your account there is disabled; sign in again.',
    );
    expect(await revoked(tokens.accessToken)).toBe(true);
    expect(await providerRefreshToken(tokens.accessToken)).toBeNull();
    expect((await me(tokens.accessToken)).statusCode).toBe(401);
    const { rows } = await t.database.db.query(
      `select outcome, details from audit_events where action = 'auth.refresh' and actor_id = $1`,
      [tokens.user.id],
    );
    expect(rows).toEqual([{ outcome: 'denied', details: { method: 'sso', reason: 'provider-refused' } }]);
    // And a new sign-in is refused by the provider itself.
    provider.setDisabled(bea.sub, false);
  });

  it('ends the session at the next refresh once its last Clinica role is removed at the provider', async () => {
    const carla = person(['pharmacist']);
    const tokens = await exchange(t, await ssoLogin(t, provider, carla.sub));
    provider.setClaims(carla.sub, { groups: ['staff'] });
    const res = await refresh(tokens.refreshToken);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toBe('Your account at Test IdP no longer has a Clinica role; ask an administrator.');
    expect(await revoked(tokens.accessToken)).toBe(true);
    expect((await me(tokens.accessToken)).statusCode).toBe(401);
    // The stored roles stay as they were: no role is never written.
    const { rows } = await t.database.db.query('select roles from users where id = $1', [tokens.user.id]);
    expect(rows).toEqual([{ roles: ['pharmacist'] }]);
  });

  it('answers the provider end-session address at logout; local sessions still get 204', async () => {
    const dora = person(['admissions']);
    const tokens = await exchange(t, await ssoLogin(t, provider, dora.sub));
    expect(await providerRefreshToken(tokens.accessToken)).toEqual(expect.any(String));
    const res = await logout(tokens.refreshToken, tokens.accessToken);
    expect(res.statusCode).toBe(200);
    const url = new URL(res.json().endSessionUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${provider.issuer}/session/end`);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${t.config.PUBLIC_URL}/login`);
    expect(url.searchParams.get('client_id')).toBe(WEB_CLIENT.id);
    const hint = decodeJwt(url.searchParams.get('id_token_hint') ?? '');
    expect(hint).toMatchObject({ sub: dora.sub, aud: WEB_CLIENT.id, iss: provider.issuer });
    expect(await revoked(tokens.accessToken)).toBe(true);
    // The provider's refresh token of an ended session is not kept.
    expect(await providerRefreshToken(tokens.accessToken)).toBeNull();

    const plain = await logout(local.refreshToken, local.token);
    expect(plain.statusCode).toBe(204);
    expect(plain.body).toBe('');
  });

  it('ends every Clinica session of a provider session when the provider logs it out (back-channel)', async () => {
    const eva = person(['doctor']);
    const browser = new Browser();
    const first = await exchange(t, await ssoLogin(t, provider, eva.sub, { browser }));
    // The same provider session signs in again, without a form (single sign-on).
    const second = await exchange(t, await ssoLogin(t, provider, eva.sub, { browser }));
    const other = await exchange(t, await ssoLogin(t, provider, eva.sub));
    expect(first.user.id).toBe(second.user.id);

    const res = await logout(first.refreshToken, first.accessToken);
    const after = await provider.endSession(res.json().endSessionUrl, browser);
    expect(after.href).toBe(`${t.config.PUBLIC_URL}/login`);
    expect(provider.backchannelResults.at(-1)).toEqual({ clientId: WEB_CLIENT.id });

    expect(await revoked(second.accessToken)).toBe(true);
    expect(await providerRefreshToken(second.accessToken)).toBeNull();
    expect((await me(second.accessToken)).statusCode).toBe(401);
    expect((await refresh(second.refreshToken)).statusCode).toBe(401);
    // A session of another provider session (another browser) goes on.
    expect((await me(other.accessToken)).statusCode).toBe(200);
    const { rows } = await t.database.db.query(
      `select resource_id, details from audit_events where action = 'auth.logout' and details->>'via' = 'backchannel'`,
    );
    expect(rows).toContainEqual({
      resource_id: decodeJwt(second.accessToken).sid,
      details: { method: 'sso', via: 'backchannel', userId: second.user.id },
    });
  });

  it('ends every session of an account for a logout token naming only the subject, once', async () => {
    const flor = person(['results']);
    const a = await exchange(t, await ssoLogin(t, provider, flor.sub));
    const b = await exchange(t, await ssoLogin(t, provider, flor.sub));
    const token = await logoutToken({ sub: flor.sub });
    const res = await backchannel(token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await revoked(a.accessToken)).toBe(true);
    expect(await revoked(b.accessToken)).toBe(true);
    const replay = await backchannel(token);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().detail).toBe('This logout token was already used.');
  });

  it('refuses logout tokens that are forged, malformed or not logout tokens, ending nothing', async () => {
    const gil = person(['doctor']);
    const tokens = await exchange(t, await ssoLogin(t, provider, gil.sub));
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const foreign = { ...(await exportJWK(privateKey)), kid: provider.keys[0]?.kid };
    const hour = Math.floor(Date.now() / 1000) - 3600;
    const cases: [string, string, RegExp][] = [
      ['garbage', 'not-a-jwt', /not valid/],
      ['foreign key', await logoutToken({ sub: gil.sub }, foreign), /not valid/],
      ['other audience', await logoutToken({ sub: gil.sub, aud: 'someone-else' }), /not valid/],
      ['other issuer', await logoutToken({ sub: gil.sub, iss: 'http://127.0.0.1:1' }), /not valid/],
      ['no event', await logoutToken({ sub: gil.sub, events: undefined }), /back-channel logout event/],
      ['nonce', await logoutToken({ sub: gil.sub, nonce: 'n' }), /nonce/],
      ['no sid nor sub', await logoutToken({}), /neither a session/],
      ['old', await logoutToken({ sub: gil.sub, iat: hour }), /too old/],
      ['no jti', await logoutToken({ sub: gil.sub, jti: undefined }), /not valid/],
    ];
    for (const [name, token, detail] of cases) {
      const res = await backchannel(token);
      expect(res.statusCode, name).toBe(400);
      expect(res.headers['content-type'], name).toMatch(/^application\/problem\+json/);
      expect(res.json().detail, name).toMatch(detail);
    }
    const missing = await t.call({
      method: 'POST',
      url: '/api/v1/auth/oidc/backchannel-logout',
      payload: 'other=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toContainEqual({
      path: 'body.logout_token',
      message: 'is required',
      code: 'required',
    });
    expect(await revoked(tokens.accessToken)).toBe(false);
    expect((await me(tokens.accessToken)).statusCode).toBe(200);
  });
});
