import type { Queryable } from '../../platform/db/database.js';

/**
 * The patient merge step of the clinical record: every row of the duplicate moves to the
 * survivor by INSERT ... SELECT + DELETE (Citus cannot update a distribution column).
 * Parents are copied before children and deleted after them, so the patient-scoped foreign
 * keys hold throughout. Signed notes keep id, content, signature and hash (the hash does not
 * cover the patient id); the database lets a signed note be deleted only once its identical
 * copy exists under another patient, which is exactly what this does.
 */
export async function moveClinicalRecord(q: Queryable, fromPatientId: string, toPatientId: string): Promise<void> {
  const move = (table: string, columns: string) =>
    q.query(`insert into ${table} (patient_id, ${columns}) select $2, ${columns} from ${table} where patient_id = $1`, [
      fromPatientId,
      toPatientId,
    ]);
  await move(
    'encounters',
    `id, kind, status, reason, service, practitioner_id, appointment_id, admitted_at, discharged_at,
     discharge_summary, created_by, created_at, updated_at`,
  );
  await move(
    'clinical_notes',
    `id, encounter_id, author_id, amends, subjective, objective, assessment, plan, status, signed_at, signed_by,
     content_hash, created_at, updated_at`,
  );
  await move(
    'diagnoses',
    'id, encounter_id, code, display, status, onset_date, notes, recorded_by, created_at, updated_at',
  );
  await move(
    'vital_signs',
    `id, encounter_id, measured_at, systolic, diastolic, heart_rate, respiratory_rate, temperature_c, spo2,
     weight_kg, height_cm, recorded_by, created_at`,
  );
  await move(
    'results',
    `id, encounter_id, test_name, test_code, value_quantity, value_text, unit, reference_low, reference_high,
     reference_text, critical_low, critical_high, flag, status, observed_at, performer, recorded_by, created_at,
     updated_at`,
  );
  for (const table of ['results', 'vital_signs', 'diagnoses', 'clinical_notes', 'encounters']) {
    await q.query(`delete from ${table} where patient_id = $1`, [fromPatientId]);
  }
}
