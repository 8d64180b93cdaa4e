import type { Queryable } from '../../platform/db/database.js';
import type { Appointment } from '../scheduling/scheduling.schemas.js';

export interface HistoryAppointmentRow {
  number: string;
  starts_at: Date;
  ends_at: Date;
  type: Appointment['type'];
  status: Appointment['status'];
  practitioner_name: string | null;
  treatments: string | null;
  notes: string | null;
}

/**
 * Every appointment of the patient with its practitioner and treatment names, oldest first,
 * in one statement (practitioners and treatments are reference tables).
 */
export async function appointmentsOfPatient(q: Queryable, patientId: string): Promise<HistoryAppointmentRow[]> {
  const { rows } = await q.query<HistoryAppointmentRow>(
    `select a.number, a.starts_at, a.ends_at, a.type, a.status, p.name as practitioner_name, a.notes,
        (select string_agg(t.name, ', ' order by t.name) from treatments t where t.id = any(a.treatment_ids))
          as treatments
       from appointments a left join practitioners p on p.id = a.practitioner_id
      where a.patient_id = $1
      order by a.starts_at, a.id`,
    [patientId],
  );
  return rows;
}

/** Practitioners by id (a reference table), for the encounters the clinical record lists. */
export async function practitionerNames(q: Queryable, ids: Iterable<string>): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const { rows } = await q.query<{ id: string; name: string }>(
    'select id, name from practitioners where id = any($1::uuid[])',
    [unique],
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}
