import type { Queryable } from '../../src/platform/db/database.js';

export interface LongRecord {
  patientId: string;
  practitionerId: string;
  treatmentId: string;
  doctorUserId: string;
  appointments: number;
  encounters: number;
  chartEntries: number;
}

/**
 * A long clinical record written straight to the tables (the history export is what is
 * measured, not booking or charting): appointments, finished encounters each with a signed
 * SOAP note, diagnoses, vital signs, a result and dental chart entries. The history test and
 * the history benchmark share it.
 */
export async function writeLongRecord(db: Queryable, r: LongRecord): Promise<void> {
  await db.query(
    `insert into appointments (patient_id, id, number, practitioner_id, starts_at, ends_at, treatment_ids, type,
       patient_category, status)
     select $1, gen_random_uuid(), 'APT/H' || lpad(n::text, 4, '0'), $2,
            timestamptz '2020-01-06 09:00Z' + n * interval '3 days',
            timestamptz '2020-01-06 09:30Z' + n * interval '3 days', array[$3::uuid], 'consultation', 'returning',
            case when n % 7 = 0 then 'cancelled' else 'done' end
       from generate_series(1, $4::int) as n`,
    [r.patientId, r.practitionerId, r.treatmentId, r.appointments],
  );
  // Finished encounters, each with a signed SOAP note; then diagnoses, vital signs, a result.
  await db.query(
    `insert into encounters (patient_id, id, kind, status, reason, service, practitioner_id, admitted_at,
       discharged_at, created_by)
     select $1, gen_random_uuid(), case when n % 3 = 0 then 'dental' else 'outpatient' end, 'finished',
            'Dolor en la encía nº ' || n, 'Odontología', $2,
            timestamptz '2019-01-07 08:00Z' + n * interval '4 days',
            timestamptz '2019-01-07 09:00Z' + n * interval '4 days', $3
       from generate_series(1, $4::int) as n`,
    [r.patientId, r.practitionerId, r.doctorUserId, r.encounters],
  );
  await db.query(
    `insert into clinical_notes (patient_id, id, encounter_id, author_id, subjective, objective, assessment, plan,
       status, signed_at, signed_by, content_hash)
     select e.patient_id, gen_random_uuid(), e.id, $2, 'Refiere dolor al masticar (' || e.reason || ')',
            'Caries oclusal en 36', 'Caries de dentina', 'Obturación; revisión en seis meses', 'signed',
            e.discharged_at, $2, md5(e.id::text)
       from encounters e where e.patient_id = $1`,
    [r.patientId, r.doctorUserId],
  );
  await db.query(
    `insert into diagnoses (patient_id, id, code, display, status, onset_date)
     select $1, gen_random_uuid(), code, title, 'active', date '2021-05-04'
       from icd10_codes where code like 'K02%' order by code limit 3`,
    [r.patientId],
  );
  await db.query(
    `insert into vital_signs (patient_id, id, measured_at, systolic, diastolic, heart_rate, temperature_c, weight_kg)
     values ($1, gen_random_uuid(), '2022-03-01T10:00Z', 124, 81, 72, 36.6, 68.5)`,
    [r.patientId],
  );
  await db.query(
    `insert into results (patient_id, id, test_name, test_code, value_quantity, unit, reference_low, reference_high,
       flag, status, observed_at)
     values ($1, gen_random_uuid(), 'Glucosa en ayunas', 'GLU', 131.5, 'mg/dL', 70, 110, 'high', 'final',
             '2022-03-02T08:00Z')`,
    [r.patientId],
  );
  const teeth = [11, 12, 16, 21, 26, 36, 37, 46, 47, 55, 65, 75, 85];
  await db.query(
    `insert into dental_chart_entries (patient_id, id, tooth, surfaces, kind, finding, note, recorded_by, recorded_at)
     select $1, gen_random_uuid(), ($2::smallint[])[1 + n % $3], array['occlusal'], 'finding',
            case when n % 2 = 0 then 'caries' else 'filling' end, 'Revisión periódica nº ' || n, $4,
            timestamptz '2020-01-06 10:00Z' + n * interval '5 days'
       from generate_series(1, $5::int) as n`,
    [r.patientId, teeth, teeth.length, r.doctorUserId, r.chartEntries],
  );
}
