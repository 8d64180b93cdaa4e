import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { writeLongRecord } from './support/history.js';
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
    await writeLongRecord(t.database.db, {
      patientId,
      practitionerId: practitioner.id,
      treatmentId: treatment.id,
      doctorUserId: doctor.userId,
      appointments: APPOINTMENTS,
      encounters: ENCOUNTERS,
      chartEntries: CHART_ENTRIES,
    });
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
