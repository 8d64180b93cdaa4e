import type { Queryable } from '../../platform/db/database.js';
import { present } from './clinical.schemas.js';
import type { Diagnosis, DiagnosisQuery } from './diagnoses.schemas.js';

export interface DiagnosisRow {
  patient_id: string;
  id: string;
  encounter_id: string | null;
  code: string;
  display: string;
  status: Diagnosis['status'];
  onset_date: string | null;
  notes: string | null;
  recorded_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'patient_id, id, encounter_id, code, display, status, onset_date, notes, recorded_by, created_at, updated_at';

export function toDiagnosis(r: DiagnosisRow): Diagnosis {
  return {
    id: r.id,
    patientId: r.patient_id,
    code: r.code,
    display: r.display,
    status: r.status,
    ...present({ encounterId: r.encounter_id, onsetDate: r.onset_date, notes: r.notes, recordedBy: r.recorded_by }),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export interface DiagnosisFields {
  encounterId: string | null;
  code: string;
  display: string;
  status: Diagnosis['status'];
  onsetDate: string | null;
  notes: string | null;
}

export async function insertDiagnosis(
  q: Queryable,
  patientId: string,
  id: string,
  f: DiagnosisFields,
  recordedBy: string | null,
) {
  const { rows } = await q.query<DiagnosisRow>(
    `insert into diagnoses (patient_id, id, encounter_id, code, display, status, onset_date, notes, recorded_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${COLUMNS}`,
    [patientId, id, f.encounterId, f.code, f.display, f.status, f.onsetDate, f.notes, recordedBy],
  );
  return rows[0] as DiagnosisRow;
}

export async function findDiagnosis(q: Queryable, patientId: string, id: string, forUpdate = false) {
  const { rows } = await q.query<DiagnosisRow>(
    `select ${COLUMNS} from diagnoses where patient_id = $1 and id = $2${forUpdate ? ' for update' : ''}`,
    [patientId, id],
  );
  return rows[0];
}

export async function updateDiagnosis(q: Queryable, row: DiagnosisRow, f: DiagnosisFields) {
  const { rows } = await q.query<DiagnosisRow>(
    `update diagnoses set display = $3, status = $4, onset_date = $5, notes = $6, updated_at = now()
     where patient_id = $1 and id = $2 returning ${COLUMNS}`,
    [row.patient_id, row.id, f.display, f.status, f.onsetDate, f.notes],
  );
  return rows[0] as DiagnosisRow;
}

/** A patient's problem list is short: all of it, active first, newest first. */
export async function listDiagnoses(q: Queryable, patientId: string, query: Partial<DiagnosisQuery> = {}) {
  const params: unknown[] = [patientId];
  const where = ['patient_id = $1'];
  if (query.status) where.push(`status = $${params.push(query.status)}`);
  if (query.encounterId) where.push(`encounter_id = $${params.push(query.encounterId)}`);
  const { rows } = await q.query<DiagnosisRow>(
    `select ${COLUMNS} from diagnoses where ${where.join(' and ')}
      order by status = 'active' desc, created_at desc, id desc`,
    params,
  );
  return rows;
}
