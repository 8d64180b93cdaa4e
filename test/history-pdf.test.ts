import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { pdfPages, pdfPageTexts, pdfText } from './support/pdf.js';
import { createPractitioner, createTreatment } from './support/scheduling.js';

const ENCOUNTERS = 200;
const APPOINTMENTS = 200;
const CHART_ENTRIES = 120;
const PRESCRIPTIONS = 12;

describe.each(DATABASES)('clinical history PDF on %s', (kind) => {
  let t: TestApp;
  let doctor: SignedIn;
  let results: SignedIn;
  let portal: SignedIn;
  let patientId: string;
  let patientNumber: string;
  let firstPrescription: string;
  let draftPrescription: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    ({ id: patientId, patientNumber } = await t.createPatient({
      firstName: 'María José',
      lastName: 'Álvarez Güemes',
      allergies: ['Penicilina', 'Látex'],
      bloodType: 'AB-',
      phone: '+34 600 111 222',
      address: { street: 'Calle Añil 3', city: 'Logroño', postalCode: '26001', country: 'ES' },
    }));
    [doctor, results, portal] = await Promise.all([
      t.signIn(['doctor']),
      t.signIn(['results']),
      t.signIn(['patient'], { patientId }),
    ]);
    const practitioner = await createPractitioner(t, { input: { name: 'Dr. Íñiguez Peña' } });
    const treatment = await createTreatment(t);
    // A long record, written straight to the tables: the export is under test, not booking.
    await t.database.db.query(
      `insert into appointments (patient_id, id, number, practitioner_id, starts_at, ends_at, treatment_ids, type,
         patient_category, status)
       select $1, gen_random_uuid(), 'APT/H' || lpad(n::text, 4, '0'), $2,
              timestamptz '2020-01-06 09:00Z' + n * interval '3 days',
              timestamptz '2020-01-06 09:30Z' + n * interval '3 days', array[$3::uuid], 'consultation', 'returning',
              case when n % 7 = 0 then 'cancelled' else 'done' end
         from generate_series(1, $4::int) as n`,
      [patientId, practitioner.id, treatment.id, APPOINTMENTS],
    );
    // 200 finished encounters, each with a signed SOAP note; diagnoses, vital signs, results.
    await t.database.db.query(
      `insert into encounters (patient_id, id, kind, status, reason, service, practitioner_id, admitted_at,
         discharged_at, created_by)
       select $1, gen_random_uuid(), case when n % 3 = 0 then 'dental' else 'outpatient' end, 'finished',
              'Dolor en la encía nº ' || n, 'Odontología', $2,
              timestamptz '2019-01-07 08:00Z' + n * interval '4 days',
              timestamptz '2019-01-07 09:00Z' + n * interval '4 days', $3
         from generate_series(1, $4::int) as n`,
      [patientId, practitioner.id, doctor.userId, ENCOUNTERS],
    );
    await t.database.db.query(
      `insert into clinical_notes (patient_id, id, encounter_id, author_id, subjective, objective, assessment, plan,
         status, signed_at, signed_by, content_hash)
       select e.patient_id, gen_random_uuid(), e.id, $2, 'Refiere dolor al masticar (' || e.reason || ')',
              'Caries oclusal en 36', 'Caries de dentina', 'Obturación; revisión en seis meses', 'signed',
              e.discharged_at, $2, md5(e.id::text)
         from encounters e where e.patient_id = $1`,
      [patientId, doctor.userId],
    );
    await t.database.db.query(
      `insert into diagnoses (patient_id, id, code, display, status, onset_date)
       select $1, gen_random_uuid(), code, title, 'active', date '2021-05-04'
         from icd10_codes where code like 'K02%' order by code limit 3`,
      [patientId],
    );
    await t.database.db.query(
      `insert into vital_signs (patient_id, id, measured_at, systolic, diastolic, heart_rate, temperature_c, weight_kg)
       values ($1, gen_random_uuid(), '2022-03-01T10:00Z', 124, 81, 72, 36.6, 68.5)`,
      [patientId],
    );
    await t.database.db.query(
      `insert into results (patient_id, id, test_name, test_code, value_quantity, unit, reference_low, reference_high,
         flag, status, observed_at)
       values ($1, gen_random_uuid(), 'Glucosa en ayunas', 'GLU', 131.5, 'mg/dL', 70, 110, 'high', 'final',
               '2022-03-02T08:00Z')`,
      [patientId],
    );
    const teeth = [11, 12, 16, 21, 26, 36, 37, 46, 47, 55, 65, 75, 85];
    await t.database.db.query(
      `insert into dental_chart_entries (patient_id, id, tooth, surfaces, kind, finding, note, recorded_by, recorded_at)
       select $1, gen_random_uuid(), ($2::smallint[])[1 + n % $3], array['occlusal'], 'finding',
              case when n % 2 = 0 then 'caries' else 'filling' end, 'Revisión periódica nº ' || n, $4,
              timestamptz '2020-01-06 10:00Z' + n * interval '5 days'
         from generate_series(1, $5::int) as n`,
      [patientId, teeth, teeth.length, doctor.userId, CHART_ENTRIES],
    );
    const line = {
      medicament: 'Amoxicilina Normon',
      genericName: 'Amoxicilina',
      strength: '750 mg',
      form: 'capsule' as const,
      quantity: 21,
      price: '4.10',
      foodTiming: 'after' as const,
      morning: true,
      afternoon: true,
      night: true,
      days: 7,
    };
    for (let i = 0; i < PRESCRIPTIONS; i++) {
      const p = await t.app.clinica.prescriptions.create(
        { patientId, teeth: [36], lines: [line, { ...line, medicament: `Paracetamol Kern ${i}` }] },
        {
          ...SYSTEM_CONTEXT,
          actor: { userId: doctor.userId, email: doctor.email, roles: ['doctor'], patientId: null, sessionId: null },
        },
      );
      await t.call({ method: 'POST', url: `/api/v1/prescriptions/${p.id}/sign`, token: doctor.token });
      firstPrescription ??= p.number;
    }
    draftPrescription = (
      await t.call({
        method: 'POST',
        url: '/api/v1/prescriptions',
        token: doctor.token,
        payload: { patientId, lines: [{ ...line, medicament: 'Borrador Secreto' }] },
      })
    ).json().number;
  });
  afterAll(() => t.close());

  const history = (token: string, query = '', headers: Record<string, string> = {}, id = patientId) =>
    t.call({ method: 'GET', url: `/api/v1/patients/${id}/history.pdf${query}`, token, headers });

  it('prints the whole record in Spanish, with page numbers, the clinic and who generated it', async () => {
    const res = await history(doctor.token);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const pdf = res.rawPayload;
    const pages = pdfPages(pdf);
    expect(pages).toBeGreaterThan(3);
    const text = pdfText(pdf).replace(/\s+/g, ' ');
    for (const expected of [
      t.config.CLINIC_NAME,
      'Historia clínica: María José Álvarez Güemes',
      patientNumber,
      'Calle Añil 3, 26001, Logroño, ES',
      'AB-',
      'Penicilina',
      'Látex',
      'Episodios asistenciales',
      'Dolor en la encía nº 1 ',
      `Dolor en la encía nº ${ENCOUNTERS}`,
      'Notas clínicas (SOAP)',
      'Refiere dolor al masticar',
      'Obturación; revisión en seis meses',
      'Diagnósticos (CIE-10)',
      'K02',
      'Constantes vitales',
      '124/81',
      '36,6',
      'Resultados',
      'Glucosa en ayunas (GLU)',
      '131,5 mg/dL',
      'alto',
      'Citas',
      'APT/H0001',
      `APT/H${String(APPOINTMENTS).padStart(4, '0')}`,
      'Dr. Íñiguez Peña',
      'cancelada',
      'Odontograma',
      'oclusal/incisal',
      'Revisión periódica nº 120',
      'Recetas',
      firstPrescription,
      'Paracetamol Kern 11',
      `Página 1 / ${pages}`,
      `Página ${pages} / ${pages}`,
      `por ${doctor.email}`,
    ]) {
      expect(text, expected).toContain(expected);
    }
    // Drafts are not part of the record yet.
    expect(text).not.toContain(draftPrescription);
    expect(text).not.toContain('Borrador Secreto');
    // The appointments table runs over several pages and repeats its header row on each.
    const withHeader = pdfPageTexts(pdf).filter((p) => /Fecha\s+N\.º\s+Profesional/.test(p.replace(/\s+/g, ' ')));
    expect(withHeader.length).toBeGreaterThan(1);
  });

  it('prints English when asked by ?lang= or Accept-Language', async () => {
    for (const res of [
      await history(results.token, '?lang=en'),
      await history(results.token, '', { 'accept-language': 'en-US,en;q=0.8,es;q=0.5' }),
    ]) {
      expect(res.statusCode).toBe(200);
      const text = pdfText(res.rawPayload).replace(/\s+/g, ' ');
      const pages = pdfPages(res.rawPayload);
      for (const expected of [
        'Clinical history: María José Álvarez Güemes',
        'Allergies',
        'Encounters',
        'Clinical notes (SOAP)',
        'Diagnoses (ICD-10)',
        '131.5 mg/dL',
        'Appointments',
        'Dental chart',
        'occlusal/incisal',
        'Prescriptions',
        'morning, afternoon, night · after food',
        `Page 1 / ${pages}`,
        `Generated on`,
        `by ${results.email}`,
      ]) {
        expect(text, expected).toContain(expected);
      }
      expect(text).not.toContain('Historia clínica');
    }
    expect((await history(results.token, '?lang=de')).statusCode).toBe(400);
  });

  it(`exports ${ENCOUNTERS} encounters with notes, ${APPOINTMENTS} appointments, ${CHART_ENTRIES} chart entries and ${PRESCRIPTIONS} prescriptions, page after page`, async () => {
    // How long it takes is measured by the benchmark, not here: only that all of it is there.
    const res = await history(doctor.token);
    expect(res.statusCode).toBe(200);
    const pages = pdfPages(res.rawPayload);
    expect(pages).toBeGreaterThan(20);
    expect(pdfText(res.rawPayload)).toContain(`Página ${pages} / ${pages}`);
  });

  it('lets doctors, the results desk and the patient (own record only) download it, and audits each download', async () => {
    const mine = await history(portal.token);
    expect(mine.statusCode).toBe(200);
    expect(pdfText(mine.rawPayload)).toContain('María José');
    for (const role of ['admissions', 'pharmacist', 'agent', 'admin'] as const) {
      const s = await t.signIn([role]);
      expect((await history(s.token)).statusCode, role).toBe(403);
    }
    const other = await t.createPatient();
    expect((await history(portal.token, '', {}, other.id)).statusCode).toBe(403);
    expect((await history(doctor.token, '', {}, randomUUID())).statusCode).toBe(404);
    const { rows } = await t.database.db.query<{ actor_id: string; outcome: string; patient_id: string }>(
      `select actor_id, outcome, patient_id from audit_events where action = 'patient.history_export' order by id`,
    );
    const exports = rows.filter((r) => r.patient_id === patientId && r.outcome === 'success');
    expect(exports.map((r) => r.actor_id)).toEqual(
      expect.arrayContaining([doctor.userId, results.userId, portal.userId]),
    );
    expect(exports.length).toBeGreaterThanOrEqual(3);
    expect(rows).toContainEqual({ actor_id: portal.userId, outcome: 'denied', patient_id: other.id });
  });
});
