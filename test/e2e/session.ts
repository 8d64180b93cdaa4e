/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Role } from '../../src/platform/http/access.js';
import { SYSTEM_CONTEXT } from '../../src/server.js';
import { createTestApp, TEST_PASSWORD, type TestApp } from '../support/app.js';
import { ensureWebBuilt, expectAccessible, launch, watchConsole } from './browser.js';

export interface BrowserSession {
  /** The app under test, listening on `base`; set once the suite's beforeAll has run. */
  readonly t: TestApp;
  readonly base: string;
  /** A user with these roles and the test password, created through the service. */
  user(roles: Role[], extra?: { patientId?: string }): Promise<{ email: string; id: string }>;
  /** A signed-in tab of its own browser context (its own session), collecting console errors. */
  signedIn(email: string, viewport?: { width: number; height: number }): Promise<{ page: Page; errors: string[] }>;
  /** A blank tab of its own browser context, nobody signed in yet, collecting console errors. */
  signedOut(viewport?: { width: number; height: number }): Promise<{ page: Page; errors: string[] }>;
  /** Follows a link of the main navigation. */
  nav(page: Page, name: string): Promise<void>;
  /** axe, once notifications and dialogs have finished fading in: it reads half-faded text as low contrast. */
  accessible(page: Page, label: string): Promise<void>;
}

/**
 * The app on a free port and one Chromium for a suite, with a browser context per signed-in
 * tab closed after each test. Registers the suite's hooks; call it inside `describe`. `env` adds to
 * the server's configuration (BACKUP_KEY, STORAGE_URL ...); as a function it runs in the suite's
 * beforeAll (to start a peer first). A PUBLIC_URL on 127.0.0.1 names the port to listen on.
 */
export function useBrowserSession(
  options: { timezoneId?: string; env?: Record<string, string> | (() => Promise<Record<string, string>>) } = {},
): BrowserSession {
  let t: TestApp | undefined;
  let base = '';
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    const env = typeof options.env === 'function' ? await options.env() : options.env;
    t = await createTestApp('pglite', env);
    // Redirects from an identity provider come back to PUBLIC_URL: listen right there.
    const port = env?.PUBLIC_URL?.startsWith('http://127.0.0.1:') ? Number(new URL(env.PUBLIC_URL).port) : 0;
    await t.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launch();
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const started = () => {
    if (!t || !browser) throw new Error('the browser session has not started: use it inside a test');
    return { t, browser };
  };

  const signedOut: BrowserSession['signedOut'] = async (viewport = { width: 1280, height: 900 }) => {
    const context = await started().browser.newContext({
      viewport,
      locale: 'es-ES',
      ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
    });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    watchConsole(page, errors);
    return { page, errors };
  };

  return {
    get t() {
      return started().t;
    },
    get base() {
      return base;
    },
    async user(roles, extra = {}) {
      const email = `${roles.join('-')}-${randomUUID().slice(0, 6)}@clinica.test`;
      const created = await started().t.app.clinica.users.create(
        { email, roles, password: TEST_PASSWORD, ...extra },
        SYSTEM_CONTEXT,
      );
      return { email, id: created.id };
    },
    signedOut,
    async signedIn(email, viewport) {
      const { page, errors } = await signedOut(viewport);
      await page.goto(`${base}/`);
      await page.getByLabel('Correo electrónico').fill(email);
      await page.getByRole('textbox', { name: 'Contraseña' }).fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Entrar' }).click();
      await page.getByRole('navigation', { name: 'Navegación principal' }).waitFor();
      return { page, errors };
    },
    nav: (page, name) =>
      page.getByRole('navigation', { name: 'Navegación principal' }).getByRole('link', { name, exact: true }).click(),
    async accessible(page, label) {
      await expect
        .poll(() =>
          page.evaluate(() =>
            Array.from(document.querySelectorAll('.mantine-Notification-root, .mantine-Modal-content')).every((el) => {
              for (let e: Element | null = el; e; e = e.parentElement)
                if (Number(getComputedStyle(e).opacity) < 1) return false;
              return true;
            }),
          ),
        )
        .toBe(true);
      await expectAccessible(page, label);
    },
  };
}
