import { randomUUID } from 'node:crypto';
import type { PractitionerInput, WorkingInterval } from '../../src/modules/scheduling/practitioners.schemas.js';
import { SYSTEM_CONTEXT } from '../../src/server.js';
import type { TestApp } from './app.js';

/** The clinic time zone of the tests: the default, which has DST. */
export const TIME_ZONE = 'Europe/Madrid';

/** Working hours on every day of the week, e.g. `everyDay('09:00', '13:00')`. */
export const everyDay = (start: string, end: string): WorkingInterval[] =>
  [1, 2, 3, 4, 5, 6, 7].map((dayOfWeek) => ({ dayOfWeek, start, end }));

/** A practitioner created through the service, with working hours (round the clock by default). */
export async function createPractitioner(
  t: TestApp,
  options: { hours?: WorkingInterval[]; input?: Partial<PractitionerInput> } = {},
): Promise<{ id: string; name: string }> {
  const name = options.input?.name ?? `Dra. Prueba ${randomUUID().slice(0, 6)}`;
  const service = t.app.clinica.practitioners;
  const created = await service.create({ isDentist: false, active: true, ...options.input, name }, SYSTEM_CONTEXT);
  await service.setWorkingHours(created.id, options.hours ?? everyDay('00:00', '24:00'), SYSTEM_CONTEXT);
  return { id: created.id, name };
}

export async function createTreatment(t: TestApp, durationMinutes = 30) {
  return t.app.clinica.practitioners.createTreatment(
    {
      code: `T${randomUUID().slice(0, 8)}`,
      name: 'Limpieza dental',
      durationMinutes,
      cost: '45.00',
      isDental: true,
      active: true,
    },
    SYSTEM_CONTEXT,
  );
}

const HOUR = 3_600_000;

/**
 * A half-hour slot `index` half-hours after UTC midnight, `days` days from today. On a
 * round-the-clock practitioner every such slot lies inside working hours: local midnight
 * in the test zone falls on a whole UTC hour.
 */
export function slot(days: number, index = 0, minutes = 30): { start: string; end: string } {
  const midnight = new Date();
  midnight.setUTCHours(0, 0, 0, 0);
  const start = midnight.getTime() + days * 24 * HOUR + index * 30 * 60_000;
  return { start: new Date(start).toISOString(), end: new Date(start + minutes * 60_000).toISOString() };
}

/** An appointment booked through the service by staff (a fixture, not the route under test). */
export async function bookAppointment(
  t: TestApp,
  a: { patientId: string; practitionerId: string; start: string; end: string },
) {
  return t.app.clinica.scheduling.book({ ...a, treatmentIds: [], type: 'consultation' }, SYSTEM_CONTEXT);
}

/** The instant of a local date and time in the clinic zone, computed by PostgreSQL. */
export async function localInstant(t: TestApp, date: string, time: string): Promise<string> {
  const { rows } = await t.database.db.query<{ at: Date }>('select ($1::date + $2::time) at time zone $3 as at', [
    date,
    time,
    TIME_ZONE,
  ]);
  return (rows[0] as { at: Date }).at.toISOString();
}

/** A local date in the clinic zone, `days` days from today. */
export function localDate(days: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date(Date.now() + days * 24 * HOUR));
}

/**
 * An instant within half an hour before `hours` from now, on a half hour: a half-hour
 * slot between two of them never straddles local midnight, which no working day spans
 * (the clinic zone is offset from UTC by whole hours).
 */
export function inHours(hours: number): string {
  const t = Date.now() + hours * HOUR;
  return new Date(t - (t % 1_800_000)).toISOString();
}
