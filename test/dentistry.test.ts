import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFdiTooth } from '../src/modules/dentistry/dentistry.schemas.js';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { countRows, createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { bookAppointment, createPractitioner, createTreatment, slot } from './support/scheduling.js';

const PERMANENT = [1, 2, 3, 4].flatMap((q) => [1, 2, 3, 4, 5, 6, 7, 8].map((p) => q * 10 + p));
const PRIMARY = [5, 6, 7, 8].flatMap((q) => [1, 2, 3, 4, 5].map((p) => q * 10 + p));

describe('FDI tooth numbers', () => {
  it('are exactly the 32 permanent and 20 primary teeth', () => {
    const valid = Array.from({ length: 100 }, (_, n) => n).filter(isFdiTooth);
    expect(valid).toEqual([...PERMANENT, ...PRIMARY].sort((a, b) => a - b));
    expect(valid).toHaveLength(52);
    expect([11, 18, 48, 55, 85].every(isFdiTooth)).toBe(true);
    expect([0, 10, 19, 20, 49, 56, 59, 60, 86, 91, 11.5].some(isFdiTooth)).toBe(false);
  });
});

describe.each(DATABASES)('dental chart on %s', (kind) => {
  let t: TestApp;
  let dentist: SignedIn;
  let otherDoctor: SignedIn;
  let admin: SignedIn;
  let patientId: string;
  let portal: SignedIn;
  let treatmentId: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    patientId = (await t.createPatient({ firstName: 'Dolores', lastName: 'Muñoz Peña' })).id;
    [dentist, otherDoctor, admin, portal] = await Promise.all([
      t.signIn(['doctor']),
      t.signIn(['doctor']),
      t.signIn(['admin']),
      t.signIn(['patient'], { patientId }),
    ]);
    treatmentId = (await createTreatment(t)).id;
  });
  afterAll(() => t.close());

  const record = (payload: object, token = dentist.token, id = patientId) =>
    t.call({ method: 'POST', url: `/api/v1/patients/${id}/dental-chart/entries`, token, payload });
  const chart = async (token = dentist.token, id = patientId) => {
    const res = await t.call({ method: 'GET', url: `/api/v1/patients/${id}/dental-chart`, token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as {
      teeth: { tooth: number; entries: { id: string; finding?: string; currentFor: string[]; status?: string }[] }[];
    };
  };
  const history = (tooth: string | number, token = dentist.token) =>
    t.call({ method: 'GET', url: `/api/v1/patients/${patientId}/dental-chart/teeth/${tooth}/history`, token });

  it('accepts 11 and 55, refuses 19 and 56 with a 400 naming the tooth, and writes nothing then', async () => {
    for (const tooth of [11, 55]) {
      const ok = await record({ tooth, kind: 'finding', finding: 'sound' });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json()).toMatchObject({ tooth, kind: 'finding', finding: 'sound', surfaces: [] });
    }
    const before = await countRows(t, 'dental_chart_entries');
    for (const tooth of [19, 56, 10, 90, 0, 11.5, '11']) {
      const res = await record({ tooth, kind: 'finding', finding: 'caries' });
      expect(res.statusCode, String(tooth)).toBe(400);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain('body.tooth');
    }
    expect(await countRows(t, 'dental_chart_entries')).toBe(before);
    expect((await history(19)).statusCode).toBe(400);
    expect((await history(56)).statusCode).toBe(400);
    expect((await history(55)).statusCode).toBe(200);
  });

  it('refuses the database a tooth number the API would not take (the check constraint)', async () => {
    await expect(
      t.database.db.query(
        `insert into dental_chart_entries (patient_id, id, tooth, kind, finding, recorded_by)
         values ($1, $2, 19, 'finding', 'caries', $3)`,
        [patientId, randomUUID(), dentist.userId],
      ),
    ).rejects.toThrow(/check constraint/);
  });

  it('shows the latest entry per surface as the current state, and the whole history per tooth', async () => {
    const caries = await record({ tooth: 36, surfaces: ['occlusal', 'mesial'], kind: 'finding', finding: 'caries' });
    expect(caries.statusCode, caries.body).toBe(201);
    const planned = await record({
      tooth: 36,
      surfaces: ['occlusal'],
      kind: 'treatment',
      treatmentId,
      status: 'planned',
      note: 'Obturación de composite',
    });
    expect(planned.statusCode, planned.body).toBe(201);
    expect(planned.json()).toMatchObject({ treatmentName: 'Limpieza dental', status: 'planned' });
    const done = await record({ tooth: 36, surfaces: ['occlusal'], kind: 'treatment', treatmentId, status: 'done' });
    expect(done.statusCode).toBe(201);

    const tooth36 = (await chart()).teeth.find((x) => x.tooth === 36);
    // The caries is still current on the mesial surface; on the occlusal one the done treatment won.
    expect(tooth36?.entries.map((e) => [e.id, e.currentFor])).toEqual([
      [caries.json().id, ['mesial']],
      [done.json().id, ['occlusal']],
    ]);

    const res = await history(36);
    expect(res.statusCode).toBe(200);
    expect(res.json().entries.map((e: { id: string }) => e.id)).toEqual([
      caries.json().id,
      planned.json().id,
      done.json().id,
    ]);

    // A whole-tooth entry supersedes every surface: the tooth was extracted.
    const missing = await record({ tooth: 36, kind: 'finding', finding: 'missing' });
    const after = (await chart()).teeth.find((x) => x.tooth === 36);
    expect(after?.entries).toHaveLength(1);
    expect(after?.entries[0]).toMatchObject({
      id: missing.json().id,
      currentFor: ['whole', 'mesial', 'distal', 'occlusal', 'buccal', 'lingual'],
    });
    expect((await history(36)).json().entries).toHaveLength(4);
  });

  it('never edits an entry: the database refuses UPDATE and DELETE', async () => {
    const entry = (await record({ tooth: 21, kind: 'finding', finding: 'fracture' })).json();
    await expect(
      t.database.db.query(`update dental_chart_entries set finding = 'sound' where id = $1`, [entry.id]),
    ).rejects.toThrow(/never changed/);
    await expect(t.database.db.query('delete from dental_chart_entries where id = $1', [entry.id])).rejects.toThrow(
      /never changed/,
    );
  });

  it('audits reads and writes and emits an event with ids only', async () => {
    const entry = (await record({ tooth: 47, surfaces: ['buccal'], kind: 'finding', finding: 'caries' })).json();
    const { rows: events } = await t.database.db.query<{ type: string; payload: object }>(
      `select type, payload from outbox where type = 'dental_chart.entry_recorded' and payload->>'entryId' = $1`,
      [entry.id],
    );
    expect(events).toEqual([{ type: 'dental_chart.entry_recorded', payload: { entryId: entry.id, patientId } }]);
    await chart(admin.token);
    const { rows } = await t.database.db.query<{ action: string; actor_id: string }>(
      `select action, actor_id from audit_events where patient_id = $1 and action like 'dental_chart.%'
        order by id desc limit 2`,
      [patientId],
    );
    expect(rows).toEqual([
      { action: 'dental_chart.read', actor_id: admin.userId },
      { action: 'dental_chart.record', actor_id: dentist.userId },
    ]);
  });

  it('checks the references: an unknown treatment, an appointment of someone else, a finding without its name', async () => {
    const stranger = await t.createPatient();
    const practitioner = await createPractitioner(t);
    const theirs = await bookAppointment(t, { patientId: stranger.id, practitionerId: practitioner.id, ...slot(5) });
    const ours = await bookAppointment(t, { patientId, practitionerId: practitioner.id, ...slot(5, 4) });
    const before = await countRows(t, 'dental_chart_entries');
    const bad = [
      [{ tooth: 11, kind: 'treatment', treatmentId: randomUUID(), status: 'done' }, 'body.treatmentId'],
      [{ tooth: 11, kind: 'finding', finding: 'caries', appointmentId: theirs.id }, 'body.appointmentId'],
      [{ tooth: 11, kind: 'finding' }, 'body.finding'],
      [{ tooth: 11, kind: 'treatment', treatmentId }, 'body.status'],
      [{ tooth: 11, kind: 'finding', finding: 'caries', status: 'done' }, 'body.status'],
      [{ tooth: 11, kind: 'finding', finding: 'caries', surfaces: ['mesial', 'mesial'] }, 'body.surfaces'],
      [{ tooth: 11, kind: 'finding', finding: 'caries', surfaces: ['palatine'] }, 'body.surfaces.0'],
    ] as const;
    for (const [payload, path] of bad) {
      const res = await record(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect(await countRows(t, 'dental_chart_entries')).toBe(before);
    const linked = await record({ tooth: 11, kind: 'finding', finding: 'caries', appointmentId: ours.id });
    expect(linked.statusCode, linked.body).toBe(201);
    expect(
      (await record({ tooth: 11, kind: 'finding', finding: 'caries' }, dentist.token, randomUUID())).statusCode,
    ).toBe(404);
  });

  it('lets doctors write, doctors and admins read, the patient read only their own chart', async () => {
    const entry = { tooth: 12, kind: 'finding', finding: 'sound' };
    const staff = await Promise.all(
      (['admissions', 'results', 'pharmacist', 'agent', 'admin'] as const).map((r) => t.signIn([r])),
    );
    for (const s of staff) expect((await record(entry, s.token)).statusCode).toBe(403);
    expect((await record(entry, portal.token)).statusCode).toBe(403);
    expect((await record(entry, otherDoctor.token)).statusCode).toBe(201);

    const [admissions, results, pharmacist, agent] = staff;
    for (const s of [admissions, results, pharmacist, agent]) {
      const res = await t.call({ method: 'GET', url: `/api/v1/patients/${patientId}/dental-chart`, token: s?.token });
      expect(res.statusCode).toBe(403);
    }
    expect((await chart(portal.token)).teeth.length).toBeGreaterThan(0);
    expect((await history(36, portal.token)).statusCode).toBe(200);
    const other = await t.createPatient();
    const refused = await t.call({
      method: 'GET',
      url: `/api/v1/patients/${other.id}/dental-chart`,
      token: portal.token,
    });
    expect(refused.statusCode).toBe(403);
    const { rows } = await t.database.db.query<{ outcome: string }>(
      `select outcome from audit_events where patient_id = $1 and action = 'dental_chart.read'`,
      [other.id],
    );
    expect(rows).toEqual([{ outcome: 'denied' }]);
  });

  it('moves the chart with a patient merge, history and all', async () => {
    const survivor = await t.createPatient({ firstName: 'Superviviente' });
    const duplicate = await t.createPatient({ firstName: 'Duplicado' });
    await record({ tooth: 85, kind: 'finding', finding: 'caries' }, dentist.token, duplicate.id);
    await record({ tooth: 85, kind: 'finding', finding: 'filling' }, dentist.token, duplicate.id);
    await t.app.clinica.patients.merge(survivor.id, duplicate.id, SYSTEM_CONTEXT);
    const moved = await chart(dentist.token, survivor.id);
    expect(moved.teeth.map((x) => [x.tooth, x.entries.map((e) => e.finding)])).toEqual([[85, ['filling']]]);
    const { rows } = await t.database.db.query<{ n: number }>(
      'select count(*)::int as n from dental_chart_entries where patient_id = $1',
      [survivor.id],
    );
    expect(rows[0]?.n).toBe(2);
    expect((await chart(dentist.token, duplicate.id)).teeth).toEqual([]);
  });
});
