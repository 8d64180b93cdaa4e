/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser.
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { generate } from 'otplib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EventDelivery, startServerDelivery } from '../../src/events.js';
import type { Role } from '../../src/platform/http/access.js';
import { SYSTEM_CONTEXT } from '../../src/server.js';
import { createTestApp, TEST_PASSWORD, type TestApp, uniqueDocument } from '../support/app.js';
import { eventually } from '../support/wait.js';
import { CHROMIUM, ensureWebBuilt, expectAccessible, launch, screenshot, watchConsole } from './browser.js';

/**
 * The web app in a real Chromium against the real server (embedded database), through the
 * same pages, CSP and API a user gets. Screenshots of each workspace go to docs/screenshots.
 */
describe.skipIf(!CHROMIUM)('web app in Chromium', () => {
  let t: TestApp;
  let delivery: EventDelivery;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  const user = async (roles: Role[], extra: { patientId?: string } = {}) => {
    const email = `${roles.join('-')}-${Math.random().toString(36).slice(2, 8)}@clinica.test`;
    const created = await t.app.clinica.users.create(
      { email, roles, password: TEST_PASSWORD, ...extra },
      SYSTEM_CONTEXT,
    );
    return { email, id: created.id };
  };

  async function newPage(viewport = { width: 1280, height: 800 }) {
    context = await browser.newContext({ viewport, locale: 'es-ES' });
    page = await context.newPage();
    errors = [];
    watchConsole(page, errors);
    return page;
  }

  async function signIn(email: string, password = TEST_PASSWORD, options = { open: true }) {
    if (options.open) await page.goto(`${base}/`);
    await page.getByLabel('Correo electrónico').fill(email);
    await page.getByRole('textbox', { name: 'Contraseña' }).fill(password);
    await page.getByRole('button', { name: 'Entrar' }).click();
  }

  /** The reset link of the e-mail the server wrote to `email`, as a path on this server. */
  const resetLinkFor = (email: string) =>
    eventually(async () => {
      const folder = path.join(t.config.DATA_DIR, 'mail');
      const names = (await fs.readdir(folder).catch(() => [])).filter((n) => n.endsWith('.eml'));
      for (const name of names) {
        const mail = await simpleParser(await fs.readFile(path.join(folder, name)));
        const link = mail.text?.match(/https?:\/\/\S+\/reset-password\?token=\S+/)?.[0];
        if (link && mail.to && !Array.isArray(mail.to) && mail.to.value[0]?.address === email) {
          const url = new URL(link);
          return `${url.pathname}${url.search}`;
        }
      }
      return undefined;
    }, `the reset e-mail to ${email}`);

  beforeAll(async () => {
    ensureWebBuilt();
    // Without SMTP_URL the mailer writes each e-mail as an .eml file under DATA_DIR/mail.
    t = await createTestApp('pglite', { LOGIN_MAX_FAILURES: '3', OUTBOX_POLL_MS: '50' });
    delivery = await startServerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launch();
  });
  afterEach(async () => {
    await context?.close();
  });
  afterAll(async () => {
    await browser?.close();
    await delivery?.stop();
    await t?.close();
  });

  it('signs in without MFA, shows only what the role may use, and signs out', async () => {
    const admin = await user(['admin']);
    await newPage();
    await page.goto(`${base}/admin/users`);
    await expect.poll(() => page.url()).toContain('/login');
    await expectAccessible(page, 'sign-in');
    await screenshot(page, 'sign-in');
    await signIn(admin.email, TEST_PASSWORD, { open: false });
    // Back where the user was going before signing in.
    await page.getByRole('heading', { name: 'Usuarios' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Navegación principal' });
    // Administrators see the whole helpdesk queue and the pharmacy's figures; they reach no clinical
    // workspace, nor the pharmacists' stock and dispensing.
    for (const item of [
      'Pacientes',
      'Usuarios',
      'Auditoría',
      'Estado del sistema',
      'Mesa de ayuda',
      'Farmacia',
      'Facturas',
    ]) {
      await expect(nav.getByRole('link', { name: item, exact: true }).isVisible()).resolves.toBe(true);
    }
    for (const item of ['Mi portal', 'Consulta médica', 'Dispensación', 'Existencias', 'Pedidos de compra']) {
      expect(await nav.getByRole('link', { name: item }).count(), item).toBe(0);
    }
    await page.getByTestId('user-list').getByText(admin.email).waitFor();
    await expectAccessible(page, 'users');
    await screenshot(page, 'admin-users');

    await page.getByRole('button', { name: 'Cerrar sesión' }).click();
    await page.getByRole('button', { name: 'Entrar' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('clinica.session'))).toBeNull();
    expect(errors).toEqual([]);
  });

  it('says so for wrong credentials, and when the account is locked out (429)', async () => {
    const desk = await user(['admissions']);
    await newPage();
    await signIn(desk.email, 'not the password');
    const error = page.getByTestId('login-error');
    await expect.poll(() => error.textContent()).toBe('El correo o la contraseña no son correctos.');
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('button', { name: 'Entrar' }).click();
    await expect.poll(() => error.textContent()).toMatch(/^Demasiados intentos fallidos/);
    // The 401 and 429 answers are the expected console errors of failed requests.
    expect(errors.filter((e) => !/status of 4(01|29)/.test(e))).toEqual([]);
  });

  it('signs in with MFA: e-mail and password, then the authenticator code', async () => {
    const doctor = await user(['doctor']);
    const login = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: doctor.email, password: TEST_PASSWORD },
    });
    const token = login.json().accessToken as string;
    const setup = await t.call({ method: 'POST', url: '/api/v1/auth/mfa/setup', token });
    const { secret } = setup.json() as { secret: string };
    const enable = await t.call({
      method: 'POST',
      url: '/api/v1/auth/mfa/enable',
      token,
      payload: { code: await generate({ secret }) },
    });
    expect(enable.statusCode).toBe(200);

    await newPage();
    await signIn(doctor.email);
    const code = page.getByLabel('Código de verificación');
    await code.waitFor();
    await expectAccessible(page, 'MFA step');
    await screenshot(page, 'sign-in-mfa');
    await code.fill('000000');
    await page.getByRole('button', { name: 'Verificar' }).click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toMatch(/^El código no es válido/);
    // The enrolment used this time step; the next one is within the accepted drift.
    await code.fill(await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    await page.getByRole('button', { name: 'Verificar' }).click();
    await page.getByRole('heading', { name: 'Pacientes' }).waitFor();
    await page.getByRole('link', { name: 'Consulta médica' }).click();
    await page.getByRole('heading', { name: 'Consulta médica', level: 2 }).waitFor();
    await expectAccessible(page, 'doctor workspace');
  });

  it('a user turns on MFA from their account page, keeps the recovery codes, and signs in with a code', async () => {
    const clerk = await user(['pharmacist']);
    await newPage();
    await signIn(clerk.email);
    await page
      .getByRole('navigation', { name: 'Navegación principal' })
      .getByRole('link', { name: 'Cuenta y seguridad' })
      .click();
    await page.getByRole('heading', { name: 'Cuenta y seguridad' }).waitFor();
    await expect.poll(() => page.getByTestId('mfa-status').textContent()).toBe('Desactivada');
    await page.getByRole('button', { name: 'Activar' }).click();
    const secretBox = page.getByTestId('mfa-secret');
    await secretBox.waitFor();
    const secret = ((await secretBox.textContent()) ?? '').trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    // The QR code is a data: image drawn in the browser, and the CSP lets it load.
    const qr = page.getByTestId('mfa-qr');
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await expect.poll(() => qr.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await expectAccessible(page, 'MFA enrolment');
    await screenshot(page, 'account-mfa-enrol');
    const enrolStep = Math.floor(Date.now() / 30_000);
    await page.getByLabel('Código de verificación').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Confirmar y activar' }).click();
    const codes = page.getByTestId('recovery-codes');
    await codes.waitFor();
    await page.getByText('Guarde estos códigos de recuperación ahora').waitFor();
    expect(await codes.locator('code').count()).toBe(10);
    await expect.poll(() => page.getByTestId('mfa-status').textContent()).toBe('Activada');
    await expectAccessible(page, 'recovery codes');
    await screenshot(page, 'account-recovery-codes');
    await page.getByRole('button', { name: 'Ya los he guardado' }).click();
    await expect.poll(() => codes.count()).toBe(0);
    expect((await t.app.clinica.users.get(clerk.id)).mfaEnabled).toBe(true);

    // The password change: a wrong current password is named in Spanish (from the server's code).
    const newPassword = `${TEST_PASSWORD}-nueva`;
    await page.getByLabel('Contraseña actual').fill('no-es-la-clave');
    await page.getByLabel('Contraseña nueva').fill(newPassword);
    await page.getByRole('button', { name: 'Cambiar la contraseña' }).click();
    await page.getByText('La contraseña actual no es correcta.').waitFor();
    await page.getByLabel('Contraseña actual').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Cambiar la contraseña' }).click();
    await page.getByText('Contraseña cambiada. Se han cerrado sus otras sesiones.').waitFor();

    await page.getByRole('button', { name: 'Cerrar sesión' }).click();
    await signIn(clerk.email, newPassword, { open: false });
    const code = page.getByLabel('Código de verificación');
    await code.waitFor();
    // A time step is accepted once: the enrolment used its own, so sign in with the next one if needed.
    const now = Math.floor(Date.now() / 1000);
    const epoch = Math.floor(now / 30) === enrolStep ? now + 30 : now;
    await code.fill(await generate({ secret, epoch }));
    await page.getByRole('button', { name: 'Verificar' }).click();
    // Back on the page the user signed out from, with MFA on.
    await page.getByRole('heading', { name: 'Cuenta y seguridad' }).waitFor();
    await expect.poll(() => page.getByTestId('mfa-status').textContent()).toBe('Activada');
    // The wrong current password (400) and the password step's 401 (mfaRequired) are the expected failures.
    expect(errors.filter((e) => !/status of 40[01]/.test(e))).toEqual([]);
  });

  it('warns before the idle time-out: "stay signed in" keeps the session, and at the limit it signs out', async () => {
    const desk = await user(['admissions']);
    await newPage();
    await signIn(desk.email);
    await page.getByRole('heading', { name: 'Pacientes' }).waitFor();
    // The server's limit is 30 min (GET /api/v1/info); tests shorten the web app's to 16 s: warning after 8 s.
    await page.evaluate(() => localStorage.setItem('clinica.idleSeconds', '16'));
    const dialog = page.getByRole('dialog', { name: '¿Sigue ahí?' });
    await dialog.waitFor({ timeout: 20_000 });
    expect(await dialog.getByTestId('idle-countdown').textContent()).toMatch(
      /^Por inactividad, la sesión se cerrará en \d+ s\.$/,
    );
    await expectAccessible(page, 'idle warning');
    await screenshot(page, 'idle-warning');
    const session = () => page.evaluate(() => JSON.parse(localStorage.getItem('clinica.session') ?? 'null'));
    const before = await session();
    await dialog.getByRole('button', { name: 'Seguir conectado' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // The session was refreshed: the server counts idleness from the last refresh.
    await expect.poll(async () => (await session())?.refreshToken).not.toBe(before.refreshToken);
    expect(page.url()).toContain('/patients');
    // Left alone again, the warning comes back and at the limit the user is signed out, and told why.
    await dialog.waitFor({ timeout: 20_000 });
    await page.getByTestId('signed-out-idle').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('signed-out-idle').textContent()).toBe(
      'Se cerró la sesión por inactividad. Vuelva a entrar para continuar.',
    );
    expect(await session()).toBeNull();
    await expectAccessible(page, 'signed out for inactivity');
    expect(errors).toEqual([]);
  }, 60_000);

  it('admissions: searches as they type, sees validation messages, hits the duplicate warning and merges', async () => {
    const existing = await t.createPatient({
      firstName: 'Lucía',
      lastName: 'Fernández Ruiz',
      birthDate: '1990-04-12',
      allergies: ['Penicilina'],
    });
    await t.createPatient({ firstName: 'Otro', lastName: 'Paciente Distinto', birthDate: '1970-01-01' });
    const desk = await user(['admissions']);
    await newPage();
    await signIn(desk.email);
    await page.getByRole('heading', { name: 'Pacientes' }).waitFor();
    await page.getByLabel('Buscar').fill('lucia fern');
    const list = page.getByTestId('patient-list');
    await expect.poll(() => list.locator('tbody tr').count()).toBe(1);
    await list.getByText(existing.patientNumber).waitFor();
    await expectAccessible(page, 'patients');
    await screenshot(page, 'patients');

    await page.getByRole('link', { name: 'Nuevo paciente' }).click();
    await page.getByLabel('Documento').fill('x');
    await page.getByLabel(/^Nombre/).fill('Lucia');
    await page.getByLabel('Apellidos').fill('Fernandez Ruiz');
    await page.getByLabel('Fecha de nacimiento').fill('1990-04-12');
    await page.getByLabel(/^Sexo/).first().click();
    await page.getByRole('option', { name: 'Mujer' }).click();
    await page.getByRole('button', { name: 'Guardar' }).click();
    // The server's reason (its code), in the user's language, under the field it names.
    await page.getByText('Debe tener de 3 a 25 letras y dígitos (se admiten puntos y guiones).').waitFor();
    await expectAccessible(page, 'patient form with errors');
    await screenshot(page, 'patient-form-errors');

    await page.getByLabel('Documento').fill(uniqueDocument());
    await page.getByRole('button', { name: 'Guardar' }).click();
    const warning = page.getByTestId('duplicate-warning');
    await warning.waitFor();
    await warning.getByText(existing.patientNumber).waitFor();
    // Dates are shown in the reader's language, not as ISO text.
    await warning.getByText('12 abr 1990').waitFor();
    await expectAccessible(page, 'duplicate warning');
    await screenshot(page, 'patient-duplicate-warning');
    await warning.getByRole('button', { name: 'Fusionar en este' }).click();
    await expect.poll(() => page.url()).toContain(`/patients/${existing.id}`);
    const header = page.getByTestId('patient-header');
    await header.getByText(existing.patientNumber).waitFor();
    expect(await header.textContent()).toContain('Penicilina');
    expect(await header.textContent()).toMatch(/\d+ años/);
    await screenshot(page, 'patient-header');
    // The refused document number is the one expected failed request.
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    const merged = await t.database.db.query<{ n: number }>(
      'select count(*)::int as n from patients where merged_into = $1',
      [existing.id],
    );
    expect(merged.rows[0]?.n).toBe(1);
  });

  it('admin: reads the audit log with filters, creates and deactivates a user, reads system status', async () => {
    const admin = await user(['admin']);
    await newPage();
    await signIn(admin.email);
    await page.getByRole('link', { name: 'Auditoría' }).click();
    const list = page.getByTestId('audit-list');
    await list.waitFor();
    await page.getByLabel('Acción').fill('auth.login*');
    await page.getByRole('button', { name: 'Filtrar' }).click();
    await expect
      .poll(async () =>
        (await list.locator('tbody tr code').allTextContents()).every((a) => a.startsWith('auth.login')),
      )
      .toBe(true);
    await list.getByText(admin.email).first().waitFor();
    await expectAccessible(page, 'audit log');
    await screenshot(page, 'admin-audit');

    await page.getByRole('link', { name: 'Usuarios' }).click();
    await page.getByRole('button', { name: 'Nuevo usuario' }).click();
    const dialog = page.getByRole('dialog');
    const email = `nuevo-${Date.now()}@clinica.test`;
    await dialog.getByLabel('Correo electrónico').fill(email);
    await dialog.locator('.mantine-MultiSelect-input').click();
    await page.getByRole('option', { name: 'Farmacia' }).click();
    await dialog.getByLabel('Contraseña inicial').fill('short');
    await dialog.getByRole('button', { name: 'Crear usuario' }).click();
    await dialog
      .getByText(/^Debe tener al menos \d+ caracteres\.$/)
      .first()
      .waitFor();
    await dialog.getByLabel('Contraseña inicial').fill(TEST_PASSWORD);
    await dialog.getByRole('button', { name: 'Crear usuario' }).click();
    const row = page.getByTestId('user-list').locator('tr', { hasText: email });
    await row.waitFor();
    page.once('dialog', (d) => d.accept());
    await row.getByRole('button', { name: 'Desactivar' }).click();
    await row.getByRole('button', { name: 'Reactivar' }).waitFor();

    await page.getByRole('link', { name: 'Estado del sistema' }).click();
    await page.getByTestId('system-info').getByText('Integrada (PGlite)').waitFor();
    await expectAccessible(page, 'system status');
    await screenshot(page, 'admin-system');
    // The refused short password is the one expected failed request.
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });

  it('admin resets a user’s MFA', async () => {
    const target = await user(['results']);
    const token = (
      await t.call({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: target.email, password: TEST_PASSWORD },
      })
    ).json().accessToken;
    const { secret } = (await t.call({ method: 'POST', url: '/api/v1/auth/mfa/setup', token })).json();
    await t.call({
      method: 'POST',
      url: '/api/v1/auth/mfa/enable',
      token,
      payload: { code: await generate({ secret }) },
    });
    const admin = await user(['admin']);
    await newPage();
    await signIn(admin.email);
    await page.getByRole('link', { name: 'Usuarios' }).click();
    const row = page.getByTestId('user-list').locator('tr', { hasText: target.email });
    page.once('dialog', (d) => d.accept());
    await row.getByRole('button', { name: 'Restablecer 2FA' }).click();
    await expect.poll(() => row.getByRole('button', { name: 'Restablecer 2FA' }).count()).toBe(0);
    const after = await t.app.clinica.users.get(target.id);
    expect(after.mfaEnabled).toBe(false);
  });

  it('refreshes an expired access token once for two tabs at the same time (each refresh token works once)', async () => {
    const desk = await user(['admissions']);
    await newPage();
    await signIn(desk.email);
    await page.getByRole('heading', { name: 'Pacientes' }).waitFor();
    const second = await context.newPage();
    watchConsole(second, errors);
    await second.goto(`${base}/patients`);
    await second.getByRole('heading', { name: 'Pacientes' }).waitFor();
    const before = await page.evaluate(() => JSON.parse(localStorage.getItem('clinica.session') ?? '{}'));
    // Both tabs now believe the access token has expired, and reload together.
    await page.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('clinica.session') ?? '{}');
      localStorage.setItem('clinica.session', JSON.stringify({ ...s, expiresAt: 0 }));
    });
    await Promise.all([page.reload(), second.reload()]);
    for (const p of [page, second]) await p.getByTestId('patient-list').waitFor();
    const after = await page.evaluate(() => JSON.parse(localStorage.getItem('clinica.session') ?? '{}'));
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.expiresAt).toBeGreaterThan(Date.now());
    // Had a refresh token been presented twice, the server would have ended the session.
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: after.refreshToken },
    });
    expect(res.statusCode).toBe(200);
    expect(errors).toEqual([]);
  });

  it('a patient registers from the sign-in page, lands on their own portal, and reaches no one else’s', async () => {
    const stranger = await t.createPatient({
      firstName: 'Ajena',
      lastName: 'Persona Privada',
      birthDate: '1960-06-06',
    });
    await newPage();
    await page.goto(`${base}/`);
    await page.getByRole('link', { name: /Regístrese/ }).click();
    await page.getByRole('heading', { name: 'Crear cuenta de paciente' }).waitFor();
    await page.getByLabel(/^Nombre/).fill('Marta');
    await page.getByLabel(/^Apellidos/).fill('Registro Propio');
    const document = uniqueDocument();
    await page.getByLabel(/^Documento/).fill(document);
    await page.getByLabel(/^Fecha de nacimiento/).fill('1985-02-03');
    await page.getByLabel(/^Correo electrónico/).fill(`marta-${Date.now()}@clinica.test`);
    await page.getByRole('textbox', { name: 'Contraseña' }).fill('corta');
    await page.getByRole('button', { name: 'Crear cuenta' }).click();
    await page.getByText(/^Debe tener al menos \d+ caracteres\.$/).waitFor();
    await expectAccessible(page, 'registration');
    await screenshot(page, 'patient-register');
    await page.getByRole('textbox', { name: 'Contraseña' }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Crear cuenta' }).click();
    const header = page.getByTestId('patient-header');
    await header.waitFor();
    expect(await header.textContent()).toContain('Marta Registro Propio');
    expect(await header.textContent()).toContain(document);
    expect(page.url()).toContain('/portal');
    // Only the portal: a patient has no staff workspaces.
    const nav = page.getByRole('navigation', { name: 'Navegación principal' });
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'Mi portal',
      'Mis citas',
      'Mi historia clínica',
      'Mis documentos',
      'Mis facturas',
      'Mis incidencias',
      'Cuenta y seguridad',
    ]);
    // Another patient's page, typed in by hand, shows nothing of that patient.
    await page.goto(`${base}/patients/${stranger.id}`);
    await page.getByRole('navigation', { name: 'Navegación principal' }).waitFor();
    await page.waitForLoadState('networkidle');
    const text = await page.locator('body').innerText();
    expect(text).not.toContain('Ajena');
    expect(text).not.toContain(stranger.patientNumber);
    expect(errors.filter((e) => !/status of 40[03]/.test(e))).toEqual([]);
  });

  it('a user who forgot their password gets a link by e-mail, chooses a new one and signs in with it', async () => {
    const desk = await user(['admissions']);
    await newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('Correo electrónico').fill(desk.email);
    await page.getByRole('link', { name: '¿Ha olvidado su contraseña?' }).click();
    await page.getByRole('heading', { name: 'Restablecer la contraseña' }).waitFor();
    // What the user had typed on the sign-in page comes along.
    expect(await page.getByLabel('Correo electrónico').inputValue()).toBe(desk.email);
    await expectAccessible(page, 'forgot password');
    await screenshot(page, 'forgot-password');
    await page.getByRole('button', { name: 'Enviar el enlace' }).click();
    await expect
      .poll(() => page.getByTestId('forgot-sent').textContent())
      .toMatch(/^Si existe una cuenta con esa dirección, le hemos enviado un enlace válido durante 60 minutos/);
    await expectAccessible(page, 'reset link sent');

    const link = await resetLinkFor(desk.email);
    await page.goto(`${base}${link}`);
    await page.getByRole('heading', { name: 'Elegir una contraseña nueva' }).waitFor();
    const password = page.getByRole('textbox', { name: 'Contraseña nueva', exact: true });
    const confirm = page.getByRole('textbox', { name: 'Repita la contraseña nueva' });
    await password.fill('corta');
    await confirm.fill('otra');
    await page.getByRole('button', { name: 'Guardar la contraseña' }).click();
    await page.getByText('Las contraseñas no coinciden.').waitFor();
    // The server's reason, on the field it names.
    await confirm.fill('corta');
    await page.getByRole('button', { name: 'Guardar la contraseña' }).click();
    await page.getByText(/^Debe tener al menos \d+ caracteres\.$/).waitFor();
    await expectAccessible(page, 'reset password with errors');
    await screenshot(page, 'reset-password');
    const newPassword = `${TEST_PASSWORD}-olvidada`;
    await password.fill(newPassword);
    await confirm.fill(newPassword);
    await page.getByRole('button', { name: 'Guardar la contraseña' }).click();
    await page.getByTestId('reset-done').waitFor();
    await expectAccessible(page, 'password reset done');

    // A link works once.
    await page.goto(`${base}${link}`);
    await password.fill(newPassword);
    await confirm.fill(newPassword);
    await page.getByRole('button', { name: 'Guardar la contraseña' }).click();
    await expect
      .poll(() => page.getByTestId('reset-invalid').textContent())
      .toBe('Este enlace no es válido, ya se usó o ha caducado.');
    await expectAccessible(page, 'used reset link');
    await page.getByRole('link', { name: 'Pedir un enlace nuevo' }).click();
    await page.getByRole('heading', { name: 'Restablecer la contraseña' }).waitFor();

    await page.getByRole('link', { name: 'Volver a iniciar sesión' }).click();
    await signIn(desk.email, newPassword, { open: false });
    await page.getByRole('heading', { name: 'Pacientes' }).waitFor();
    const old = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: desk.email, password: TEST_PASSWORD },
    });
    expect(old.statusCode).toBe(401);
    // The too-short password and the spent link are the expected refusals.
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });

  it('a user turns e-mail reminders off; an admin reads the e-mail log, filtered, on a phone too', async () => {
    const clerk = await user(['results']);
    await newPage();
    await signIn(clerk.email);
    await page.getByRole('link', { name: 'Cuenta y seguridad' }).click();
    const card = page.getByTestId('notifications-card');
    const reminders = card.getByRole('switch', { name: 'Enviarme recordatorios y novedades por correo' });
    await expect.poll(() => reminders.isChecked()).toBe(true);
    await card.getByText(/^Los correos sobre la seguridad de su cuenta .* se envían siempre\.$/).waitFor();
    await reminders.click({ force: true });
    await page.getByText('Preferencias guardadas.').waitFor();
    await expect.poll(() => reminders.isChecked()).toBe(false);
    await expectAccessible(page, 'account notifications');
    await screenshot(page, 'account-notifications');
    const me = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: clerk.email, password: TEST_PASSWORD },
    });
    expect(me.json().user.emailNotifications).toBe(false);
    await context.close();

    const admin = await user(['admin']);
    await newPage();
    await signIn(admin.email);
    await page.getByRole('link', { name: 'Registro de correo' }).click();
    const list = page.getByTestId('mail-list');
    await list.waitFor();
    await page.getByLabel('Destinatario').fill(clerk.email);
    await page.getByRole('button', { name: 'Filtrar' }).click();
    // The account-created e-mail is essential: sent whatever the preference.
    const row = list.locator('tbody tr', { hasText: 'Cuenta creada' });
    await expect.poll(() => list.locator('tbody tr').count()).toBe(1);
    await expect.poll(() => row.textContent()).toContain('Enviado');
    expect(await row.textContent()).toContain(clerk.email);
    await expectAccessible(page, 'e-mail log');
    await screenshot(page, 'admin-mail');
    await page.getByRole('button', { name: 'Limpiar' }).click();
    await expect.poll(() => list.locator('tbody tr').count()).toBeGreaterThan(1);
    await page.setViewportSize({ width: 375, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await expectAccessible(page, 'e-mail log on a phone');
    expect(errors).toEqual([]);
  });

  it('switches to English and remembers it', async () => {
    const desk = await user(['admissions']);
    await newPage();
    await page.goto(`${base}/`);
    await page.getByText('EN', { exact: true }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByLabel('E-mail').fill(desk.email);
    await page.getByRole('textbox', { name: 'Password' }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Patients' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await screenshot(page, 'patients-english');
    await page.getByText('ES', { exact: true }).click();
    await page.getByRole('button', { name: 'Cerrar sesión' }).waitFor();
  });

  it('is usable 375 px wide: no sideways scrolling, the menu opens from the burger', async () => {
    const desk = await user(['admissions']);
    await t.createPatient({ firstName: 'Móvil', lastName: 'Pequeña Pantalla' });
    await newPage({ width: 375, height: 740 });
    await signIn(desk.email);
    await page.getByRole('heading', { name: 'Pacientes' }).waitFor();
    await page.getByTestId('patient-list').waitFor();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await expectAccessible(page, 'patients on a phone');
    await screenshot(page, 'mobile-patients');
    await page.getByRole('button', { name: 'Abrir o cerrar el menú' }).click();
    await page.getByRole('link', { name: 'Pacientes' }).click();
    await page.getByRole('link', { name: 'Nuevo paciente' }).click();
    await page.getByLabel('Documento').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'mobile-patient-form');
    expect(errors).toEqual([]);
  });

  it('gives every other role its workspace: portal, results, pharmacy and helpdesk', async () => {
    const own = await t.createPatient({
      firstName: 'Portal',
      lastName: 'Paciente Propio',
      documentNumber: uniqueDocument(),
    });
    const cases: { roles: Role[]; heading: string; shot: string; patientId?: string }[] = [
      { roles: ['patient'], heading: 'Mi portal', shot: 'patient-portal', patientId: own.id },
      { roles: ['results'], heading: 'Resultados', shot: 'results-workspace' },
      { roles: ['pharmacist'], heading: 'Farmacia', shot: 'pharmacy-workspace' },
      { roles: ['agent'], heading: 'Mesa de ayuda', shot: 'helpdesk-workspace' },
    ];
    for (const c of cases) {
      const u = await user(c.roles, c.patientId ? { patientId: c.patientId } : {});
      await newPage();
      await signIn(u.email);
      await page
        .getByRole('navigation', { name: 'Navegación principal' })
        .getByRole('link', { name: c.heading })
        .click();
      await page.getByRole('heading', { name: c.heading, level: 2 }).waitFor();
      if (c.roles[0] === 'patient') await page.getByTestId('patient-header').getByText(own.patientNumber).waitFor();
      await expectAccessible(page, c.shot);
      await screenshot(page, c.shot);
      expect(errors, c.shot).toEqual([]);
      await context.close();
    }
  });
});
