/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser.
import fs from 'node:fs';
import net from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestAccount, TestProvider, WEB_CLIENT } from '../support/oidc.js';
import { CHROMIUM, screenshot } from './browser.js';
import { useBrowserSession } from './session.js';

const PROVIDER_NAME = 'Clinica ID';

/** A port free right now, for Clinica's PUBLIC_URL: the provider must know it before Clinica starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Single sign-on in a real Chromium: the sign-in page's provider button, the provider's own
 * login form (the `oidc-provider` package on 127.0.0.1), the way back through Clinica's
 * callback into the workspace of the user's roles, and sign-out ending both sessions.
 */
describe.skipIf(!CHROMIUM)('single sign-on in Chromium', () => {
  let provider: TestProvider | undefined;
  const session = useBrowserSession({
    env: async () => {
      const publicUrl = `http://127.0.0.1:${await freePort()}`;
      provider = await TestProvider.start({ clinicaUrl: publicUrl });
      return {
        PUBLIC_URL: publicUrl,
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: WEB_CLIENT.id,
        OIDC_CLIENT_SECRET: WEB_CLIENT.secret,
        OIDC_ROLES_CLAIM: 'realm_access.roles',
        OIDC_PROVIDER_NAME: PROVIDER_NAME,
      };
    },
  });
  let base: string;
  let idp: TestProvider;
  beforeAll(() => {
    base = session.base;
    if (!provider) throw new Error('the provider did not start');
    idp = provider;
  });
  afterAll(async () => {
    await provider?.close();
  });

  let people = 0;
  const person = (roles: string[]): TestAccount => {
    people += 1;
    const name = `${roles.join('-')}-${people}`;
    return idp.addAccount({
      sub: `sub-${name}`,
      email: `${name}@sso.clinica.test`,
      emailVerified: true,
      claims: { realm_access: { roles } },
    });
  };

  /** Errors Clinica's own pages log (the provider's bare pages are not under test). */
  function clinicaErrors(page: Page): string[] {
    const errors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' && msg.location().url.startsWith(base)) errors.push(msg.text());
    });
    page.on('pageerror', (err) => {
      if (page.url().startsWith(base)) errors.push(String(err));
    });
    return errors;
  }

  /**
   * On the provider's login form (after choosing the provider button): signs in as `account`.
   * The provider asks in two steps for a first sign-in (who, then consent to the scopes), each
   * on the same form: answer until it sends the browser back to Clinica.
   */
  async function signInAtProvider(page: Page, account: TestAccount) {
    const atProvider = () => page.url().startsWith(`${idp.issuer}/interaction/`);
    await expect.poll(atProvider).toBe(true);
    for (let step = 0; step < 3 && atProvider(); step++) {
      const form = page.url();
      await page.locator('input[name="login"]').fill(account.sub);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.url()).not.toBe(form);
      await page.waitForLoadState();
    }
  }

  const storedSession = (page: Page) =>
    page.evaluate(() => {
      const raw = localStorage.getItem('clinica.session');
      return raw ? (JSON.parse(raw) as { refreshToken: string; user: { email: string; roles: string[] } }) : null;
    });

  it('a doctor chooses the provider on the sign-in page, lands where they were going, and signs out of both', async () => {
    const doctor = person(['doctor']);
    const { page } = await session.signedOut();
    const errors = clinicaErrors(page);
    await page.goto(`${base}/doctor`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    const button = page.getByRole('link', { name: `Iniciar sesión con ${PROVIDER_NAME}` });
    await button.waitFor();
    // The password form stays: local sign-in is on.
    expect(await page.getByRole('textbox', { name: 'Contraseña' }).count()).toBe(1);
    await session.accessible(page, 'sign-in with a provider');
    await screenshot(page, 'sign-in-sso');

    await button.click();
    await signInAtProvider(page, doctor);
    await page.getByRole('heading', { name: 'Consulta médica', level: 2 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/doctor');
    // The one-time code left the address bar as soon as the callback page read it.
    expect(new URL(page.url()).hash).toBe('');
    const signedIn = await storedSession(page);
    expect(signedIn?.user).toMatchObject({ email: doctor.email, roles: ['doctor'] });
    const nav = page.getByRole('navigation', { name: 'Navegación principal' });
    await nav.getByRole('link', { name: 'Consulta médica' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Usuarios' }).count()).toBe(0);

    // Signing out ends Clinica's session, then the provider's (its confirmation page), and comes back to /login.
    await page.getByRole('button', { name: 'Cerrar sesión' }).click();
    await expect.poll(() => page.url()).toContain(idp.issuer);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('link', { name: `Iniciar sesión con ${PROVIDER_NAME}` }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.evaluate(() => localStorage.getItem('clinica.session'))).toBeNull();
    // Gone on the server as well: the session's refresh token no longer works.
    const refreshed = await session.t.call({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: signedIn?.refreshToken },
    });
    expect(refreshed.statusCode).toBe(401);

    // The provider forgot the person too: the button leads to its login form again, not straight back in.
    await page.getByRole('link', { name: `Iniciar sesión con ${PROVIDER_NAME}` }).click();
    await expect.poll(() => page.url()).toContain(`${idp.issuer}/interaction/`);
    await page.locator('input[name="login"]').waitFor();
    expect(errors).toEqual([]);
  });

  it('a patient signing in from the sign-in page lands in their portal; the code does not work twice', async () => {
    const patient = person(['patient']);
    const { page } = await session.signedOut({ width: 390, height: 844 });
    const errors = clinicaErrors(page);
    // Playwright may report one navigation more than once: the set of addresses counts.
    const callbacks: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame.url().startsWith(`${base}/auth/callback#`)) callbacks.push(frame.url());
    });
    await page.goto(`${base}/login`);
    await page.getByRole('link', { name: `Iniciar sesión con ${PROVIDER_NAME}` }).click();
    await signInAtProvider(page, patient);
    await page.getByRole('heading', { name: 'Mi portal', level: 2 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/portal');
    expect((await storedSession(page))?.user).toMatchObject({ email: patient.email, roles: ['patient'] });
    expect(errors).toEqual([]);

    // The same callback address again (from the history, a proxy log, another tab): refused.
    const [callback, ...others] = new Set(callbacks);
    expect(others).toEqual([]);
    const replay = await session.signedOut();
    await replay.page.goto(callback ?? '');
    const alert = replay.page.getByTestId('sso-error');
    await expect.poll(() => alert.textContent()).toContain('El inicio de sesión ha caducado o ya se usó.');
    expect(await storedSession(replay.page)).toBeNull();
  });

  it('says why when the provider signs in someone Clinica refuses, with the way back to sign-in', async () => {
    const nobody = person(['not-a-clinica-role']);
    const { page } = await session.signedOut();
    const errors = clinicaErrors(page);
    await page.goto(`${base}/login`);
    await page.getByRole('link', { name: `Iniciar sesión con ${PROVIDER_NAME}` }).click();
    await signInAtProvider(page, nobody);
    const alert = page.getByTestId('sso-error');
    await alert.waitFor();
    expect(new URL(page.url()).pathname).toBe('/auth/callback');
    expect(new URL(page.url()).hash).toBe('');
    await expect
      .poll(() => alert.textContent())
      .toContain('Su cuenta no tiene ningún rol en Clinica. Pida al administrador que le asigne uno.');
    expect(await storedSession(page)).toBeNull();
    await session.accessible(page, 'single sign-on refused');
    await screenshot(page, 'sign-in-sso-refused');
    await page.getByRole('link', { name: 'Volver a iniciar sesión' }).click();
    await page.getByRole('link', { name: `Iniciar sesión con ${PROVIDER_NAME}` }).waitFor();
    expect(errors).toEqual([]);
  });

  it('refuses a made-up sign-in code', async () => {
    const { page } = await session.signedOut();
    await page.goto(`${base}/auth/callback#code=not-a-code-the-server-gave&returnTo=%2Fdoctor`);
    const alert = page.getByTestId('sso-error');
    await expect.poll(() => alert.textContent()).toContain('El inicio de sesión ha caducado o ya se usó.');
    expect(new URL(page.url()).hash).toBe('');
    expect(await storedSession(page)).toBeNull();
  });
});

describe.skipIf(!CHROMIUM)('single sign-on only (LOCAL_LOGIN=false) in Chromium', () => {
  let provider: TestProvider | undefined;
  const session = useBrowserSession({
    env: async () => {
      const publicUrl = `http://127.0.0.1:${await freePort()}`;
      provider = await TestProvider.start({ clinicaUrl: publicUrl });
      return {
        PUBLIC_URL: publicUrl,
        LOCAL_LOGIN: 'false',
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: WEB_CLIENT.id,
        OIDC_CLIENT_SECRET: WEB_CLIENT.secret,
        OIDC_PROVIDER_NAME: PROVIDER_NAME,
      };
    },
  });
  afterAll(async () => {
    await provider?.close();
  });

  it('shows only the provider button: no password form, no password links', async () => {
    const { page, errors } = await session.signedOut();
    await page.goto(`${session.base}/login`);
    await page.getByRole('link', { name: `Iniciar sesión con ${PROVIDER_NAME}` }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Contraseña' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Entrar' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: '¿Ha olvidado su contraseña?' }).count()).toBe(0);
    await session.accessible(page, 'sign-in with the provider only');
    expect(errors).toEqual([]);
  });
});

describe('single sign-on refusals in the web app', () => {
  it('words every reason the server can refuse a sign-in with, in the callback page', () => {
    const read = (file: string) => fs.readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    const union = read('src/modules/identity/oidc-errors.ts').match(/type SsoErrorCode =([^;]+);/)?.[1] ?? '';
    const codes = [...union.matchAll(/'(\w+)'/g)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThanOrEqual(8);
    const page = read('web/src/pages/AuthCallbackPage.tsx');
    const worded = new Set([...page.matchAll(/^\s+(\w+): t\('sso\./gm)].map((m) => m[1]));
    expect(codes.filter((c) => !worded.has(c ?? ''))).toEqual([]);
  });
});
