/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser.
import fs from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/server.js';
import type { TestApp } from '../support/app.js';
import { draftNote, openEncounter } from '../support/clinical.js';
import { pdfText } from '../support/pdf.js';
import { createPractitioner, localDate } from '../support/scheduling.js';
import { CHROMIUM, screenshot, watchConsole } from './browser.js';
import { useBrowserSession } from './session.js';

/** The clinical record in a real Chromium: the doctor's workspace, the dental chart, prescriptions, the results desk. */
describe.skipIf(!CHROMIUM)('clinical record in Chromium', () => {
  const session = useBrowserSession();
  const { user, signedIn, nav, accessible } = session;
  let t: TestApp;
  let base: string;
  beforeAll(() => {
    ({ t, base } = session);
  });

  /** Finds a patient in a workspace's search box and opens them. */
  async function pickPatient(page: Page, search: string, patient: { patientNumber: string }) {
    await page.getByRole('combobox', { name: 'Paciente' }).fill(search);
    await page.getByRole('option', { name: new RegExp(`^${patient.patientNumber} · `) }).click();
    await page.getByTestId('patient-header').getByText(patient.patientNumber).waitFor();
  }

  /** A PDF the app offers, fetched through the page's own request context with its session's token. */
  async function fetchPdf(page: Page, path: string) {
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('clinica.session') ?? '{}').accessToken);
    const res = await page.request.get(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status(), type: res.headers()['content-type'], body: await res.body() };
  }

  /** A POST by `token` that must succeed: the record the portal test reads is written through the API. */
  async function post(token: string, url: string, payload: object = {}) {
    const res = await t.call({ method: 'POST', url, token, payload });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json() as { id: string; number?: string };
  }

  it('a doctor finds a patient, writes a SOAP draft, signs it (then it is read-only) and corrects it with an addendum', async () => {
    const patient = await t.createPatient({ firstName: 'Nora', lastName: 'Nota Firmada', allergies: ['Penicilina'] });
    const doctor = await user(['doctor']);
    const { page, errors } = await signedIn(doctor.email);
    await nav(page, 'Consulta médica');
    await page.getByRole('heading', { name: 'Consulta médica', level: 2 }).waitFor();
    await pickPatient(page, 'nota firm', patient);
    // The summary first: the allergy from the patient record, nothing else recorded yet.
    const summary = page.getByTestId('clinical-summary');
    await summary.getByText('Penicilina').waitFor();
    await accessible(page, 'doctor workspace summary');
    await screenshot(page, 'doctor-workspace');

    await page.getByRole('tab', { name: 'Notas' }).click();
    await page.getByRole('button', { name: 'Nueva nota' }).click();
    // No encounter yet: one is opened right there.
    const form = page.getByTestId('new-note');
    await form.getByLabel('Motivo').fill('Cefalea de tres días');
    await form.getByRole('button', { name: 'Abrir el episodio' }).click();
    await expect
      .poll(() => form.getByLabel('Episodio').inputValue())
      .toMatch(/^Consulta externa · .* · Cefalea de tres días$/);
    await form.getByLabel(/^S · Subjetivo/).fill('Cefalea frontal desde hace tres días.');
    await form.getByLabel('A · Valoración').fill('Cefalea tensional.');
    await form.getByLabel('P · Plan').fill('Paracetamol 1 g cada 8 horas.');
    await accessible(page, 'new note');
    await form.getByRole('button', { name: 'Guardar borrador' }).click();

    const note = page.locator('[data-testid="note"]').first();
    await expect.poll(() => note.getAttribute('data-status')).toBe('draft');
    await note.getByText('Cefalea tensional.').waitFor();
    await note.getByRole('button', { name: 'Firmar' }).click();
    const dialog = page.getByRole('dialog', { name: '¿Firmar la nota?' });
    await dialog.getByText(/no se puede modificar nunca/).waitFor();
    await accessible(page, 'sign confirmation');
    await dialog.getByRole('button', { name: 'Firmar' }).click();
    await expect.poll(() => note.getAttribute('data-status')).toBe('signed');
    await note.getByText(/^Firmada el .* · SHA-256 [0-9a-f]{12}…$/).waitFor();
    // Signed: nothing to edit or sign any more, only an addendum.
    expect(await note.getByRole('button', { name: 'Editar' }).count()).toBe(0);
    expect(await note.getByRole('button', { name: 'Firmar' }).count()).toBe(0);
    expect(await note.getByRole('textbox').count()).toBe(0);

    await note.getByRole('button', { name: 'Añadir adenda' }).click();
    await note.getByLabel('P · Plan').fill('Corrección: paracetamol 650 mg cada 8 horas.');
    await note.getByRole('button', { name: 'Firmar la adenda' }).click();
    const addendum = note.locator('[data-testid="note"]');
    await addendum.getByText('Corrección: paracetamol 650 mg cada 8 horas.').waitFor();
    expect(await addendum.getAttribute('data-status')).toBe('signed');
    await accessible(page, 'signed note with addendum');
    await screenshot(page, 'doctor-notes');

    const { items } = await t.app.clinica.clinical.notes.list(patient.id, { limit: 10 }, SYSTEM_CONTEXT);
    expect(items.map((n) => [n.status, n.amends ?? null])).toEqual([
      ['signed', items[1]?.id],
      ['signed', null],
    ]);
    expect(items[1]?.assessment).toBe('Cefalea tensional.');
    expect(errors).toEqual([]);
  });

  it('a doctor records a diagnosis found by typing words of its ICD-10 title, and vital signs; the summary shows both', async () => {
    const patient = await t.createPatient({ firstName: 'Dora', lastName: 'Diagnóstico Constantes' });
    const doctor = await user(['doctor']);
    const { page, errors } = await signedIn(doctor.email);
    // The record opens straight from an address with the patient and the tab in it.
    await page.goto(`${base}/doctor?patient=${patient.id}&tab=diagnoses`);
    await page.getByTestId('patient-header').getByText(patient.patientNumber).waitFor();
    await page.getByRole('button', { name: 'Añadir diagnóstico' }).click();
    const form = page.getByTestId('diagnosis-form');
    await form.getByRole('combobox', { name: 'Código CIE-10' }).fill('diabetes type 2');
    await page.getByRole('option', { name: 'E11.9 · Type 2 diabetes mellitus without complications' }).click();
    await form.getByLabel('Fecha de inicio').fill('2020-03-01');
    await accessible(page, 'diagnosis form');
    await form.getByRole('button', { name: 'Registrar el diagnóstico' }).click();
    const diagnosis = page.getByTestId('diagnosis');
    await diagnosis.getByText('E11.9 · Type 2 diabetes mellitus without complications').waitFor();
    await diagnosis.getByText('Desde el 1 mar 2020').waitFor();

    await page.getByRole('tab', { name: 'Constantes' }).click();
    const vitals = page.getByTestId('vitals-form');
    await vitals.getByLabel('Temperatura (°C)').fill('375');
    await vitals.getByRole('button', { name: 'Registrar las constantes' }).click();
    // The server's bounds, in Spanish, under the field it names.
    await vitals.getByText('Debe ser como máximo 45.').waitFor();
    await vitals.getByLabel('Temperatura (°C)').fill('37,5');
    await vitals.getByLabel('Tensión sistólica (mmHg)').fill('120');
    await vitals.getByLabel('Tensión diastólica (mmHg)').fill('80');
    await vitals.getByRole('button', { name: 'Registrar las constantes' }).click();
    await page
      .getByTestId('vitals-list')
      .getByText(/Tensión arterial 120\/80 mmHg · Temperatura 37,5 °C/)
      .waitFor();
    await accessible(page, 'vital signs');

    await page.getByRole('tab', { name: 'Resumen' }).click();
    const summary = page.getByTestId('clinical-summary');
    await summary.getByText('Type 2 diabetes mellitus without complications').waitFor();
    await summary.getByText('120/80 mmHg').waitFor();
    await screenshot(page, 'doctor-summary');
    // The refused temperature is the one expected failed request.
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });

  it('a dentist charts tooth 36: caries on the occlusal surface, coloured and in the tooth history; then a treatment', async () => {
    const patient = await t.createPatient({ firstName: 'Diego', lastName: 'Molar Cariado' });
    const filling = await t.app.clinica.practitioners.createTreatment(
      {
        code: `EMP-${Date.now()}`,
        name: 'Empaste de composite',
        durationMinutes: 30,
        cost: '60.00',
        isDental: true,
        active: true,
      },
      SYSTEM_CONTEXT,
    );
    const doctor = await user(['doctor']);
    const { page, errors } = await signedIn(doctor.email);
    await nav(page, 'Consulta médica');
    await pickPatient(page, 'molar cariado', patient);
    await page.getByRole('tab', { name: 'Odontograma' }).click();
    const chart = page.getByTestId('odontogram');
    // The four permanent quadrants, each tooth a button named by its number.
    await expect.poll(() => chart.getByRole('button').count()).toBe(32);
    await page.getByRole('button', { name: 'Diente 36', exact: true }).click();
    const panel = page.getByTestId('tooth-panel');
    await panel.getByRole('heading', { name: 'Diente 36' }).waitFor();
    await panel.getByText('Nada registrado en este diente.').waitFor();
    await panel.getByRole('combobox', { name: 'Hallazgo' }).click();
    await page.getByRole('option', { name: 'Caries', exact: true }).click();
    for (const name of ['Mesial', 'Distal', 'Vestibular', 'Lingual / palatino'])
      await panel.getByRole('checkbox', { name }).uncheck();
    await panel.getByRole('checkbox', { name: 'Oclusal / incisal' }).check();
    await accessible(page, 'dental chart with a tooth chosen');
    await panel.getByRole('button', { name: 'Registrar' }).click();

    const history = panel.getByTestId('tooth-history');
    await history.locator('tr', { hasText: 'Caries' }).getByText('Oclusal / incisal').waitFor();
    const surface = (name: string) => chart.locator(`[data-tooth="36"] [data-surface="${name}"]`);
    await expect.poll(() => surface('occlusal').getAttribute('data-mark')).toBe('pathology');
    expect(await surface('occlusal').evaluate((el) => getComputedStyle(el).fill)).toBe('rgb(240, 62, 62)');
    for (const other of ['mesial', 'distal', 'buccal', 'lingual'])
      expect(await surface(other).getAttribute('data-mark'), other).toBe('none');
    // A screen reader hears what the chart shows on the tooth.
    const tooth36 = page.getByRole('button', { name: 'Diente 36', exact: true });
    expect(await tooth36.getAttribute('aria-describedby')).toBeTruthy();
    await expect.poll(() => page.locator('#tooth-36-state').textContent()).toBe('Caries: Oclusal / incisal');
    await accessible(page, 'dental chart with caries');
    await screenshot(page, 'dental-chart');

    // The filling done on the same surface supersedes the caries there; the history keeps both.
    await panel.getByText('Tratamiento', { exact: true }).click();
    await panel.getByRole('combobox', { name: 'Tratamiento', exact: true }).click();
    await page.getByRole('option', { name: 'Empaste de composite' }).click();
    await panel.getByRole('combobox', { name: 'Estado del tratamiento' }).click();
    await page.getByRole('option', { name: 'realizado' }).click();
    await panel.getByRole('button', { name: 'Registrar' }).click();
    await expect.poll(() => surface('occlusal').getAttribute('data-mark')).toBe('restored');
    await expect
      .poll(() => history.locator('tbody tr').allTextContents())
      .toEqual([expect.stringContaining('Caries'), expect.stringContaining('Empaste de composite (realizado)')]);

    // By keyboard: each tooth is reached with Tab and chosen with Enter; primary teeth on their own chart.
    await page.getByRole('button', { name: 'Diente 11', exact: true }).focus();
    await page.keyboard.press('Enter');
    await panel.getByRole('heading', { name: 'Diente 11' }).waitFor();
    await page.getByText('Temporal', { exact: true }).click();
    await chart.getByRole('button', { name: 'Diente 55', exact: true }).waitFor();
    await expect.poll(() => chart.getByRole('button').count()).toBe(20);
    expect(await chart.getByRole('button', { name: 'Diente 36', exact: true }).count()).toBe(0);
    // On a phone the whole chart fits the width.
    await page.getByText('Permanente', { exact: true }).click();
    await page.setViewportSize({ width: 375, height: 740 });
    // Polled: the menu slides away first.
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth))
      .toBeLessThanOrEqual(0);
    await accessible(page, 'dental chart on a phone');
    await screenshot(page, 'mobile-dental-chart');

    const saved = await t.app.clinica.dentistry.toothHistory(patient.id, 36, SYSTEM_CONTEXT);
    expect(saved.entries.map((e) => [e.kind, e.finding ?? e.treatmentId, e.surfaces, e.status ?? null])).toEqual([
      ['finding', 'caries', ['occlusal'], null],
      ['treatment', filling.id, ['occlusal'], 'done'],
    ]);
    expect(errors).toEqual([]);
  });

  it('a dentist prescribes from the catalogue, signs the prescription (then it is read-only) and prints it as a PDF', async () => {
    const patient = await t.createPatient({ firstName: 'Rita', lastName: 'Receta Dental' });
    await t.app.clinica.practitioners.createTreatment(
      {
        code: `EXT-${Date.now()}`,
        name: 'Extracción simple',
        durationMinutes: 30,
        cost: '75.50',
        isDental: true,
        active: true,
      },
      SYSTEM_CONTEXT,
    );
    const referred = await createPractitioner(t, {
      input: { name: `Dra. Referida ${Date.now()}`, specialty: 'Endodoncia', isDentist: true },
    });
    const doctor = await user(['doctor']);
    const { page, errors } = await signedIn(doctor.email);
    await nav(page, 'Consulta médica');
    await pickPatient(page, 'receta dental', patient);
    await page.getByRole('tab', { name: 'Recetas' }).click();
    await page.getByText('No hay recetas.').waitFor();
    await page.getByRole('button', { name: 'Nueva receta' }).click();
    const form = page.getByTestId('prescription-form');
    await form.getByRole('combobox', { name: 'Tratamiento' }).click();
    await page.getByRole('option', { name: 'Extracción simple' }).click();
    // The cost is the catalogue's, shown as the server will copy it.
    await form.getByText('Coste según el catálogo: 75,50').waitFor();
    await form.getByLabel('Dientes').first().fill('36');
    await page.getByRole('option', { name: '36', exact: true }).click();
    await form.getByRole('combobox', { name: 'Dentista de referencia' }).click();
    await page.getByRole('option', { name: `${referred.name} (Endodoncia)` }).click();
    const next = localDate(14);
    await form.getByLabel('Próxima cita').fill(next);
    const line = form.getByTestId('prescription-line');
    await line.getByRole('textbox', { name: 'Medicamento', exact: true }).fill('Amoxicilina Normon');
    await line.getByRole('textbox', { name: 'Principio activo' }).fill('amoxicilina');
    await line.getByRole('textbox', { name: 'Dosis' }).fill('500 mg');
    await line.getByRole('combobox', { name: 'Forma' }).click();
    await page.getByRole('option', { name: 'Cápsula' }).click();
    await line.getByRole('textbox', { name: 'Cantidad' }).fill('21');
    await line.getByRole('textbox', { name: 'Días' }).fill('7');
    // Typed the Spanish way; kept an exact decimal.
    await line.getByRole('textbox', { name: 'Precio' }).fill('4,95');
    for (const when of ['Mañana', 'Tarde', 'Noche']) await line.getByRole('checkbox', { name: when }).check();
    await accessible(page, 'prescription form');
    await form.getByRole('button', { name: 'Guardar borrador' }).click();
    await form.getByText(/^Borrador PRN\d{5}$/).waitFor();
    await screenshot(page, 'prescription-form');

    await form.getByRole('button', { name: 'Firmar la receta' }).click();
    const dialog = page.getByRole('dialog', { name: '¿Firmar la receta?' });
    await dialog.getByRole('button', { name: 'Firmar la receta' }).click();
    const view = page.getByTestId('prescription-view');
    await view.getByText('Firmada', { exact: true }).waitFor();
    // Signed: no form left to change it.
    expect(await page.getByTestId('prescription-form').count()).toBe(0);
    expect(await view.getByRole('textbox').count()).toBe(0);
    await view.getByText('Extracción simple · 75,50').waitFor();
    await view.getByRole('cell', { name: '4,95', exact: true }).waitFor();
    await view.getByText('Dispensado: 0 de 21').waitFor();
    await view.getByText('Mañana, Tarde, Noche · Después de comer · 7 días').waitFor();
    const row = page.getByTestId('prescription-list').locator('tbody tr');
    await expect.poll(() => row.textContent()).toMatch(/^PRN\d{5}.*Amoxicilina Normon.*4,95.*Firmada$/);
    await accessible(page, 'signed prescription');
    await screenshot(page, 'prescription-signed');

    const [saved] = (await t.app.clinica.prescriptions.list({ patientId: patient.id, limit: 10 }, SYSTEM_CONTEXT))
      .items;
    expect(saved).toMatchObject({
      status: 'signed',
      treatmentCost: '75.50',
      teeth: [36],
      referredPractitionerId: referred.id,
      nextAppointmentDate: next,
      linesTotal: '4.95',
    });
    expect(saved?.lines[0]).toMatchObject({ price: '4.95', quantity: 21, days: 7, form: 'capsule', night: true });

    // Print: the app fetches the PDF (with the session's token) and opens it in a new tab.
    const [pdf, tab] = await Promise.all([
      page.waitForResponse((r) => r.url().includes(`/api/v1/prescriptions/${saved?.id}.pdf`)),
      page.waitForEvent('popup'),
      view.getByRole('button', { name: `Imprimir la receta ${saved?.number}` }).click(),
    ]);
    watchConsole(tab, errors);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    await expect.poll(() => tab.url()).toMatch(/^blob:http:/);
    const fetched = await fetchPdf(page, `/api/v1/prescriptions/${saved?.id}.pdf?lang=es`);
    expect([fetched.status, fetched.type]).toEqual([200, 'application/pdf']);
    const text = pdfText(fetched.body);
    expect(text).toContain(saved?.number);
    expect(text).toContain('Amoxicilina Normon');
    expect(errors).toEqual([]);
  });

  it('the results desk records a result (flagged from its range) and exports the clinical history as a PDF', async () => {
    const patient = await t.createPatient({ firstName: 'Elena', lastName: 'Exporta Historia' });
    const clerk = await user(['results']);
    const { page, errors } = await signedIn(clerk.email);
    await nav(page, 'Resultados');
    await page.getByRole('heading', { name: 'Resultados', level: 2 }).waitFor();
    await accessible(page, 'results desk');
    await pickPatient(page, 'exporta hist', patient);
    const form = page.getByTestId('result-form');
    await form.getByRole('textbox', { name: 'Prueba', exact: true }).fill('Glucosa en ayunas');
    await form.getByRole('textbox', { name: 'Valor', exact: true }).fill('128');
    await form.getByRole('textbox', { name: 'Unidad', exact: true }).fill('mg/dL');
    await form.getByRole('textbox', { name: 'Rango: mínimo' }).fill('70');
    await form.getByRole('textbox', { name: 'Rango: máximo' }).fill('100');
    await form.getByRole('button', { name: 'Registrar el resultado' }).click();
    const row = page.getByTestId('results-list').locator('tbody tr', { hasText: 'Glucosa en ayunas' });
    await row.getByText('Alto').waitFor();
    expect(await row.textContent()).toContain('128 mg/dL');
    expect(await row.textContent()).toContain('70–100 mg/dL');
    // The form is empty again for the next result.
    expect(await form.getByRole('textbox', { name: 'Prueba', exact: true }).inputValue()).toBe('');
    await accessible(page, 'results desk with a result');
    await screenshot(page, 'results-desk');

    // The history in English: downloaded by the page, and it holds the patient and the result.
    const exportCard = page.getByTestId('history-export');
    await exportCard.getByRole('combobox', { name: 'Idioma del PDF' }).click();
    await page.getByRole('option', { name: 'English' }).click();
    const [response, download] = await Promise.all([
      page.waitForResponse((r) => r.url().includes(`/api/v1/patients/${patient.id}/history.pdf?lang=en`)),
      page.waitForEvent('download'),
      exportCard.getByRole('button', { name: 'Exportar la historia clínica (PDF)' }).click(),
    ]);
    expect(response.headers()['content-type']).toBe('application/pdf');
    expect(download.suggestedFilename()).toBe(`historia-clinica-${patient.patientNumber}.pdf`);
    const english = pdfText(await fs.readFile(await download.path()));
    expect(english).toContain('Elena Exporta Historia');
    expect(english).toContain('Glucosa en ayunas');
    const spanish = await fetchPdf(page, `/api/v1/patients/${patient.id}/history.pdf?lang=es`);
    expect([spanish.status, spanish.type]).toEqual([200, 'application/pdf']);
    expect(spanish.body.length).toBeGreaterThan(1000);
    expect(pdfText(spanish.body)).toContain('Elena Exporta Historia');
    expect(errors).toEqual([]);
  });

  it('a patient reads their own record: released results, signed prescriptions (PDF), dental chart, notes; downloads the history', async () => {
    const patient = await t.createPatient({ firstName: 'Pablo', lastName: 'Portal Propio' });
    const doctor = await t.signIn(['doctor']);
    const record = `/api/v1/patients/${patient.id}`;
    const encounter = await openEncounter(t, doctor.token, patient.id);
    const note = await draftNote(t, doctor.token, patient.id, encounter.id);
    await post(doctor.token, `${record}/notes/${note.id}/sign`);
    // A draft note and a preliminary result stay out of the portal.
    await draftNote(t, doctor.token, patient.id, encounter.id);
    const observedAt = new Date(Date.now() - 3_600_000).toISOString();
    const result = { valueQuantity: 5.2, unit: 'mmol/L', referenceLow: 3.5, referenceHigh: 5.1, observedAt };
    await post(doctor.token, `${record}/results`, { testName: 'Potasio', ...result });
    await post(doctor.token, `${record}/results`, { testName: 'Sodio provisional', ...result, status: 'preliminary' });
    await post(doctor.token, `${record}/dental-chart/entries`, {
      tooth: 36,
      surfaces: ['occlusal'],
      kind: 'finding',
      finding: 'caries',
    });
    const line = {
      medicament: 'Ibuprofeno Cinfa',
      form: 'tablet',
      quantity: 20,
      foodTiming: 'after',
      days: 5,
      night: true,
    };
    const signed = await post(doctor.token, '/api/v1/prescriptions', { patientId: patient.id, lines: [line] });
    await post(doctor.token, `/api/v1/prescriptions/${signed.id}/sign`);
    await post(doctor.token, '/api/v1/prescriptions', {
      patientId: patient.id,
      lines: [{ ...line, medicament: 'Borrador' }],
    });
    // The pharmacy dispenses part of the signed line: the patient sees how much went out.
    const pharmacist = await t.signIn(['pharmacist']);
    const product = await post(pharmacist.token, '/api/v1/products', {
      kind: 'medicine',
      name: 'Ibuprofeno Cinfa 600 mg',
      salePrice: '2.10',
    });
    await post(pharmacist.token, '/api/v1/stock/receipts', {
      lines: [{ productId: product.id, lotNumber: 'L-PORTAL', expiresOn: '2199-01-01', quantity: '50' }],
    });
    await post(pharmacist.token, `/api/v1/prescriptions/${signed.id}/lines/1/dispense`, {
      productId: product.id,
      quantity: '8',
    });

    const own = await user(['patient'], { patientId: patient.id });
    const { page, errors } = await signedIn(own.email, { width: 375, height: 740 });
    await page.getByRole('button', { name: 'Abrir o cerrar el menú' }).click();
    await nav(page, 'Mi historia clínica');
    await page.getByRole('heading', { name: 'Mi historia clínica', level: 2 }).waitFor();
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

    const results = page.getByTestId('results-list');
    await results.getByText('Potasio').waitFor();
    expect(await results.textContent()).not.toContain('Sodio provisional');
    await results.getByText('Alto').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await accessible(page, 'portal results on a phone');
    await screenshot(page, 'portal-record');

    await page.getByRole('tab', { name: 'Recetas' }).click();
    const list = page.getByTestId('prescription-list');
    await list.getByText('Ibuprofeno Cinfa').waitFor();
    expect(await list.locator('tbody tr').count()).toBe(1);
    await list.getByRole('button', { name: signed.number }).click();
    const view = page.getByTestId('prescription-view');
    await view.getByText('Noche · Después de comer · 5 días').waitFor();
    await view.getByText(/^Dispensado: 8 de 20 · última dispensación el /).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      view.getByRole('button', { name: `Descargar la receta ${signed.number} (PDF)` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${signed.number}.pdf`);
    expect(pdfText(await fs.readFile(await download.path()))).toContain('Ibuprofeno Cinfa');
    await accessible(page, 'portal prescription');

    await page.getByRole('tab', { name: 'Odontograma' }).click();
    const caries = page.getByTestId('odontogram').locator('[data-tooth="36"] [data-surface="occlusal"]');
    await expect.poll(() => caries.getAttribute('data-mark')).toBe('pathology');
    await page.getByRole('button', { name: 'Diente 36', exact: true }).click();
    const panel = page.getByTestId('tooth-panel');
    await panel.getByTestId('tooth-history').getByText('Caries').waitFor();
    // Read-only: nothing to record.
    expect(await panel.getByRole('button', { name: 'Registrar' }).count()).toBe(0);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await accessible(page, 'portal dental chart on a phone');
    await screenshot(page, 'portal-dental-chart');

    await page.getByRole('tab', { name: 'Notas' }).click();
    const notes = page.getByTestId('note');
    await notes.first().getByText('Hipertensión no controlada.').waitFor();
    expect(await notes.count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Añadir adenda' }).count()).toBe(0);
    await accessible(page, 'portal notes');

    const [history] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Descargar mi historia clínica (PDF)' }).click(),
    ]);
    expect(history.suggestedFilename()).toBe(`historia-clinica-${patient.patientNumber}.pdf`);
    expect(pdfText(await fs.readFile(await history.path()))).toContain('Pablo Portal Propio');
    expect(errors).toEqual([]);
  });
});
