import { randomUUID } from 'node:crypto';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { createTestApp, type SignedIn, TEST_PASSWORD, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import {
  API_AUDIENCE,
  callback,
  exchange,
  ssoLogin,
  startLogin,
  startProviderFor,
  type TestAccount,
  type TestProvider,
  WEB_CLIENT,
} from './support/oidc.js';

/** Sign-in through a real OpenID Connect provider: the flow, provisioning, roles, MFA, replays. */
describe.each(DATABASES)('single sign-on sign-in on %s', (kind) => {
  let provider: TestProvider;
  let t: TestApp;
  let admin: SignedIn;

  beforeAll(async () => {
    const started = await startProviderFor();
    provider = started.provider;
    t = await createTestApp(kind, {
      ...started.env,
      OIDC_CLIENT_ID: WEB_CLIENT.id,
      OIDC_CLIENT_SECRET: WEB_CLIENT.secret,
      OIDC_PROVIDER_NAME: 'Test IdP',
      OIDC_ROLES_CLAIM: 'realm_access.roles',
      OIDC_ROLE_MAP: 'clinica-doctor=doctor,clinica-lab=results,clinica-admin=admin,clinica-desk=admissions+agent',
      OIDC_AUDIENCE: API_AUDIENCE,
      OIDC_REQUIRE_MFA_ROLES: 'admin',
      OIDC_MFA_ACR_VALUES: 'urn:test:loa:2',
    });
    admin = await t.signIn(['admin']);
  });
  afterAll(async () => {
    await t?.close();
    await provider?.close();
  });

  /** A person at the provider, with these provider roles. */
  const person = (roles: string[], extra: Partial<TestAccount> = {}): TestAccount =>
    provider.addAccount({
      sub: `sub-${randomUUID()}`,
      email: `${randomUUID().slice(0, 8)}@idp.test`,
      emailVerified: true,
      claims: { realm_access: { roles } },
      ...extra,
    });

  const rows = async (sql: string, params: unknown[] = []) => (await t.database.db.query(sql, params)).rows;
  const audit = (action: string, actorId: string | null = null) =>
    rows(
      `select action, outcome, resource_id, details from audit_events
        where action = $1 and ($2::uuid is null or actor_id = $2) order by id`,
      [action, actorId],
    );

  it('lists the provider next to password sign-in, and reports the integration', async () => {
    const res = await t.call({ method: 'GET', url: '/api/v1/auth/providers' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      localLogin: true,
      providers: [{ id: 'oidc', name: 'Test IdP', loginUrl: '/api/v1/auth/oidc/login' }],
    });
    const info = await t.call({ method: 'GET', url: '/api/v1/info' });
    expect(info.json().integrations.oidc).toBe(true);
  });

  it('sends the browser to the provider with PKCE (S256), state and nonce, remembering the sign-in', async () => {
    const before = (await rows('select count(*)::int as n from oidc_logins'))[0]?.n;
    const url = new URL(await startLogin(t, '/patients'));
    expect(url.origin).toBe(provider.issuer);
    const p = url.searchParams;
    expect(p.get('client_id')).toBe(WEB_CLIENT.id);
    expect(p.get('response_type')).toBe('code');
    expect(p.get('redirect_uri')).toBe(`${t.config.PUBLIC_URL}/api/v1/auth/oidc/callback`);
    expect(p.get('scope')).toBe('openid email profile');
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(p.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(p.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect((await rows('select count(*)::int as n from oidc_logins'))[0]?.n).toBe(Number(before) + 1);
    // Neither the state nor the PKCE verifier is stored as sent: only the state's hash.
    expect(await rows('select 1 from oidc_logins where state_hash = $1', [p.get('state')])).toEqual([]);
  });

  it('signs a new person in end to end: provisions the account just in time, hands over tokens once', async () => {
    const doctor = person(['clinica-doctor', 'offline_access', 'uma_authorization']);
    const outcome = await ssoLogin(t, provider, doctor.sub, { returnTo: '/patients?q=ana' });
    expect(outcome.fragment.get('returnTo')).toBe('/patients?q=ana');
    const tokens = await exchange(t, outcome);
    expect(tokens.user).toMatchObject({ email: doctor.email, roles: ['doctor'] });
    expect(tokens.refreshToken).toBeTruthy();
    const me = await t.call({ method: 'GET', url: '/api/v1/auth/me', token: tokens.accessToken });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: tokens.user.id, roles: ['doctor'] });

    const [user] = await rows('select password_hash, roles, patient_id from users where id = $1', [tokens.user.id]);
    expect(user).toEqual({ password_hash: null, roles: ['doctor'], patient_id: null });
    expect(await rows('select subject from oidc_identities where user_id = $1', [tokens.user.id])).toEqual([
      { subject: doctor.sub },
    ]);
    expect(await audit('user.provision', tokens.user.id)).toMatchObject([
      { outcome: 'success', resource_id: tokens.user.id, details: { roles: ['doctor'] } },
    ]);
    expect(await audit('auth.login', tokens.user.id)).toMatchObject([
      { outcome: 'success', details: { method: 'sso', provisioned: true, linked: false, mfa: false } },
    ]);
    expect(
      await rows('select type from outbox where aggregate_id = $1 order by occurred_at', [tokens.user.id]),
    ).toEqual([{ type: 'user.provisioned' }]);
    // The refresh token works like a password sign-in's.
    const refreshed = await t.call({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: tokens.refreshToken },
    });
    expect(refreshed.statusCode, refreshed.body).toBe(200);

    // The one-time code works once.
    const again = await t.call({
      method: 'POST',
      url: '/api/v1/auth/oidc/exchange',
      payload: { code: outcome.fragment.get('code') },
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().detail).toMatch(/already used/);

    // A second sign-in finds the same account through its provider subject.
    const second = await exchange(t, await ssoLogin(t, provider, doctor.sub));
    expect(second.user.id).toBe(tokens.user.id);
    expect(await audit('user.provision', tokens.user.id)).toHaveLength(1);
  });

  it('ignores a return address that leaves the site', async () => {
    for (const returnTo of ['//evil.test/x', 'https://evil.test/', '/\\evil.test', 'patients', '/a\nb']) {
      const outcome = await ssoLogin(t, provider, person(['clinica-doctor']).sub, { returnTo });
      expect(outcome.fragment.get('code'), returnTo).toBeTruthy();
      expect(outcome.fragment.has('returnTo'), returnTo).toBe(false);
    }
  });

  it('maps roles from a nested claim through the role map, and refuses a person without a Clinica role', async () => {
    const desk = person(['clinica-desk', 'clinica-lab', 'clinica-unknown', 'doctor']);
    const tokens = await exchange(t, await ssoLogin(t, provider, desk.sub));
    // With a map, only mapped roles count: "doctor" is not a provider role the map names.
    expect(tokens.user.roles).toEqual(['admissions', 'results', 'agent']);

    const nobody = person(['offline_access', 'doctor']);
    const refused = await ssoLogin(t, provider, nobody.sub);
    expect(refused.fragment.get('error')).toBe('no_role');
    expect(refused.fragment.get('message')).toBe(
      'Your account at Test IdP has no Clinica role; ask an administrator to give you one.',
    );
    expect(await rows('select 1 from users where email = $1', [nobody.email])).toEqual([]);
    const denied = await rows(
      `select outcome, details from audit_events where action = 'auth.login' and details->>'reason' = 'no-role'`,
    );
    expect(denied.length).toBeGreaterThanOrEqual(1);
    expect(denied[0]).toMatchObject({ outcome: 'denied', details: { method: 'sso' } });
  });

  it('links an existing account by a verified e-mail address, never by an unverified one', async () => {
    const email = `linked-${randomUUID().slice(0, 8)}@clinica.test`;
    const existing = await t.app.clinica.users.create(
      { email, roles: ['agent'], password: TEST_PASSWORD },
      SYSTEM_CONTEXT,
    );
    const unverified = person(['clinica-doctor'], { email: email.toUpperCase(), emailVerified: false });
    const refused = await ssoLogin(t, provider, unverified.sub);
    expect(refused.fragment.get('error')).toBe('account_exists');
    expect(refused.fragment.get('message')).toMatch(/has not verified that address/);
    expect(await rows('select 1 from oidc_identities where user_id = $1', [existing.id])).toEqual([]);
    expect((await rows('select roles from users where id = $1', [existing.id]))[0]).toEqual({ roles: ['agent'] });

    const verified = person(['clinica-doctor'], { email });
    const tokens = await exchange(t, await ssoLogin(t, provider, verified.sub));
    expect(tokens.user.id).toBe(existing.id);
    // The provider is the source of truth for roles.
    expect(tokens.user.roles).toEqual(['doctor']);
    expect(await audit('user.sso_link', existing.id)).toHaveLength(1);
    expect(await audit('user.roles_sync', existing.id)).toMatchObject([
      { details: { roles: ['doctor'], previous: ['agent'] } },
    ]);
    // The unverified person cannot take the account over afterwards either.
    const stillRefused = await ssoLogin(t, provider, unverified.sub);
    expect(stillRefused.fragment.get('error')).toBe('account_exists');
  });

  it('keeps refusing an account deactivated in Clinica', async () => {
    const doctor = person(['clinica-doctor']);
    const tokens = await exchange(t, await ssoLogin(t, provider, doctor.sub));
    const off = await t.call({
      method: 'PATCH',
      url: `/api/v1/users/${tokens.user.id}`,
      token: admin.token,
      payload: { active: false },
    });
    expect(off.statusCode, off.body).toBe(200);
    const refused = await ssoLogin(t, provider, doctor.sub);
    expect(refused.fragment.get('error')).toBe('account_disabled');
    expect(refused.fragment.get('message')).toBe('This account is deactivated in Clinica; ask an administrator.');
    expect(await audit('auth.login', tokens.user.id)).toMatchObject([
      { outcome: 'success' },
      { outcome: 'denied', details: { reason: 'deactivated' } },
    ]);
  });

  it('requires a second factor at the provider for the roles the policy names, and then asks for none itself', async () => {
    const boss = person(['clinica-admin']);
    const refused = await ssoLogin(t, provider, boss.sub, { amr: ['pwd'] });
    expect(refused.fragment.get('error')).toBe('mfa_required');
    expect(refused.fragment.get('message')).toMatch(/admin needs multi-factor authentication/);
    expect(await rows('select 1 from users where email = $1', [boss.email])).toEqual([]);

    const tokens = await exchange(t, await ssoLogin(t, provider, boss.sub, { amr: ['pwd', 'otp'] }));
    expect(tokens.user.roles).toEqual(['admin']);
    expect(await audit('auth.login', tokens.user.id)).toMatchObject([{ details: { mfa: true } }]);

    // Clinica's own TOTP is switched on for the account: a sign-in through the provider with
    // a second factor is not asked for it again.
    const setup = await t.call({ method: 'POST', url: '/api/v1/auth/mfa/setup', token: tokens.accessToken });
    const enable = await t.call({
      method: 'POST',
      url: '/api/v1/auth/mfa/enable',
      token: tokens.accessToken,
      payload: { code: await generate({ secret: setup.json().secret }) },
    });
    expect(enable.statusCode, enable.body).toBe(200);
    // An accepted level of assurance (acr) counts as a second factor too.
    const byAcr = await exchange(t, await ssoLogin(t, provider, boss.sub, { acr: 'urn:test:loa:2' }));
    expect(byAcr.user).toMatchObject({ id: tokens.user.id, mfaEnabled: true });
    const byWeakAcr = await ssoLogin(t, provider, boss.sub, { acr: 'urn:test:loa:1' });
    expect(byWeakAcr.fragment.get('error')).toBe('mfa_required');
    // Roles outside the policy need no second factor.
    const doctor = await exchange(t, await ssoLogin(t, provider, person(['clinica-doctor']).sub, { amr: ['pwd'] }));
    expect(doctor.user.roles).toEqual(['doctor']);
  });

  it('refuses a replayed state, a replayed code with a fresh state, and a nonce that does not match', async () => {
    const doctor = person(['clinica-doctor']);
    const back = await provider.signIn(await startLogin(t), doctor.sub);
    expect((await callback(t, back)).fragment.get('code')).toBeTruthy();

    const replay = await callback(t, back);
    expect(replay.fragment.get('error')).toBe('login_expired');
    expect(replay.fragment.get('message')).toBe('This sign-in has expired or was already used; start again.');

    // The provider's code, used again with a state of a new sign-in (its own PKCE verifier).
    const fresh = new URL(await startLogin(t)).searchParams.get('state') ?? '';
    const swapped = new URL(back);
    swapped.searchParams.set('state', fresh);
    const codeReplay = await callback(t, swapped);
    expect(codeReplay.fragment.get('error')).toBe('provider_error');
    expect(codeReplay.fragment.get('message')).toMatch(/^Test IdP refused to complete the sign-in \(invalid_grant/);

    // An authorization request whose nonce was changed on the way: the ID token carries the other nonce.
    const url = new URL(await startLogin(t));
    url.searchParams.set('nonce', 'a-nonce-clinica-never-issued');
    const tampered = await callback(t, await provider.signIn(url.href, doctor.sub));
    expect(tampered.fragment.get('error')).toBe('token_invalid');
    expect(tampered.fragment.get('message')).toBe(
      'The answer from Test IdP could not be verified; start the sign-in again.',
    );

    // A state Clinica never issued.
    const unknown = new URL(back);
    unknown.searchParams.set('state', 'forged-state');
    expect((await callback(t, unknown)).fragment.get('error')).toBe('login_expired');
    // The provider's own refusal is passed on.
    const cancelled = new URL(`${t.config.PUBLIC_URL}/api/v1/auth/oidc/callback`);
    cancelled.searchParams.set('state', new URL(await startLogin(t)).searchParams.get('state') ?? '');
    cancelled.searchParams.set('error', 'access_denied');
    cancelled.searchParams.set('error_description', 'The user cancelled');
    const denied = await callback(t, cancelled);
    expect(denied.fragment.get('error')).toBe('provider_error');
    expect(denied.fragment.get('message')).toBe('Test IdP did not sign you in: The user cancelled');
  });

  it('refuses a one-time code that is unknown or expired', async () => {
    const outcome = await ssoLogin(t, provider, person(['clinica-doctor']).sub);
    await t.database.db.query(`update oidc_exchange_codes set expires_at = now() - interval '1 second'`);
    const late = await t.call({
      method: 'POST',
      url: '/api/v1/auth/oidc/exchange',
      payload: { code: outcome.fragment.get('code') },
    });
    expect(late.statusCode).toBe(400);
    const unknown = await t.call({ method: 'POST', url: '/api/v1/auth/oidc/exchange', payload: { code: 'nope' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
