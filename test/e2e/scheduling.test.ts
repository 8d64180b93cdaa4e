import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/platform/http/access.js';
import { SYSTEM_CONTEXT } from '../../src/server.js';
import type { TestApp } from '../support/app.js';
import {
  bookAppointment,
  createPractitioner,
  everyDay,
  inHours,
  localDate,
  localInstant,
} from '../support/scheduling.js';
import { CHROMIUM, screenshot } from './browser.js';
import { useBrowserSession } from './session.js';

/** Appointments in a real Chromium: the patient portal's booking, the desk's diary and check-in, the admin pages. */
describe.skipIf(!CHROMIUM)('scheduling in Chromium', () => {
  const session = useBrowserSession({ timezoneId: 'America/New_York' });
  const { signedIn, nav, accessible } = session;
  const user = async (roles: Role[], extra: { patientId?: string } = {}) => (await session.user(roles, extra)).email;
  let t: TestApp;
  let base: string;
  beforeAll(() => {
    ({ t, base } = session);
  });

  /** Chooses an option of a Mantine select by its label. */
  async function choose(page: Page, label: RegExp, option: string) {
    await page.getByLabel(label).first().click();
    await page.getByRole('option', { name: option }).click();
  }

  const appointment = async (id: string) => t.app.clinica.scheduling.get(id, SYSTEM_CONTEXT);

  it('a patient picks a practitioner and a day, sees the free slots, books one and finds it in "My appointments"', async () => {
    const doctor = await createPractitioner(t, {
      hours: everyDay('09:00', '13:00'),
      input: { name: `Dra. Portal ${Date.now()}`, specialty: 'Medicina general' },
    });
    const patient = await t.createPatient({ firstName: 'Paula', lastName: 'Reserva Propia' });
    const email = await user(['patient'], { patientId: patient.id });
    // The browser is in New York; the diary is Madrid's.
    const { page, errors } = await signedIn(email);
    await nav(page, 'Mis citas');
    await page.getByRole('heading', { name: 'Mis citas', level: 2 }).waitFor();
    await page.getByText('No tiene citas pendientes.').waitFor();
    await choose(page, /^Profesional/, `${doctor.name} (Medicina general)`);
    const day = localDate(1);
    await page.getByLabel(/^Día/).fill(day);
    const slots = page.getByTestId('slots');
    await slots.getByRole('button', { name: '09:00' }).waitFor();
    // Four working hours in half-hour slots, in the clinic's local time.
    expect(await slots.getByRole('button').count()).toBe(8);
    await accessible(page, 'portal booking');
    await slots.getByRole('button', { name: '10:30' }).click();
    await page.getByTestId('booking-summary').getByText(doctor.name).waitFor();
    await screenshot(page, 'portal-book');
    await page.getByRole('button', { name: 'Confirmar la cita' }).click();
    await page.getByText(/^Cita APT\/\d+ reservada/).waitFor();
    const mine = page.getByTestId('upcoming-appointments').getByTestId('my-appointment');
    await expect.poll(() => mine.count()).toBe(1);
    expect(await mine.textContent()).toContain(doctor.name);
    expect(await mine.textContent()).toMatch(/10:30–11:00/);
    // The booked slot is no longer offered.
    await expect.poll(() => slots.getByRole('button', { name: '10:30' }).count()).toBe(0);
    const booked = await t.app.clinica.scheduling.list({ patientId: patient.id, limit: 10 }, SYSTEM_CONTEXT);
    expect(booked.items.map((a) => [a.practitionerId, a.start, a.status])).toEqual([
      [doctor.id, await localInstant(t, day, '10:30'), 'booked'],
    ]);
    await accessible(page, 'my appointments');
    await screenshot(page, 'portal-appointments');

    // Cancelling online is refused after the cut-off, with the reason; before it, it works.
    const soon = await bookAppointment(t, {
      patientId: patient.id,
      practitionerId: (await createPractitioner(t)).id,
      start: inHours(1.5),
      end: inHours(2),
    });
    await page.reload();
    const late = page.locator(`[data-appointment="${soon.id}"]`);
    await late.getByRole('button', { name: 'Anular la cita' }).click();
    await late.getByLabel(/^Motivo/).fill('No puedo ir');
    await late.getByRole('button', { name: 'Anular la cita' }).click();
    await expect
      .poll(() => late.getByTestId('my-appointment-error').textContent())
      .toBe('Las citas se pueden anular en línea hasta 24 horas antes. Llame a la clínica para anularla.');
    const later = page.locator(`[data-appointment="${booked.items[0]?.id}"]`);
    await later.getByRole('button', { name: 'Anular la cita' }).click();
    await later.getByLabel(/^Motivo/).fill('Me viene mal');
    await later.getByRole('button', { name: 'Anular la cita' }).click();
    await page.getByTestId('past-appointments').getByText('Anulada').waitFor();
    expect((await appointment(booked.items[0]?.id ?? '')).status).toBe('cancelled');
    // The refused cancellation is the one expected failed request.
    expect(errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
  });

  it('two patients load the same free slot: the first books it, the second is told and the slot disappears', async () => {
    const doctor = await createPractitioner(t, { hours: everyDay('09:00', '12:00') });
    const day = localDate(2);
    const tabs = [];
    for (const name of ['Primera', 'Segunda']) {
      const patient = await t.createPatient({ firstName: name, lastName: 'Carrera Por La Hora' });
      const tab = await signedIn(await user(['patient'], { patientId: patient.id }));
      await nav(tab.page, 'Mis citas');
      await choose(tab.page, /^Profesional/, doctor.name);
      await tab.page.getByLabel(/^Día/).fill(day);
      // Both have the 11:00 slot on screen and chosen.
      await tab.page.getByTestId('slots').getByRole('button', { name: '11:00' }).click();
      await tab.page.getByTestId('booking-summary').waitFor();
      tabs.push(tab);
    }
    const [first, second] = tabs as [(typeof tabs)[0], (typeof tabs)[0]];
    await first.page.getByRole('button', { name: 'Confirmar la cita' }).click();
    await first.page.getByText(/^Cita APT\/\d+ reservada/).waitFor();

    await second.page.getByRole('button', { name: 'Confirmar la cita' }).click();
    const error = second.page.getByTestId('booking-error');
    await expect
      .poll(() => error.textContent())
      .toBe('Otra persona acaba de reservar esa hora. Elija otra de la lista, que ya está actualizada.');
    const slots = second.page.getByTestId('slots');
    await expect.poll(() => slots.getByRole('button', { name: '11:00' }).count()).toBe(0);
    expect(await slots.getByRole('button', { name: '11:30' }).count()).toBe(1);
    await accessible(second.page, 'slot taken');
    await screenshot(second.page, 'portal-slot-taken');
    const taken = await t.app.clinica.scheduling.list({ practitionerId: doctor.id, limit: 10 }, SYSTEM_CONTEXT);
    expect(taken.items.map((a) => a.start)).toEqual([await localInstant(t, day, '11:00')]);
    expect(first.errors).toEqual([]);
    expect(second.errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
  });

  it('admissions drags an appointment to another time (it persists), is refused a taken one, and checks a patient in', async () => {
    const doctor = await createPractitioner(t, { hours: everyDay('08:00', '20:00') });
    const [lucia, mario, today] = await Promise.all([
      t.createPatient({ firstName: 'Lucía', lastName: 'Arrastre Agenda' }),
      t.createPatient({ firstName: 'Mario', lastName: 'Hora Ocupada' }),
      t.createPatient({ firstName: 'Hoy', lastName: 'Llega Ahora' }),
    ]);
    const day = localDate(1);
    const at = (time: string) => localInstant(t, day, time);
    const moving = await bookAppointment(t, {
      patientId: lucia.id,
      practitionerId: doctor.id,
      start: await at('10:00'),
      end: await at('10:30'),
    });
    await bookAppointment(t, {
      patientId: mario.id,
      practitionerId: doctor.id,
      start: await at('14:00'),
      end: await at('14:30'),
    });
    // Today, at local midnight: whatever the hour the test runs, it is today's.
    const round = await createPractitioner(t);
    const arriving = await bookAppointment(t, {
      patientId: today.id,
      practitionerId: round.id,
      start: await localInstant(t, localDate(0), '00:00'),
      end: await localInstant(t, localDate(0), '00:30'),
    });

    const { page, errors } = await signedIn(await user(['admissions']));
    await nav(page, 'Agenda');
    await page.getByRole('heading', { name: 'Agenda', level: 2 }).waitFor();
    await choose(page, /^Profesional/, doctor.name);
    await page.locator('input[type="date"]').fill(day);
    const card = page.locator(`[data-appointment="${moving.id}"]`);
    await card.getByText('Lucía Arrastre Agenda').waitFor();
    const grid = page.getByTestId('calendar');
    const column = page.locator(`[data-column="${doctor.id}"]`);
    const first = Number(await grid.getAttribute('data-first-minute'));
    const scale = Number(await grid.getAttribute('data-px-per-minute'));
    const width = (await column.boundingBox())?.width ?? 100;
    /** Drags the card (held by its middle) so that it starts at `minutes` past local midnight. */
    const dragTo = async (minutes: number) => {
      const height = (await card.boundingBox())?.height ?? 0;
      await card.dragTo(column, { targetPosition: { x: width / 2, y: (minutes - first) * scale + height / 2 + 1 } });
    };
    // Within the column: the error shown above the grid moves the whole grid down.
    const top = async () => ((await card.boundingBox())?.y ?? 0) - ((await column.boundingBox())?.y ?? 0);
    await accessible(page, 'diary');
    await screenshot(page, 'calendar-day');

    await dragTo(12 * 60);
    await page.getByText(/^Cita APT\/\d+ movida\.$/).waitFor();
    await expect.poll(async () => (await appointment(moving.id)).start).toBe(await at('12:00'));
    expect((await appointment(moving.id)).end).toBe(await at('12:30'));
    expect(await card.textContent()).toMatch(/^12:00–12:30/);

    // Onto Mario's time: the server refuses, says why, and the card goes back.
    const before = await top();
    await dragTo(14 * 60);
    await expect
      .poll(() => page.getByTestId('calendar-error').textContent())
      .toMatch(new RegExp(`^${doctor.name} ya tiene una cita el .*14:00–14:30\\. Elija otra hora\\.$`));
    await expect.poll(top).toBe(before);
    expect((await appointment(moving.id)).start).toBe(await at('12:00'));

    // The details dialog: confirm it.
    await card.click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Confirmar' }).click();
    await expect.poll(() => dialog.getByTestId('appointment-status').textContent()).toBe('Confirmada');
    await accessible(page, 'appointment details');
    await screenshot(page, 'calendar-appointment');
    await dialog.getByRole('button', { name: 'Cerrar' }).first().click();
    expect((await appointment(moving.id)).status).toBe('confirmed');

    // A free half-hour of the diary books there: patient found by name, the clicked time suggested.
    await column.getByRole('button', { name: `Nueva cita a las 16:00 (${doctor.name})` }).click({ force: true });
    const booking = page.getByRole('dialog', { name: 'Nueva cita' });
    await booking.getByLabel(/^Paciente/).fill('mario hora');
    await page.getByRole('option', { name: new RegExp(`${mario.patientNumber} · Mario Hora Ocupada`) }).click();
    await expect.poll(() => booking.getByLabel(/^Hora/).inputValue()).toBe('16:00–16:30');
    await accessible(page, 'booking dialog');
    await booking.getByRole('button', { name: 'Reservar' }).click();
    await column.getByText('16:00–16:30').waitFor();
    const mariosDay = await t.app.clinica.scheduling.list({ patientId: mario.id, limit: 10 }, SYSTEM_CONTEXT);
    expect(mariosDay.items.map((a) => a.start)).toEqual([await at('14:00'), await at('16:00')]);

    await page.getByText('Semana', { exact: true }).click();
    await card.waitFor();
    await accessible(page, 'diary week');
    await screenshot(page, 'calendar-week');

    await nav(page, 'Citas de hoy');
    const row = page.getByTestId('today-list').locator(`[data-appointment="${arriving.id}"]`);
    await row.getByText(today.patientNumber).waitFor();
    await accessible(page, 'today');
    await row.getByRole('button', { name: 'Registrar llegada' }).click();
    await row.getByText('En la clínica').waitFor();
    expect(await row.getByRole('button').count()).toBe(0);
    expect((await appointment(arriving.id)).status).toBe('checked_in');
    await screenshot(page, 'today-check-in');
    // The refused move is the one expected failed request.
    expect(errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
  });

  it('on a phone the diary shows one practitioner’s day without sideways scrolling', async () => {
    await createPractitioner(t, { hours: everyDay('09:00', '17:00') });
    const { page, errors } = await signedIn(await user(['admissions']), { width: 375, height: 740 });
    await page.goto(`${base}/calendar`);
    await page.getByTestId('calendar').waitFor();
    expect(await page.getByTestId('calendar-column').count()).toBe(1);
    expect(await page.getByRole('radio', { name: 'Semana' }).count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await accessible(page, 'diary on a phone');
    await screenshot(page, 'mobile-calendar');
    expect(errors).toEqual([]);
  });

  it('an administrator keeps the treatments catalogue and a practitioner’s hours and absences', async () => {
    const { page, errors } = await signedIn(await user(['admin']));
    await nav(page, 'Tratamientos');
    await page.getByRole('button', { name: 'Nuevo tratamiento' }).click();
    const dialog = page.getByRole('dialog');
    const code = `E2E-${Date.now()}`;
    await dialog.getByLabel(/^Código/).fill(code);
    await dialog.getByLabel(/^Nombre/).fill('Blanqueamiento dental');
    await dialog.getByLabel(/^Duración/).fill('60');
    await dialog.getByLabel(/^Coste/).fill('12.345');
    await dialog.getByRole('button', { name: 'Guardar' }).click();
    // The server's reason, in Spanish, under the field.
    await dialog.getByText('Corrija los campos marcados.').waitFor();
    await accessible(page, 'treatment form with errors');
    await dialog.getByLabel(/^Coste/).fill('1234.5');
    await dialog.getByRole('button', { name: 'Guardar' }).click();
    const row = page.getByTestId('treatment-list').locator('tr', { hasText: code });
    await expect.poll(() => row.textContent()).toContain('1234,50');
    await accessible(page, 'treatments');
    await screenshot(page, 'admin-treatments');

    await nav(page, 'Profesionales');
    await page.getByRole('link', { name: 'Nuevo profesional' }).click();
    const name = `Dr. Admin ${Date.now()}`;
    await page.getByLabel(/^Nombre/).fill(name);
    await page.getByLabel(/^Especialidad/).fill('Ortodoncia');
    await page.getByLabel('Es dentista').check();
    await page.getByRole('button', { name: 'Guardar' }).click();
    await page.getByRole('heading', { name, level: 2 }).waitFor();
    const hours = page.getByTestId('hours-card');
    await hours.getByRole('button', { name: 'Añadir tramo el lunes' }).click();
    await hours.getByRole('button', { name: 'Añadir tramo el lunes' }).click();
    // Two Monday intervals that overlap: refused, and said where.
    await hours.getByRole('button', { name: 'Guardar el horario' }).click();
    await hours.getByText('Corrija los campos marcados.').waitFor();
    await hours.getByRole('button', { name: 'Quitar el tramo del lunes' }).last().click();
    await hours.getByLabel('Hasta (lunes)').fill('15:30');
    await hours.getByRole('button', { name: 'Guardar el horario' }).click();
    await page.getByText('Horario guardado.').waitFor();
    const exceptions = page.getByTestId('exceptions-card');
    await exceptions.getByLabel(/^Primer día/).fill(localDate(10));
    await exceptions.getByLabel(/^Motivo/).fill('Congreso');
    await exceptions.getByRole('button', { name: 'Añadir ausencia' }).click();
    await exceptions.getByText('Congreso').waitFor();
    await accessible(page, 'practitioner');
    await screenshot(page, 'admin-practitioner');
    const saved = (await t.app.clinica.practitioners.list({})).find((p) => p.name === name);
    expect(saved).toMatchObject({ specialty: 'Ortodoncia', isDentist: true });
    expect(saved?.workingHours).toEqual([{ dayOfWeek: 1, start: '09:00', end: '15:30' }]);
    await exceptions.getByRole('button', { name: 'Quitar' }).click();
    await exceptions.getByText('No hay ausencias previstas.').waitFor();
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
