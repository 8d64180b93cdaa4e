/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser.

import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/server.js';
import { pdfText } from '../support/pdf.js';
import { createPractitioner, slot } from '../support/scheduling.js';
import { CHROMIUM, screenshot } from './browser.js';
import { useBrowserSession } from './session.js';

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** Billing in a real Chromium: the desk invoices an appointment and takes the payment; the patient sees it paid. */
describe.skipIf(!CHROMIUM)('billing in Chromium', () => {
  const session = useBrowserSession();
  const { user, signedIn, nav, accessible } = session;

  it('a clerk invoices an appointment, issues it and records the payment; the patient sees it paid and downloads it', async () => {
    const { t } = session;
    const patient = await t.createPatient({ firstName: 'Elena', lastName: 'Factura Portal' });
    const practitioner = await createPractitioner(t);
    const treatment = await t.app.clinica.practitioners.createTreatment(
      {
        code: `T${randomUUID().slice(0, 6)}`,
        name: 'Empaste composite',
        durationMinutes: 30,
        cost: '60.00',
        isDental: true,
        active: true,
      },
      SYSTEM_CONTEXT,
    );
    // Billed before it takes place, as a clinic does for a booked procedure.
    const appointment = await t.app.clinica.scheduling.book(
      {
        patientId: patient.id,
        practitionerId: practitioner.id,
        ...slot(1, 20),
        treatmentIds: [treatment.id],
        type: 'procedure',
      },
      SYSTEM_CONTEXT,
    );

    // The desk: a new invoice from the patient's appointment.
    const clerk = await user(['admissions']);
    const desk = await signedIn(clerk.email);
    await nav(desk.page, 'Facturas');
    await desk.page.getByRole('heading', { name: 'Facturas', level: 2 }).waitFor();
    await desk.page.getByRole('button', { name: 'Nueva factura' }).click();
    await desk.page.getByLabel('Paciente').fill(patient.patientNumber);
    await desk.page.getByRole('button', { name: new RegExp(`^${patient.patientNumber} · Elena`) }).click();
    const choice = desk.page.getByRole('checkbox', {
      name: new RegExp(`^${appointment.number.replace('/', '\\/')} · `),
    });
    await choice.waitFor();
    await desk.page.getByText('1 × Empaste composite').waitFor();
    await accessible(desk.page, 'new invoice');
    await choice.check();
    await desk.page.getByRole('button', { name: 'Crear borrador' }).click();

    const status = desk.page.getByTestId('invoice-status');
    await expect.poll(() => status.textContent()).toBe('Borrador');
    expect(await desk.page.getByTestId('invoice-total').textContent()).toBe('60,00');
    await desk.page.getByRole('button', { name: 'Emitir factura' }).click();
    await desk.page.getByRole('dialog').getByRole('button', { name: 'Emitir factura' }).click();
    await expect.poll(() => status.textContent()).toBe('Pendiente de pago');
    const number = (await desk.page.getByTestId('invoice').getByRole('heading', { level: 3 }).textContent()) ?? '';
    expect(number).toMatch(/^F\d{4}\/\d{5}$/);
    await accessible(desk.page, 'issued invoice');
    await screenshot(desk.page, 'invoice-issued');

    // Paid in two goes: the form offers what is still due each time.
    const amount = desk.page.getByLabel('Importe');
    expect(await amount.inputValue()).toBe('60.00');
    await amount.fill('20');
    await desk.page.getByRole('button', { name: 'Registrar pago' }).click();
    await expect.poll(() => status.textContent()).toBe('Pagada parcialmente');
    await expect.poll(() => desk.page.getByTestId('invoice-due').textContent()).toBe('40,00');
    await expect.poll(() => amount.inputValue()).toBe('40.00');
    await desk.page.getByRole('button', { name: 'Registrar pago' }).click();
    await expect.poll(() => status.textContent()).toBe('Pagada');
    expect(await desk.page.getByTestId('invoice-payments').locator('tr').count()).toBe(2);
    await accessible(desk.page, 'paid invoice');

    // Back in the list, filtered by status.
    await desk.page.getByRole('link', { name: '← Todas las facturas' }).click();
    await desk.page.getByRole('combobox', { name: 'Estado' }).click();
    await desk.page.getByRole('option', { name: 'Pagada', exact: true }).click();
    await desk.page.getByTestId('invoice-list').getByRole('link', { name: number }).waitFor();
    await accessible(desk.page, 'invoice list');
    expect(desk.errors).toEqual([]);

    // The patient, on a phone.
    const own = await user(['patient'], { patientId: patient.id });
    const { page, errors } = await signedIn(own.email, { width: 375, height: 740 });
    await page.getByRole('button', { name: 'Abrir o cerrar el menú' }).click();
    await nav(page, 'Mis facturas');
    await page.getByRole('heading', { name: 'Mis facturas', level: 2 }).waitFor();
    const card = page.getByTestId('my-invoice');
    await card.getByText(number, { exact: true }).waitFor();
    expect(await card.count()).toBe(1);
    expect(await card.getByText('Pagada', { exact: true }).count()).toBe(1);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await accessible(page, 'portal invoices on a phone');
    await screenshot(page, 'portal-invoices');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.getByRole('button', { name: `Descargar la factura ${number} (PDF)` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${number.replace('/', '-')}.pdf`);
    const text = pdfText(await fs.readFile(await download.path()));
    for (const s of [`Factura ${number}`, 'Elena Factura Portal', 'Empaste composite', '60,00 €', 'Pagada']) {
      expect(text).toContain(s);
    }
    expect(errors).toEqual([]);
  });
});
