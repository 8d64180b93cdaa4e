import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { countRows, createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { pdfPages, pdfText } from './support/pdf.js';
import { bookAppointment, createPractitioner, slot } from './support/scheduling.js';

const line = (overrides: object = {}) => ({
  medicament: 'Ibuprofeno Cinfa',
  genericName: 'Ibuprofeno',
  strength: '600 mg',
  form: 'tablet',
  quantity: 20,
  price: '2.35',
  foodTiming: 'after',
  morning: true,
  night: true,
  days: 5,
  ...overrides,
});

describe.each(DATABASES)('prescriptions on %s', (kind) => {
  let t: TestApp;
  let doctor: SignedIn;
  let colleague: SignedIn;
  let pharmacist: SignedIn;
  let portal: SignedIn;
  let patientId: string;
  let patientNumber: string;
  let treatment: { id: string; cost: string };
  let dentistId: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    ({ id: patientId, patientNumber } = await t.createPatient({
      firstName: 'Íñigo',
      lastName: 'Núñez Ibáñez',
      allergies: ['Penicilina'],
    }));
    [doctor, colleague, pharmacist, portal] = await Promise.all([
      t.signIn(['doctor']),
      t.signIn(['doctor']),
      t.signIn(['pharmacist']),
      t.signIn(['patient'], { patientId }),
    ]);
    // The prescribing doctor is a practitioner with an account: documents print their name.
    await t.app.clinica.practitioners.create(
      { name: 'Dra. Begoña Martínez', isDentist: true, active: true, userId: doctor.userId },
      SYSTEM_CONTEXT,
    );
    dentistId = (await createPractitioner(t, { input: { name: 'Dr. Ortodoncista Peña', isDentist: true } })).id;
    treatment = await t.app.clinica.practitioners.createTreatment(
      {
        code: 'BLANQ',
        name: 'Blanqueamiento dental',
        durationMinutes: 60,
        cost: '199.90',
        isDental: true,
        active: true,
      },
      SYSTEM_CONTEXT,
    );
  });
  afterAll(() => t.close());

  const create = (payload: object, token = doctor.token) =>
    t.call({ method: 'POST', url: '/api/v1/prescriptions', token, payload });
  const draft = async (payload: object = {}) => {
    const res = await create({ patientId, lines: [line()], ...payload });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const sign = (id: string, token = doctor.token) =>
    t.call({ method: 'POST', url: `/api/v1/prescriptions/${id}/sign`, token });
  const put = (id: string, payload: object, token = doctor.token) =>
    t.call({ method: 'PUT', url: `/api/v1/prescriptions/${id}`, token, payload });
  const get = (url: string, token = doctor.token, headers: Record<string, string> = {}) =>
    t.call({ method: 'GET', url, token, headers });

  it('numbers prescriptions PRN00001, PRN00002, ... and copies the treatment cost exactly', async () => {
    const first = await draft({
      treatmentId: treatment.id,
      teeth: [11, 21, 55],
      referredPractitionerId: dentistId,
      date: '2026-03-02',
      nextAppointmentDate: '2026-03-16',
      lines: [line({ price: '0.10' }), line({ medicament: 'Clorhexidina', form: 'mouthwash', price: '0.20' })],
    });
    const second = await draft();
    expect(first.number).toMatch(/^PRN\d{5}$/);
    expect(Number(second.number.slice(3))).toBe(Number(first.number.slice(3)) + 1);
    expect(first).toMatchObject({
      status: 'draft',
      treatmentCost: '199.90',
      treatmentName: 'Blanqueamiento dental',
      teeth: [11, 21, 55],
      prescriberId: doctor.userId,
      prescriberName: 'Dra. Begoña Martínez',
      referredPractitionerName: 'Dr. Ortodoncista Peña',
      date: '2026-03-02',
      nextAppointmentDate: '2026-03-16',
      // 0.1 + 0.2 in floating point is 0.30000000000000004.
      linesTotal: '0.30',
    });
    expect(first.lines.map((l: { lineNo: number; price: string }) => [l.lineNo, l.price])).toEqual([
      [1, '0.10'],
      [2, '0.20'],
    ]);
    const big = await draft({ lines: [line({ price: '9999999999.99' }), line({ price: '0.01' })] });
    expect(big.linesTotal).toBe('10000000000.00');
  });

  it('refuses money as a float, unknown references and a next appointment before the date', async () => {
    const before = await countRows(t, 'prescriptions');
    const stranger = await t.createPatient();
    const practitioner = await createPractitioner(t);
    const theirs = await bookAppointment(t, { patientId: stranger.id, practitionerId: practitioner.id, ...slot(6) });
    const cases = [
      [{ lines: [line({ price: 2.35 })] }, 'body.lines.0.price'],
      [{ lines: [line({ price: '2.355' })] }, 'body.lines.0.price'],
      [{ lines: [] }, 'body.lines'],
      [{ teeth: [19] }, 'body.teeth.0'],
      [{ teeth: [11, 11] }, 'body.teeth'],
      [{ treatmentId: randomUUID() }, 'body.treatmentId'],
      [{ appointmentId: theirs.id }, 'body.appointmentId'],
      [{ referredPractitionerId: practitioner.id }, 'body.referredPractitionerId'],
      [{ date: '2026-03-10', nextAppointmentDate: '2026-03-01' }, 'body.nextAppointmentDate'],
      [{ treatmentCost: '1.00' }, 'body.treatmentCost'],
    ] as const;
    for (const [payload, path] of cases) {
      const res = await create({ patientId, lines: [line()], ...payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const unknown = await create({ patientId: randomUUID(), lines: [line()] });
    expect(unknown.json().errors[0].path).toBe('body.patientId');
    expect(await countRows(t, 'prescriptions')).toBe(before);
  });

  it('lets only doctors write, and only the author change or sign a draft', async () => {
    for (const role of ['admissions', 'results', 'pharmacist', 'agent', 'admin'] as const) {
      const s = await t.signIn([role]);
      expect((await create({ patientId, lines: [line()] }, s.token)).statusCode, role).toBe(403);
    }
    expect((await create({ patientId, lines: [line()] }, portal.token)).statusCode).toBe(403);
    const p = await draft();
    expect((await put(p.id, { lines: [line()] }, colleague.token)).statusCode).toBe(403);
    expect((await sign(p.id, colleague.token)).statusCode).toBe(403);
    const changed = await put(p.id, { lines: [line({ medicament: 'Amoxicilina', quantity: 30 })], notes: 'Cada 8 h' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ notes: 'Cada 8 h', lines: [{ lineNo: 1, medicament: 'Amoxicilina' }] });
  });

  it('makes a signed prescription read-only: 409 from the API, and the trigger refuses direct SQL', async () => {
    const p = await draft({ lines: [line(), line({ medicament: 'Paracetamol' })] });
    const signed = await sign(p.id);
    expect(signed.statusCode, signed.body).toBe(200);
    expect(signed.json()).toMatchObject({ status: 'signed', signedAt: expect.any(String) });
    const again = await sign(p.id);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('prescription_signed');
    const edit = await put(p.id, { lines: [line({ medicament: 'Otra cosa' })] });
    expect(edit.statusCode).toBe(409);

    const db = t.database.db;
    await expect(db.query(`update prescriptions set notes = 'cambiada' where id = $1`, [p.id])).rejects.toThrow(
      /signed and cannot be changed/,
    );
    await expect(db.query('delete from prescriptions where id = $1', [p.id])).rejects.toThrow(/signed/);
    await expect(
      db.query(`update prescription_lines set quantity = 99 where prescription_id = $1`, [p.id]),
    ).rejects.toThrow(/signed prescription/);
    await expect(db.query('delete from prescription_lines where prescription_id = $1', [p.id])).rejects.toThrow(
      /signed prescription/,
    );
    await expect(
      db.query(
        `insert into prescription_lines (patient_id, prescription_id, line_no, medicament, form, quantity, food_timing, days)
         values ($1, $2, 3, 'Colado', 'tablet', 1, 'any', 1)`,
        [patientId, p.id],
      ),
    ).rejects.toThrow(/signed prescription/);
    // A draft stays writable at the SQL level: the trigger is about signed rows only.
    const open = await draft();
    await db.query(`update prescriptions set notes = 'ok' where id = $1`, [open.id]);

    const { rows } = await db.query<{ type: string; payload: object }>(
      `select type, payload from outbox where aggregate_id = $1 order by occurred_at, type`,
      [p.id],
    );
    expect(rows).toEqual([
      { type: 'prescription.created', payload: { prescriptionId: p.id, patientId } },
      { type: 'prescription.signed', payload: { prescriptionId: p.id, patientId } },
    ]);
    const read = (await get(`/api/v1/prescriptions/${p.id}`)).json();
    expect(read.lines).toHaveLength(2);
  });

  it('shows patients their own signed prescriptions and pharmacists every signed one, never drafts', async () => {
    const open = await draft();
    const issued = await draft();
    await sign(issued.id);
    expect((await get(`/api/v1/prescriptions/${issued.id}`, portal.token)).statusCode).toBe(200);
    expect((await get(`/api/v1/prescriptions/${open.id}`, portal.token)).statusCode).toBe(404);
    expect((await get(`/api/v1/prescriptions/${issued.id}`, pharmacist.token)).statusCode).toBe(200);
    expect((await get(`/api/v1/prescriptions/${open.id}`, pharmacist.token)).statusCode).toBe(404);
    expect((await get(`/api/v1/prescriptions/${open.id}.pdf`, pharmacist.token)).statusCode).toBe(404);

    const other = await t.createPatient();
    const theirs = (await create({ patientId: other.id, lines: [line()] })).json();
    await sign(theirs.id);
    expect((await get(`/api/v1/prescriptions/${theirs.id}`, portal.token)).statusCode).toBe(403);
    expect((await get(`/api/v1/prescriptions/${theirs.id}.pdf`, portal.token)).statusCode).toBe(403);
    expect((await get(`/api/v1/prescriptions?patientId=${other.id}`, portal.token)).statusCode).toBe(403);

    const mine = (await get('/api/v1/prescriptions?limit=100', portal.token)).json();
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((p: { patientId: string; status: string }) => p.patientId === patientId)).toBe(true);
    expect(mine.items.every((p: { status: string }) => p.status === 'signed')).toBe(true);
    const pharmacy = (await get('/api/v1/prescriptions?limit=100', pharmacist.token)).json();
    expect(pharmacy.items.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining([issued.id, theirs.id]));
    expect(pharmacy.items.some((p: { status: string }) => p.status === 'draft')).toBe(false);
    const drafts = (await get(`/api/v1/prescriptions?patientId=${patientId}&status=draft&limit=100`)).json();
    expect(drafts.items.map((p: { id: string }) => p.id)).toContain(open.id);

    // The pharmacy counter finds a prescription by the number printed on it; a patient, only their own.
    const byNumber = (number: string, token?: string) =>
      get(`/api/v1/prescriptions?number=${encodeURIComponent(number)}`, token);
    expect((await byNumber(` ${theirs.number.toLowerCase()}`, pharmacist.token)).json().items).toMatchObject([
      { id: theirs.id },
    ]);
    expect((await byNumber(open.number, pharmacist.token)).json().items).toEqual([]);
    expect((await byNumber(theirs.number, portal.token)).json().items).toEqual([]);
    expect((await byNumber('12345', pharmacist.token)).statusCode).toBe(400);
  });

  it('pages the list newest first with a cursor', async () => {
    const patient = await t.createPatient();
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await create({ patientId: patient.id, lines: [line()] })).json().id);
    const first = (await get(`/api/v1/prescriptions?patientId=${patient.id}&limit=2`)).json();
    expect(first.items.map((p: { id: string }) => p.id)).toEqual([made[2], made[1]]);
    const next = (await get(`/api/v1/prescriptions?patientId=${patient.id}&limit=2&cursor=${first.nextCursor}`)).json();
    expect(next).toMatchObject({ items: [{ id: made[0] }], nextCursor: null });
  });

  it('prints the prescription in Spanish and English, and audits every download', async () => {
    const p = await draft({
      treatmentId: treatment.id,
      teeth: [36],
      lines: [
        line(),
        line({
          medicament: 'Enjuague Clorhexidina 0,12 %',
          genericName: 'Clorhexidina',
          strength: undefined,
          form: 'mouthwash',
          price: '7.50',
        }),
      ],
    });
    await sign(p.id);
    const es = await get(`/api/v1/prescriptions/${p.id}.pdf`, portal.token);
    expect(es.statusCode, es.body.slice(0, 200)).toBe(200);
    expect(es.headers['content-type']).toBe('application/pdf');
    expect(es.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    // Table cells wrap where the column ends: compare with runs of white space as one space.
    const text = pdfText(es.rawPayload).replace(/\s+/g, ' ');
    for (const expected of [
      t.config.CLINIC_NAME,
      `Receta ${p.number}`,
      'Íñigo Núñez Ibáñez',
      patientNumber,
      'Penicilina',
      'Ibuprofeno Cinfa 600 mg',
      'Enjuague Clorhexidina 0,12 %',
      'comprimido',
      'mañana, noche · después de comer',
      'Blanqueamiento dental',
      '199,90 €',
      '9,85 €',
      'Dra. Begoña Martínez',
      'Firmada electrónicamente por',
      `Página 1 / ${pdfPages(es.rawPayload)}`,
      `por ${portal.email}`,
    ]) {
      expect(text, expected).toContain(expected);
    }

    const en = await get(`/api/v1/prescriptions/${p.id}.pdf`, doctor.token, { 'accept-language': 'en-GB,en;q=0.9' });
    const english = pdfText(en.rawPayload).replace(/\s+/g, ' ');
    for (const expected of [`Prescription ${p.number}`, 'morning, night · after food', '€199.90', 'Page 1 / 1']) {
      expect(english, expected).toContain(expected);
    }
    const forced = pdfText(
      (await get(`/api/v1/prescriptions/${p.id}.pdf?lang=es`, doctor.token, { 'accept-language': 'en' })).rawPayload,
    );
    expect(forced).toContain('Receta médica');
    expect((await get(`/api/v1/prescriptions/${p.id}.pdf?lang=fr`)).statusCode).toBe(400);

    const { rows } = await t.database.db.query<{ actor_id: string; details: { lang: string } }>(
      `select actor_id, details from audit_events where action = 'prescription.download' and resource_id = $1 order by id`,
      [p.id],
    );
    expect(rows.map((r) => [r.actor_id, r.details.lang])).toEqual([
      [portal.userId, 'es'],
      [doctor.userId, 'en'],
      [doctor.userId, 'es'],
    ]);
  });

  it('prints a draft marked as not valid', async () => {
    const p = await draft();
    const text = pdfText((await get(`/api/v1/prescriptions/${p.id}.pdf?lang=en`)).rawPayload);
    expect(text).toContain('DRAFT: not signed');
    expect(text).toContain('Awaiting signature');
  });

  it('moves signed prescriptions and their lines with a patient merge', async () => {
    const survivor = await t.createPatient();
    const duplicate = await t.createPatient();
    const p = (await create({ patientId: duplicate.id, lines: [line(), line()] })).json();
    await sign(p.id);
    await t.app.clinica.patients.merge(survivor.id, duplicate.id, SYSTEM_CONTEXT);
    const moved = (await get(`/api/v1/prescriptions/${p.id}`)).json();
    expect(moved).toMatchObject({ patientId: survivor.id, status: 'signed', number: p.number });
    expect(moved.lines).toHaveLength(2);
    // Still read-only after the move.
    await expect(t.database.db.query(`update prescriptions set notes = 'x' where id = $1`, [p.id])).rejects.toThrow(
      /signed/,
    );
  });
});
