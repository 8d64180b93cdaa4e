import type { Queryable } from '../../platform/db/database.js';
import { iso, present } from './clinical.schemas.js';
import type { Encounter, EncounterQuery, EncounterStatus } from './encounters.schemas.js';
import { newestFirst, Params } from './paging.js';

export interface EncounterRow {
  patient_id: string;
  id: string;
  kind: Encounter['kind'];
  status: EncounterStatus;
  reason: string | null;
  service: string | null;
  practitioner_id: string | null;
  appointment_id: string | null;
  admitted_at: Date;
  discharged_at: Date | null;
  discharge_summary: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export const ENCOUNTER_COLUMNS = `patient_id, id, kind, status, reason, service, practitioner_id, appointment_id,
  admitted_at, discharged_at, discharge_summary, created_by, created_at, updated_at`;

export function toEncounter(r: EncounterRow): Encounter {
  return {
    id: r.id,
    patientId: r.patient_id,
    kind: r.kind,
    status: r.status,
    ...present({
      reason: r.reason,
      service: r.service,
      practitionerId: r.practitioner_id,
      appointmentId: r.appointment_id,
      dischargedAt: iso(r.discharged_at),
      dischargeSummary: r.discharge_summary,
      createdBy: r.created_by,
    }),
    admittedAt: r.admitted_at.toISOString(),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export interface EncounterFields {
  kind: Encounter['kind'];
  reason: string | null;
  service: string | null;
  practitionerId: string | null;
  appointmentId: string | null;
  admittedAt: string;
}

export async function insertEncounter(
  q: Queryable,
  patientId: string,
  id: string,
  f: EncounterFields,
  createdBy: string | null,
): Promise<EncounterRow> {
  const { rows } = await q.query<EncounterRow>(
    `insert into encounters (patient_id, id, kind, reason, service, practitioner_id, appointment_id, admitted_at, created_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${ENCOUNTER_COLUMNS}`,
    [patientId, id, f.kind, f.reason, f.service, f.practitionerId, f.appointmentId, f.admittedAt, createdBy],
  );
  return rows[0] as EncounterRow;
}

export async function findEncounter(q: Queryable, patientId: string, id: string, forUpdate = false) {
  const { rows } = await q.query<EncounterRow>(
    `select ${ENCOUNTER_COLUMNS} from encounters where patient_id = $1 and id = $2${forUpdate ? ' for update' : ''}`,
    [patientId, id],
  );
  return rows[0];
}

export async function updateEncounter(
  q: Queryable,
  row: EncounterRow,
  f: EncounterFields & { status: EncounterStatus },
): Promise<EncounterRow> {
  const { rows } = await q.query<EncounterRow>(
    `update encounters set kind = $3, reason = $4, service = $5, practitioner_id = $6, appointment_id = $7,
       admitted_at = $8, status = $9, updated_at = now()
     where patient_id = $1 and id = $2 returning ${ENCOUNTER_COLUMNS}`,
    [row.patient_id, row.id, f.kind, f.reason, f.service, f.practitionerId, f.appointmentId, f.admittedAt, f.status],
  );
  return rows[0] as EncounterRow;
}

export async function dischargeEncounter(q: Queryable, row: EncounterRow, at: string, summary: string | null) {
  const { rows } = await q.query<EncounterRow>(
    `update encounters set status = 'finished', discharged_at = $3, discharge_summary = $4, updated_at = now()
     where patient_id = $1 and id = $2 returning ${ENCOUNTER_COLUMNS}`,
    [row.patient_id, row.id, at, summary],
  );
  return rows[0] as EncounterRow;
}

export async function listEncounters(q: Queryable, patientId: string, query: Partial<EncounterQuery>) {
  const params = new Params();
  const where = [`patient_id = ${params.add(patientId)}`];
  if (query.status) where.push(`status = ${params.add(query.status)}`);
  return newestFirst<EncounterRow>(q, {
    select: `select ${ENCOUNTER_COLUMNS} from encounters`,
    where,
    params,
    timeColumn: 'admitted_at',
    timeOf: (r) => r.admitted_at,
    cursor: query.cursor,
    limit: query.limit ?? 1000,
  });
}

/** Whether a practitioner exists (active or not: past encounters keep theirs). */
export async function practitionerExists(q: Queryable, id: string) {
  const { rows } = await q.query('select 1 from practitioners where id = $1', [id]);
  return rows.length > 0;
}

/** Whether the appointment belongs to this patient. */
export async function appointmentOf(q: Queryable, patientId: string, id: string) {
  const { rows } = await q.query('select 1 from appointments where patient_id = $1 and id = $2', [patientId, id]);
  return rows.length > 0;
}
