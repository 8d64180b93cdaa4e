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

/** A small but well-formed PDF: a screenshot or a letter an agent sends back. */
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

interface ListedIncident {
  id: string;
  number: string;
  status: string;
  assignee: { id: string; name: string } | null;
  firstResponseAt: string | null;
}

/** The helpdesk in a real Chromium: a patient reports an incident, an agent works it, the patient reads the answer. */
describe.skipIf(!CHROMIUM)('helpdesk in Chromium', () => {
  const session = useBrowserSession({ env: { OUTBOX_POLL_MS: '50' } });
  const { user, signedIn, nav, accessible } = session;
  let t: TestApp;
  let base: string;
  let delivery: EventDelivery | undefined;
  beforeAll(async () => {
    ({ t, base } = session);
    // Creation and replies notify through the outbox: its consumers run as they do in the server.
    delivery = await startServerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log);
  });
  afterAll(async () => {
    await delivery?.stop();
  });

  const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  async function incidentOf(token: string, id: string) {
    const res = await t.call({ method: 'GET', url: `/api/v1/incidents/${id}`, token });
    if (res.statusCode !== 200) throw new Error(`incident: ${res.statusCode} ${res.body}`);
    return res.json() as ListedIncident & { articles: { kind: string; body: string }[] };
  }

  it('a patient reports an incident on a phone; an agent takes it, notes and replies; the patient reads the reply, never the note', async () => {
    const patient = await t.createPatient({ firstName: 'Inés', lastName: 'Incidencia Portal' });
    const own = await user(['patient'], { patientId: patient.id });
    const phone = { width: 375, height: 740 };
    const reporter = await signedIn(own.email, phone);
    const { page } = reporter;
    await page.getByRole('button', { name: 'Abrir o cerrar el menú' }).click();
    await nav(page, 'Mis incidencias');
    await page.getByRole('heading', { name: 'Mis incidencias', level: 2 }).waitFor();
    await page.getByText('No ha abierto ninguna incidencia.').waitFor();
    await page.getByRole('button', { name: 'Nueva incidencia' }).click();
    const form = page.getByTestId('new-incident');
    await form.getByRole('textbox', { name: 'Asunto' }).fill('No puedo descargar mi receta');
    await form.getByRole('combobox', { name: 'Categoría' }).click();
    await page.getByRole('option', { name: 'Recetas' }).click();
    await form.getByRole('textbox', { name: 'Descripción' }).fill('Al pulsar «Descargar» no pasa nada.');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await accessible(page, 'new incident on a phone');
    await form.getByRole('button', { name: 'Enviar la incidencia' }).click();

    // On to the new incident: its number in the title, "new", the description as the first message.
    const title = page.getByRole('heading', { level: 2, name: /^INC\d{5} · No puedo descargar mi receta$/ });
    await title.waitFor();
    const number = (await title.textContent())?.split(' · ')[0] ?? '';
    const incidentId = page.url().split('/').pop() ?? '';
    await expect.poll(() => page.getByTestId('incident-status').textContent()).toBe('Nueva');
    await page.getByTestId('description').getByText('Al pulsar «Descargar» no pasa nada.').waitFor();
    await page.getByText('Aún no hay respuestas.').waitFor();
    expect(await page.getByRole('switch', { name: 'Nota interna' }).count()).toBe(0);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await accessible(page, 'portal incident on a phone');
    await screenshot(page, 'portal-incident-new');

    // The agent: the incident in the queue, with its first-response clock running.
    const agent = await user(['agent']);
    const desk = await signedIn(agent.email);
    await nav(desk.page, 'Mesa de ayuda');
    await desk.page.getByRole('heading', { name: 'Mesa de ayuda', level: 2 }).waitFor();
    const row = desk.page.getByTestId('incident-queue').locator(`tr[data-incident="${incidentId}"]`);
    await row.waitFor();
    const rowText = await row.textContent();
    expect(rowText).toContain('No puedo descargar mi receta');
    expect(rowText).toContain(own.email);
    expect(rowText).toContain('Sin asignar');
    expect(rowText).toContain('Normal');
    await expect.poll(() => row.getByTestId('sla-clock').textContent()).toMatch(/^Respuesta en \d+ (h|min)/);
    expect(await row.getByTestId('sla-clock').getAttribute('data-breached')).toBe('false');
    await desk.page.getByTestId('incident-summary').getByTestId('summary-unassigned').getByText(/^\d+$/).waitFor();
    await accessible(desk.page, 'helpdesk queue');
    await screenshot(desk.page, 'helpdesk-queue');

    // Only unassigned ones: it is there; only mine: not yet.
    await desk.page.getByRole('combobox', { name: 'Asignada a' }).click();
    await desk.page.getByRole('option', { name: 'Asignadas a mí' }).click();
    await desk.page.getByText('No hay incidencias con estos filtros.').waitFor();
    await desk.page.getByRole('button', { name: 'Quitar filtros' }).click();

    await desk.page
      .getByTestId('incident-queue')
      .locator(`tr[data-incident="${incidentId}"]`)
      .getByRole('link', { name: number })
      .click();
    await desk.page.getByRole('heading', { level: 2, name: `${number} · No puedo descargar mi receta` }).waitFor();
    const controls = desk.page.getByTestId('incident-controls');

    // Only the moves allowed from "new" are offered.
    await controls.getByRole('combobox', { name: 'Estado' }).click();
    await expect
      .poll(() => desk.page.getByRole('option').allTextContents())
      .toEqual(['Nueva', 'Abierta', 'Pendiente', 'Resuelta', 'Cerrada']);
    await desk.page.keyboard.press('Escape');

    await controls.getByRole('combobox', { name: 'Asignada a' }).click();
    await desk.page.getByRole('option', { name: `Yo (${agent.email})` }).click();
    await expect
      .poll(async () => (await incidentOf((await t.signIn(['admin'])).token, incidentId)).assignee?.id)
      .toBe(agent.id);

    const box = desk.page.getByTestId('reply-box');
    await box.getByRole('switch', { name: 'Nota interna' }).click();
    await box.getByRole('textbox', { name: /^Nota interna/ }).fill('Revisar el registro de descargas de recetas.');
    await box.getByRole('button', { name: 'Añadir nota interna' }).click();
    const note = desk.page.locator('[data-testid="article"][data-kind="note"]');
    await note.getByText('Revisar el registro de descargas de recetas.').waitFor();
    await note.getByText('Nota interna', { exact: true }).waitFor();

    await box.getByRole('switch', { name: 'Nota interna' }).click();
    await box.getByRole('textbox', { name: 'Respuesta' }).fill('Ya está corregido: pruebe de nuevo, por favor.');
    await box.locator('input[type="file"]').setInputFiles({
      name: 'instrucciones.pdf',
      mimeType: 'application/pdf',
      buffer: PDF,
    });
    await box.getByRole('button', { name: 'Enviar respuesta' }).click();
    const reply = desk.page.locator('[data-testid="article"][data-kind="reply"]');
    await reply.getByText('Ya está corregido: pruebe de nuevo, por favor.').waitFor();
    await reply.getByRole('button', { name: 'Descargar «instrucciones.pdf»' }).waitFor();
    // The first public reply opens it.
    await expect.poll(() => controls.getByRole('combobox', { name: 'Estado' }).inputValue()).toBe('Abierta');
    await accessible(desk.page, 'incident conversation');
    await screenshot(desk.page, 'helpdesk-incident');
    expect(desk.errors).toEqual([]);

    const saved = await incidentOf((await t.signIn(['admin'])).token, incidentId);
    expect(saved.status).toBe('open');
    expect(saved.firstResponseAt).toBeTruthy();
    expect(saved.articles.map((a) => a.kind)).toEqual(['note', 'reply']);

    // The patient: the reply is there, the note is not.
    await page.reload();
    await page.getByText('Ya está corregido: pruebe de nuevo, por favor.').waitFor();
    await expect.poll(() => page.getByTestId('incident-status').textContent()).toBe('Abierta');
    expect(await page.getByText('Revisar el registro de descargas de recetas.').count()).toBe(0);
    expect(await page.getByText('Nota interna').count()).toBe(0);
    expect(await page.locator('[data-kind="note"]').count()).toBe(0);
    // The file sent with the reply, the same bytes.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Descargar «instrucciones.pdf»' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('instrucciones.pdf');
    expect(Buffer.compare(await fs.readFile(await download.path()), PDF)).toBe(0);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await accessible(page, 'portal incident with the reply');
    await screenshot(page, 'portal-incident-reply');

    // The reporter was told by e-mail of the new incident and of the reply (never of the note).
    const admin = (await t.signIn(['admin'])).token;
    const templates = await eventually(async () => {
      const res = await t.call({
        method: 'GET',
        url: `/api/v1/mail-deliveries?recipient=${encodeURIComponent(own.email)}`,
        token: admin,
      });
      const names = (res.json() as { items: { template: string }[] }).items
        .map((d) => d.template)
        .filter((name) => name.startsWith('incident-'))
        .sort();
      return names.includes('incident-reply') ? names : undefined;
    }, 'the reply e-mail to the reporter');
    expect(templates).toEqual(['incident-created', 'incident-reply']);

    // And in the list of their incidents, now open.
    await page.goto(`${base}/portal/incidents`);
    const mine = page.getByTestId('my-incidents').locator(`[data-incident="${incidentId}"]`);
    await mine.getByText(`${number} · No puedo descargar mi receta`).waitFor();
    await mine.getByText('Abierta').waitFor();
    await accessible(page, 'portal incidents list');
    expect(reporter.errors).toEqual([]);
  });

  it('an agent sees a first response past its due time in red, and finds the incident by its words', async () => {
    const patient = await t.createPatient({ firstName: 'Lucas', lastName: 'Plazo Vencido' });
    const reporter = await t.signIn(['patient'], { patientId: patient.id });
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/incidents',
      token: reporter.token,
      payload: { subject: 'Factura duplicada', description: 'Me han cobrado dos veces.', category: 'billing' },
    });
    expect(res.statusCode).toBe(201);
    const created = res.json() as ListedIncident;
    // Reported long ago: the first response was due ten minutes ago.
    await t.database.db.query(
      `update incidents set first_response_due_at = now() - interval '10 minutes' where id = $1`,
      [created.id],
    );
    const agent = await user(['agent']);
    const { page, errors } = await signedIn(agent.email);
    await nav(page, 'Mesa de ayuda');
    await page.getByRole('searchbox', { name: 'Buscar' }).fill('factura duplicada');
    await page.getByRole('button', { name: 'Buscar', exact: true }).click();
    const queue = page.getByTestId('incident-queue');
    await expect.poll(() => queue.locator('tbody tr').count()).toBe(1);
    const clock = queue.locator(`tr[data-incident="${created.id}"]`).getByTestId('sla-clock');
    await expect.poll(() => clock.textContent()).toMatch(/^Respuesta vencida hace (10|11) min$/);
    expect(await clock.getAttribute('data-breached')).toBe('true');
    await accessible(page, 'queue with a breached incident');
    await screenshot(page, 'helpdesk-queue-breached');
    expect(errors).toEqual([]);
  });

  it('an administrator sees the incident counts on the system page', async () => {
    const admin = await user(['admin']);
    const { page, errors } = await signedIn(admin.email);
    const token = (await t.signIn(['admin'])).token;
    const res = await t.call({ method: 'GET', url: '/api/v1/incidents/summary', token });
    expect(res.statusCode).toBe(200);
    const summary = res.json() as { byStatus: Record<string, number>; breached: number; unassigned: number };
    await nav(page, 'Estado del sistema');
    const card = page.getByTestId('incident-summary');
    await card.getByRole('heading', { name: 'Incidencias' }).waitFor();
    await expect.poll(() => card.getByTestId('summary-open').textContent()).toBe(`${summary.byStatus.open}Abierta`);
    await expect
      .poll(() => card.getByTestId('summary-unassigned').textContent())
      .toBe(`${summary.unassigned}Sin asignar`);
    await expect
      .poll(() => card.getByTestId('summary-breached').textContent())
      .toBe(`${summary.breached}Fuera de plazo`);
    await accessible(page, 'system page with incident counts');
    expect(errors).toEqual([]);
  });
});
