import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { createTestApp, TEST_PASSWORD, type TestApp, uniqueDocument } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { exchange, PUBLIC_CLIENT, ssoLogin, startLogin, startProviderFor, type TestProvider } from './support/oidc.js';

/**
 * A public client (no secret: PKCE alone), roles in public metadata that only the UserInfo
 * endpoint reveals (as Clerk does), and password sign-in switched off.
 */
describe.each(DATABASES)('single sign-on only, public client, on %s', (kind) => {
  let provider: TestProvider;
  let t: TestApp;

  beforeAll(async () => {
    const started = await startProviderFor();
    provider = started.provider;
    t = await createTestApp(kind, {
      ...started.env,
      OIDC_CLIENT_ID: PUBLIC_CLIENT.id,
      OIDC_PROVIDER_NAME: 'Clerk',
      OIDC_ROLES_CLAIM: 'public_metadata.roles',
      LOCAL_LOGIN: 'false',
    });
  });
  afterAll(async () => {
    await t?.close();
    await provider?.close();
  });

  it('offers only the provider', async () => {
    const res = await t.call({ method: 'GET', url: '/api/v1/auth/providers' });
    expect(res.json()).toEqual({
      localLogin: false,
      providers: [{ id: 'oidc', name: 'Clerk', loginUrl: '/api/v1/auth/oidc/login' }],
    });
  });

  it('refuses password sign-in and self-registration, pointing to the provider', async () => {
    const email = `local-${randomUUID().slice(0, 8)}@clinica.test`;
    await t.app.clinica.users.create({ email, roles: ['doctor'], password: TEST_PASSWORD }, SYSTEM_CONTEXT);
    const login = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: TEST_PASSWORD },
    });
    expect(login.statusCode).toBe(403);
    expect(login.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(login.json().detail).toBe('Password sign-in is switched off; sign in with Clerk.');
    const register = await t.call({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: {
        email: `self-${randomUUID().slice(0, 8)}@clinica.test`,
        password: TEST_PASSWORD,
        firstName: 'Ana',
        lastName: 'Ruiz',
        documentNumber: uniqueDocument(),
        birthDate: '1990-01-01',
      },
    });
    expect(register.statusCode).toBe(403);
  });

  it('signs in without a client secret, with roles read from UserInfo, and follows them at refresh', async () => {
    const url = new URL(await startLogin(t));
    expect(url.searchParams.get('client_id')).toBe(PUBLIC_CLIENT.id);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const sub = `user_${randomUUID()}`;
    provider.addAccount({
      sub,
      email: `${sub}@clerk.test`,
      emailVerified: true,
      claims: { public_metadata: { roles: ['patient'] }, locale: 'en-GB' },
    });
    const tokens = await exchange(t, await ssoLogin(t, provider, sub));
    expect(tokens.user).toMatchObject({ roles: ['patient'], language: 'en' });
    // A patient account without a patient record: links nothing, like an administrator's new account.
    expect(tokens.user.patientId).toBeUndefined();
    provider.setClaims(sub, { public_metadata: { roles: ['doctor', 'patient'] } });
    const refreshed = await t.call({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: tokens.refreshToken },
    });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect(refreshed.json().user.roles).toEqual(['patient', 'doctor']);
  });
});
