/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser.
import fs from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventDelivery, startServerDelivery } from '../../src/events.js';
import type { TestApp } from '../support/app.js';
import { eventually } from '../support/wait.js';
import { CHROMIUM, screenshot } from './browser.js';
import { useBrowserSession } from './session.js';

/** A small but well-formed PDF: what a clinic scans or receives from a lab. */
const PDF = Buffer.from(
  [
    '%PDF-1.4',
    '1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj',
    '2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj',
    '3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 200 200]>> endobj',
    'trailer <</Root 1 0 R>>',
    '%%EOF',
    '',
  ].join('\n'),
);

/** A ZIP archive's first bytes under a PDF's name: the server sniffs the content and refuses it. */
const NOT_A_PDF = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]), Buffer.alloc(200, 1)]);

interface ListedDocument {
  id: string;
  category: string;
  source: { type: string; id: string } | null;
  title: string;
  fileName: string;
  sizeBytes: number;
  deletedAt: string | null;
  deleteReason: string | null;
}

/** The document folder in a real Chromium: doctors and the results desk file, patients download, admins back up. */
describe.skipIf(!CHROMIUM)('documents and backups in Chromium', () => {
  const session = useBrowserSession({
    env: { BACKUP_KEY: 'a backup passphrase for the browser test', OUTBOX_POLL_MS: '50' },
  });
  const { user, signedIn, nav, accessible } = session;
  let t: TestApp;
  let delivery: EventDelivery | undefined;
  beforeAll(async () => {
    ({ t } = session);
    // Documents produced elsewhere (a signed prescription) are filed by an outbox consumer.
    delivery = await startServerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log);
  });
  afterAll(async () => {
    await delivery?.stop();
  });

  async function documentsOf(token: string, patientId: string, query = '') {
    const res = await t.call({ method: 'GET', url: `/api/v1/patients/${patientId}/documents${query}`, token });
    if (res.statusCode !== 200) throw new Error(`documents: ${res.statusCode} ${res.body}`);
    return (res.json() as { items: ListedDocument[] }).items;
  }

  async function post(token: string, url: string, payload: object = {}) {
    const res = await t.call({ method: 'POST', url, token, payload });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json() as { id: string; number?: string };
  }

  /** A signed prescription, written through the API as a doctor would. */
  async function signedPrescription(token: string, patientId: string) {
    const line = { medicament: 'Omeprazol Cinfa', form: 'capsule', quantity: 28, foodTiming: 'before', days: 14 };
    const draft = await post(token, '/api/v1/prescriptions', { patientId, lines: [{ ...line, morning: true }] });
    await post(token, `/api/v1/prescriptions/${draft.id}/sign`);
    return draft;
  }

  async function pickPatient(page: Page, search: string, patient: { patientNumber: string }) {
    await page.getByRole('combobox', { name: 'Paciente' }).fill(search);
    await page.getByRole('option', { name: new RegExp(`^${patient.patientNumber} · `) }).click();
    await page.getByTestId('patient-header').getByText(patient.patientNumber).waitFor();
  }

  const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  it('a doctor uploads a PDF to a patient, sees it listed, downloads the same bytes and deletes it with a reason', async () => {
    const patient = await t.createPatient({ firstName: 'Diana', lastName: 'Documento Subido' });
    const doctor = await user(['doctor']);
    const { page, errors } = await signedIn(doctor.email);
    await nav(page, 'Consulta médica');
    await pickPatient(page, 'documento subido', patient);
    await page.getByRole('tab', { name: 'Documentos' }).click();
    const panel = page.getByTestId('documents-panel');
    await panel.getByText('No hay documentos.').waitFor();
    await accessible(page, 'empty documents tab');

    // Something that is not a PDF, named as one: the server's reason is shown, nothing is filed.
    const form = page.getByTestId('document-upload');
    await form.locator('input[type="file"]').setInputFiles({
      name: 'informe.pdf',
      mimeType: 'application/pdf',
      buffer: NOT_A_PDF,
    });
    const [refused] = await Promise.all([
      page.waitForResponse(
        (r) => r.url().endsWith(`/patients/${patient.id}/documents`) && r.request().method() === 'POST',
      ),
      form.getByRole('button', { name: 'Subir' }).click(),
    ]);
    expect(refused.status()).toBe(415);
    const detail = ((await refused.json()) as { detail: string }).detail;
    expect(detail.length).toBeGreaterThan(10);
    await expect.poll(() => form.getByTestId('upload-error').textContent()).toBe(detail);
    await accessible(page, 'refused upload');

    await form.locator('input[type="file"]').setInputFiles({
      name: 'alta-hospitalaria.pdf',
      mimeType: 'application/pdf',
      buffer: PDF,
    });
    await form.getByRole('textbox', { name: 'Título' }).fill('Informe de alta');
    await form.getByRole('button', { name: 'Subir' }).click();
    const list = panel.getByTestId('document-list');
    const row = list.locator('tbody tr', { hasText: 'Informe de alta' });
    await row.waitFor();
    expect(await form.getByTestId('upload-error').count()).toBe(0);
    const text = await row.textContent();
    expect(text).toContain('alta-hospitalaria.pdf');
    expect(text).toContain('Documento subido');
    expect(text).toContain('PDF');
    expect(text).toContain(`${PDF.length} B`);
    const [saved] = await documentsOf((await t.signIn(['doctor'])).token, patient.id);
    expect(saved).toMatchObject({ title: 'Informe de alta', category: 'upload', sizeBytes: PDF.length });
    await accessible(page, 'documents tab with an upload');
    await screenshot(page, 'doctor-documents');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('button', { name: 'Descargar «Informe de alta»' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('alta-hospitalaria.pdf');
    expect(Buffer.compare(await fs.readFile(await download.path()), PDF)).toBe(0);

    await row.getByRole('button', { name: 'Eliminar «Informe de alta»' }).click();
    const dialog = page.getByRole('dialog', { name: '¿Eliminar el documento?' });
    await dialog.getByRole('button', { name: 'Eliminar' }).click();
    // No reason, no deletion.
    await dialog.getByText('Indique el motivo.').waitFor();
    await accessible(page, 'delete confirmation');
    await dialog.getByRole('textbox', { name: 'Motivo' }).fill('Subido a la paciente equivocada');
    await dialog.getByRole('button', { name: 'Eliminar' }).click();
    await dialog.waitFor({ state: 'detached' });
    await panel.getByText('No hay documentos.').waitFor();

    // Staff still see it, struck through, with the reason.
    await panel.getByRole('switch', { name: 'Mostrar eliminados' }).click();
    const deleted = list.locator('tbody tr[data-deleted="true"]', { hasText: 'Informe de alta' });
    await deleted.getByText(/^Eliminado el .*: Subido a la paciente equivocada$/).waitFor();
    expect(
      await deleted
        .getByText('Informe de alta', { exact: true })
        .evaluate((el) => getComputedStyle(el).textDecorationLine),
    ).toBe('line-through');
    expect(await deleted.getByRole('button').count()).toBe(0);
    await accessible(page, 'deleted documents shown');
    await screenshot(page, 'doctor-documents-deleted');
    const all = await documentsOf((await t.signIn(['doctor'])).token, patient.id, '?includeDeleted=true');
    expect(all.map((d) => [d.title, d.deleteReason])).toEqual([['Informe de alta', 'Subido a la paciente equivocada']]);
    expect(all[0]?.deletedAt).toBeTruthy();
    // The refused upload is the one expected failed request.
    expect(errors.filter((e) => !/status of 415/.test(e))).toEqual([]);
  });

  it('a signed prescription is filed in the patient’s folder; the results desk sees it and the patient downloads it on a phone', async () => {
    const patient = await t.createPatient({ firstName: 'Paula', lastName: 'Portal Documentos' });
    const doctor = await t.signIn(['doctor']);
    const prescription = await signedPrescription(doctor.token, patient.id);
    const filed = await eventually(async () => {
      const items = await documentsOf(doctor.token, patient.id, '?category=prescription');
      return items.length > 0 ? items[0] : undefined;
    }, 'the signed prescription in the patient’s documents');
    expect(filed).toMatchObject({ category: 'prescription', source: { type: 'prescription', id: prescription.id } });
    const content = await t.call({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}/documents/${filed.id}/content`,
      token: doctor.token,
    });
    expect(content.statusCode).toBe(200);
    expect(content.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');

    // The results desk: the same folder under the selected patient.
    const clerk = await user(['results']);
    const desk = await signedIn(clerk.email);
    await nav(desk.page, 'Resultados');
    await pickPatient(desk.page, 'portal documentos', patient);
    const deskRow = desk.page.getByTestId('document-list').locator('tbody tr', { hasText: filed.title });
    await deskRow.getByText('Receta', { exact: true }).waitFor();
    await accessible(desk.page, 'results desk documents');
    expect(desk.errors).toEqual([]);

    const own = await user(['patient'], { patientId: patient.id });
    const { page, errors } = await signedIn(own.email, { width: 375, height: 740 });
    await page.getByRole('button', { name: 'Abrir o cerrar el menú' }).click();
    await nav(page, 'Mis documentos');
    await page.getByRole('heading', { name: 'Mis documentos', level: 2 }).waitFor();
    const card = page.getByTestId('document-list').locator(`[data-document="${filed.id}"]`);
    await card.getByText(filed.title, { exact: true }).waitFor();
    // Download only: nothing to upload or delete, no deleted ones to show.
    expect(await page.getByTestId('document-upload').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Eliminar/ }).count()).toBe(0);
    expect(await page.getByText('Mostrar eliminados').count()).toBe(0);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await accessible(page, 'portal documents on a phone');
    await screenshot(page, 'portal-documents');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.getByRole('button', { name: `Descargar «${filed.title}»` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(filed.fileName);
    expect(Buffer.compare(await fs.readFile(await download.path()), content.rawPayload)).toBe(0);
    expect(errors).toEqual([]);
  });

  it('an administrator sees the backup status, runs a backup now and sees it succeed', async () => {
    const admin = await user(['admin']);
    const { page, errors } = await signedIn(admin.email);
    await nav(page, 'Copias de seguridad');
    await page.getByRole('heading', { name: 'Copias de seguridad', level: 2 }).waitFor();
    const status = page.getByTestId('backup-status');
    await status.getByText('Configurada', { exact: true }).waitFor();
    expect(await page.getByTestId('backup-key-warning').count()).toBe(0);
    await accessible(page, 'backups page');

    await page.getByRole('button', { name: 'Hacer una copia ahora' }).click();
    const runs = page.getByTestId('backup-runs');
    const succeeded = runs.locator('tbody tr[data-status="succeeded"]');
    await succeeded.first().waitFor({ timeout: 60_000 });
    const row = await succeeded.first().textContent();
    expect(row).toContain('A mano');
    expect(row).toMatch(/\d+(,\d)? [kMG]?B/);
    // The status card now names it, with its size and how long ago.
    await status
      .getByTestId('backup-last-success')
      .getByText(/\((hace \d+ segundos?|ahora)\)$/)
      .waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Hacer una copia ahora' }).isEnabled()).toBe(true);
    await accessible(page, 'backups page after a run');
    await screenshot(page, 'backups');

    const res = await t.call({ method: 'GET', url: '/api/v1/backups', token: (await t.signIn(['admin'])).token });
    const body = res.json() as { lastSuccess: { trigger: string; sizeBytes: number } | null; running: unknown };
    expect(body.running).toBeNull();
    expect(body.lastSuccess).toMatchObject({ trigger: 'manual' });
    expect(body.lastSuccess?.sizeBytes).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});
