import type { Queryable } from '../../platform/db/database.js';
import { decodeCursor, encodeCursor } from '../../platform/http/schemas.js';
import type { Appointment, AppointmentQuery, AppointmentStatus } from './scheduling.schemas.js';

export interface AppointmentRow {
  patient_id: string;
  id: string;
  number: string;
  practitioner_id: string;
  starts_at: Date;
  ends_at: Date;
  treatment_ids: string[];
  type: Appointment['type'];
  patient_category: Appointment['patientCategory'];
  responsible_user_id: string | null;
  notes: string | null;
  status: AppointmentStatus;
  cancellation_reason: string | null;
  cancelled_by: 'patient' | 'staff' | null;
  cancelled_at: Date | null;
  checked_in_at: Date | null;
  reminder_sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `patient_id, id, number, practitioner_id, starts_at, ends_at, treatment_ids, type, patient_category,
  responsible_user_id, notes, status, cancellation_reason, cancelled_by, cancelled_at, checked_in_at,
  reminder_sent_at, created_at, updated_at`;

const iso = (d: Date | null) => (d ? d.toISOString() : undefined);

export function toAppointment(r: AppointmentRow): Appointment {
  const optional = {
    responsibleUserId: r.responsible_user_id ?? undefined,
    notes: r.notes ?? undefined,
    cancellationReason: r.cancellation_reason ?? undefined,
    cancelledBy: r.cancelled_by ?? undefined,
    cancelledAt: iso(r.cancelled_at),
    checkedInAt: iso(r.checked_in_at),
    reminderSentAt: iso(r.reminder_sent_at),
  };
  return {
    id: r.id,
    number: r.number,
    patientId: r.patient_id,
    practitionerId: r.practitioner_id,
    start: r.starts_at.toISOString(),
    end: r.ends_at.toISOString(),
    status: r.status,
    type: r.type,
    patientCategory: r.patient_category,
    treatmentIds: r.treatment_ids,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export async function nextAppointmentNumber(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ n: number }>(`select nextval('appointment_number_seq')::int as n`);
  return `APT/${String(rows[0]?.n).padStart(5, '0')}`;
}

export interface NewAppointment {
  patientId: string;
  id: string;
  number: string;
  practitionerId: string;
  start: string;
  end: string;
  treatmentIds: string[];
  type: Appointment['type'];
  patientCategory: Appointment['patientCategory'];
  responsibleUserId: string | null;
  notes: string | null;
}

export async function insertAppointment(q: Queryable, a: NewAppointment): Promise<AppointmentRow> {
  const { rows } = await q.query<AppointmentRow>(
    `insert into appointments (patient_id, id, number, practitioner_id, starts_at, ends_at, treatment_ids, type,
       patient_category, responsible_user_id, notes)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning ${COLUMNS}`,
    [
      a.patientId,
      a.id,
      a.number,
      a.practitionerId,
      a.start,
      a.end,
      a.treatmentIds,
      a.type,
      a.patientCategory,
      a.responsibleUserId,
      a.notes,
    ],
  );
  return rows[0] as AppointmentRow;
}

/** An appointment by id alone (the patient is not known yet); `forUpdate` locks it. */
export async function findAppointment(q: Queryable, id: string, forUpdate = false) {
  const { rows } = await q.query<AppointmentRow>(
    `select ${COLUMNS} from appointments where id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return rows[0];
}

export interface AppointmentChanges {
  practitionerId: string;
  start: string;
  end: string;
  treatmentIds: string[];
  type: Appointment['type'];
  notes: string | null;
  status: AppointmentStatus;
  /** A moved appointment is reminded again. */
  clearReminder: boolean;
}

export async function updateAppointment(q: Queryable, row: AppointmentRow, c: AppointmentChanges) {
  const { rows } = await q.query<AppointmentRow>(
    `update appointments set practitioner_id = $3, starts_at = $4, ends_at = $5, treatment_ids = $6, type = $7,
       notes = $8, status = $9, reminder_sent_at = case when $10 then null else reminder_sent_at end,
       updated_at = now()
     where patient_id = $1 and id = $2 returning ${COLUMNS}`,
    [
      row.patient_id,
      row.id,
      c.practitionerId,
      c.start,
      c.end,
      c.treatmentIds,
      c.type,
      c.notes,
      c.status,
      c.clearReminder,
    ],
  );
  return rows[0] as AppointmentRow;
}

export async function setStatus(
  q: Queryable,
  row: AppointmentRow,
  status: AppointmentStatus,
  cancellation?: { reason: string; by: 'patient' | 'staff' },
) {
  const { rows } = await q.query<AppointmentRow>(
    `update appointments set status = $3, updated_at = now(),
       checked_in_at = case when $3 = 'checked_in' then now() else checked_in_at end,
       cancelled_at = case when $3 = 'cancelled' then now() else cancelled_at end,
       cancellation_reason = coalesce($4, cancellation_reason), cancelled_by = coalesce($5, cancelled_by)
     where patient_id = $1 and id = $2 returning ${COLUMNS}`,
    [row.patient_id, row.id, status, cancellation?.reason ?? null, cancellation?.by ?? null],
  );
  return rows[0] as AppointmentRow;
}

/** Holds the time in the practitioner's diary; a clash violates practitioner_bookings_no_overlap (23P01). */
export async function insertBooking(
  q: Queryable,
  practitionerId: string,
  appointmentId: string,
  start: string,
  end: string,
) {
  await q.query(
    `insert into practitioner_bookings (practitioner_id, appointment_id, during)
     values ($1, $2, tstzrange($3::timestamptz, $4::timestamptz))`,
    [practitionerId, appointmentId, start, end],
  );
}

export async function deleteBooking(q: Queryable, practitionerId: string, appointmentId: string) {
  await q.query('delete from practitioner_bookings where practitioner_id = $1 and appointment_id = $2', [
    practitionerId,
    appointmentId,
  ]);
}

/** Another live appointment of the patient overlapping [start, end), if any. */
export async function patientOverlap(q: Queryable, patientId: string, start: string, end: string, exceptId: string) {
  const { rows } = await q.query<{ number: string; starts_at: Date; ends_at: Date }>(
    `select number, starts_at, ends_at from appointments
      where patient_id = $1 and id <> $4 and status <> 'cancelled' and starts_at < $3 and ends_at > $2
      limit 1`,
    [patientId, start, end, exceptId],
  );
  return rows[0];
}

/** Locks the patient row, so one patient's bookings are checked one at a time. */
export async function lockPatient(q: Queryable, patientId: string) {
  const { rows } = await q.query<{ category: Appointment['patientCategory']; merged_into: string | null }>(
    'select category, merged_into from patients where id = $1 for no key update',
    [patientId],
  );
  return rows[0];
}

export interface AppointmentSearch extends Omit<AppointmentQuery, 'cursor'> {
  cursor?: string | undefined;
}

/** Keyset pagination on (starts_at, id); each filter has an index leading with it. */
export async function searchAppointments(q: Queryable, s: AppointmentSearch) {
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (s.patientId) where.push(`patient_id = ${param(s.patientId)}`);
  if (s.practitionerId) where.push(`practitioner_id = ${param(s.practitionerId)}`);
  if (s.status) where.push(`status = ${param(s.status)}`);
  if (s.from) where.push(`starts_at >= ${param(s.from)}`);
  if (s.to) where.push(`starts_at < ${param(s.to)}`);
  if (s.cursor) {
    const key = decodeCursor(s.cursor, 2);
    if (!key) return null;
    where.push(`(starts_at, id) > (${param(key[0])}::timestamptz, ${param(key[1])}::uuid)`);
  }
  const { rows } = await q.query<AppointmentRow>(
    `select ${COLUMNS} from appointments ${where.length ? `where ${where.join(' and ')}` : ''}
     order by starts_at, id limit ${param(s.limit + 1)}`,
    params,
  );
  const more = rows.length > s.limit;
  const page = more ? rows.slice(0, s.limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, nextCursor: more && last ? encodeCursor([last.starts_at.toISOString(), last.id]) : null };
}

/**
 * Marks a batch of live appointments starting in (now, now + hoursAhead] as reminded and
 * answers them. `skip locked` lets several workers run this at once: a row another worker
 * holds is left to it, and one it already marked no longer matches.
 */
export async function claimDueReminders(q: Queryable, now: Date, hoursAhead: number, limit: number) {
  const { rows } = await q.query<{ id: string; patient_id: string; practitioner_id: string }>(
    `with due as (
       select patient_id, id from appointments
        where reminder_sent_at is null and status in ('booked', 'confirmed')
          and starts_at > $1 and starts_at <= $1::timestamptz + make_interval(hours => $2)
        order by starts_at
        limit $3
        for update skip locked
     )
     update appointments a set reminder_sent_at = $1
       from due where a.patient_id = due.patient_id and a.id = due.id
     returning a.id, a.patient_id, a.practitioner_id`,
    [now, hoursAhead, limit],
  );
  return rows;
}

/** Moves a merged duplicate's appointments to the survivor (Citus cannot update patient_id in place). */
export async function moveAppointments(q: Queryable, fromPatientId: string, toPatientId: string) {
  await q.query(
    `insert into appointments (patient_id, id, number, practitioner_id, starts_at, ends_at, treatment_ids, type,
       patient_category, responsible_user_id, notes, status, cancellation_reason, cancelled_by, cancelled_at,
       checked_in_at, reminder_sent_at, created_at, updated_at)
     select $2, id, number, practitioner_id, starts_at, ends_at, treatment_ids, type, patient_category,
       responsible_user_id, notes, status, cancellation_reason, cancelled_by, cancelled_at, checked_in_at,
       reminder_sent_at, created_at, now()
     from appointments where patient_id = $1`,
    [fromPatientId, toPatientId],
  );
  await q.query('delete from appointments where patient_id = $1', [fromPatientId]);
}
