import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countIcd10 } from '../src/modules/clinical/icd10.repository.js';
import { importIcd10File, parseIcd10Line } from '../src/modules/clinical/icd10-import.js';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { clinica } from './support/cli.js';
import { clinicalCounts, draftNote, openEncounter, written } from './support/clinical.js';
import { DATABASES } from './support/databases.js';

describe.each(DATABASES)('ICD-10, vitals, results, summary and merge on %s', (kind) => {
  let t: TestApp;
  let doctor: SignedIn;
  let lab: SignedIn;
  let desk: SignedIn;

  beforeAll(async () => {
    t = await createTestApp(kind);
    [doctor, lab, desk] = await Promise.all([t.signIn(['doctor']), t.signIn(['results']), t.signIn(['admissions'])]);
  });
  afterAll(() => t.close());

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, token: string, payload?: object) =>
    t.call({ method, url: `/api/v1${url}`, token, ...(payload ? { payload } : {}) });
  const icd = async (q: string) => {
    const res = await api('GET', `/icd10?q=${encodeURIComponent(q)}`, desk.token);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as { code: string; title: string }[];
  };

  describe('ICD-10', () => {
    it('ships at least 500 codes from every chapter, dental ones in detail', async () => {
      expect(await countIcd10(t.database.db)).toBeGreaterThanOrEqual(500);
      const { rows } = await t.database.db.query<{ letter: string }>(
        'select distinct left(code, 1) as letter from icd10_codes order by 1',
      );
      expect(rows.map((r) => r.letter).join('')).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
      const { rows: dental } = await t.database.db.query<{ n: number }>(
        `select count(*)::int as n from icd10_codes where code between 'K00' and 'K14.9'`,
      );
      expect(dental[0]?.n).toBeGreaterThan(60);
    });

    it('finds codes by prefix, with or without the dot, and by words of the title regardless of case and accents', async () => {
      const e11 = await icd('E11');
      expect(e11[0]).toEqual({ code: 'E11', title: 'Type 2 diabetes mellitus' });
      expect(e11.every((c) => c.code.startsWith('E11'))).toBe(true);
      expect((await icd('k02.5')).map((c) => c.code)).toEqual(['K02.5', 'K02.51', 'K02.52', 'K02.53']);
      expect((await icd('K0251'))[0]?.code).toBe('K02.51');
      expect((await icd('i10'))[0]).toEqual({ code: 'I10', title: 'Essential (primary) hypertension' });
      expect((await icd('asthma')).map((c) => c.code)).toContain('J45');
      const caries = await icd('Dental CARIES');
      expect(caries.map((c) => c.code)).toContain('K02');
      // Every word, anywhere in the title: "Dental root caries" matches too.
      expect(caries.every((c) => /dental/i.test(c.title) && /caries/i.test(c.title))).toBe(true);
      expect(caries.map((c) => c.code)).toContain('K02.7');
      expect((await icd('gingivitis periodontal')).map((c) => c.code)).toContain('K05');
      expect((await icd('diabetes type 2 periodontal')).map((c) => c.code)).toEqual(['E11.630']);
      expect((await icd('sjogren')).map((c) => c.code)).toEqual(['M35.0']);
      expect((await icd('MÉNIÈRE')).map((c) => c.code)).toEqual(['H81.0']);
      expect(await icd('100%_')).toEqual([]);
      expect(await icd('xyzzy')).toEqual([]);
      expect(await icd('disease')).toHaveLength(20);
      const bad = await api('GET', `/icd10?q=${'x'.repeat(101)}`, desk.token);
      expect(bad.statusCode).toBe(400);
      expect((await api('GET', '/icd10', desk.token)).json().errors[0].path).toBe('querystring.q');
    });

    it('records diagnoses with known codes only, and changes their status', async () => {
      const patient = await t.createPatient();
      const before = await clinicalCounts(t);
      const unknown = await api('POST', `/patients/${patient.id}/diagnoses`, doctor.token, { code: 'Z99.999' });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().errors[0].path).toBe('body.code');
      expect(
        (await api('POST', `/patients/${patient.id}/diagnoses`, doctor.token, { code: 'not a code' })).statusCode,
      ).toBe(400);
      expect(written(before, await clinicalCounts(t))).toEqual({});
      const dx = await api('POST', `/patients/${patient.id}/diagnoses`, doctor.token, {
        code: 'e119',
        onsetDate: '2020-03-01',
      });
      expect(dx.statusCode, dx.body).toBe(201);
      expect(dx.json()).toMatchObject({
        code: 'E11.9',
        display: 'Type 2 diabetes mellitus without complications',
        status: 'active',
        onsetDate: '2020-03-01',
        recordedBy: doctor.userId,
      });
      expect(written(before, await clinicalCounts(t))).toEqual({ diagnoses: 1, outbox: 1, audit_events: 1 });
      const resolved = await api('PATCH', `/patients/${patient.id}/diagnoses/${dx.json().id}`, doctor.token, {
        status: 'resolved',
      });
      expect(resolved.json().status).toBe('resolved');
      const { rows } = await t.database.db.query<{ type: string; payload: unknown }>(
        'select type, payload from outbox where aggregate_id = $1 order by occurred_at',
        [dx.json().id],
      );
      expect(rows).toEqual([
        {
          type: 'diagnosis.recorded',
          payload: { diagnosisId: dx.json().id, patientId: patient.id, encounterId: null },
        },
        {
          type: 'diagnosis.updated',
          payload: { diagnosisId: dx.json().id, patientId: patient.id, changedFields: ['status'] },
        },
      ]);
    });

    it('imports a CMS code file (adding and retitling codes) and leaves the list untouched on a bad line', async () => {
      expect(parseIcd10Line('E119    Type 2 diabetes mellitus without complications', 1)).toEqual({
        code: 'E11.9',
        title: 'Type 2 diabetes mellitus without complications',
      });
      expect(parseIcd10Line('   ', 2)).toBeNull();
      expect(() => parseIcd10Line('not-a-code Something', 3)).toThrow(/line 3/);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icd10-'));
      const good = path.join(dir, 'icd10cm_codes_2026.txt');
      fs.writeFileSync(
        good,
        [
          'A000    Cholera due to Vibrio cholerae 01, biovar cholerae',
          'I10     Essential (primary) hypertension',
          'V0001XA Pedestrian injured in collision with roller-skater, initial encounter',
          '',
        ].join('\r\n'),
      );
      const before = await countIcd10(t.database.db);
      const progress: number[] = [];
      const n = await importIcd10File(t.database.db, good, {
        start: () => {},
        update: (_bytes, codes) => progress.push(codes),
        stop: () => {},
      });
      expect(n).toBe(3);
      expect(progress.at(-1)).toBe(3);
      expect(await countIcd10(t.database.db)).toBe(before + 2);
      expect((await icd('V00.01XA'))[0]?.title).toMatch(/roller-skater/);
      const bad = path.join(dir, 'broken.txt');
      fs.writeFileSync(bad, 'B000    Eczema herpeticum\n???\n');
      await expect(importIcd10File(t.database.db, bad)).rejects.toThrow(/line 2/);
      expect(await countIcd10(t.database.db)).toBe(before + 2);
      expect(await icd('B00.0')).toEqual([]);
    });
  });

  describe('vital signs', () => {
    it('computes the BMI and refuses values outside physiological bounds, naming the field, writing nothing', async () => {
      const patient = await t.createPatient();
      const url = `/patients/${patient.id}/vital-signs`;
      const ok = await api('POST', url, doctor.token, {
        systolic: 128,
        diastolic: 82,
        heartRate: 72,
        respiratoryRate: 14,
        temperatureC: 36.6,
        spo2: 98,
        weightKg: 70,
        heightCm: 175,
      });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json()).toMatchObject({
        temperatureC: 36.6,
        weightKg: 70,
        heightCm: 175,
        bmi: 22.9,
        recordedBy: doctor.userId,
      });
      const before = await clinicalCounts(t);
      const nonsense: [object, string][] = [
        [{ temperatureC: 375 }, 'body.temperatureC'],
        [{ spo2: 120 }, 'body.spo2'],
        [{ heartRate: 0 }, 'body.heartRate'],
        [{ heartRate: 72.5 }, 'body.heartRate'],
        [{ weightKg: -3 }, 'body.weightKg'],
        [{ heightCm: 1750 }, 'body.heightCm'],
        [{ systolic: 80, diastolic: 120 }, 'body.diastolic'],
        [{ systolic: 120 }, 'body.diastolic'],
        [{ heartRate: 70, measuredAt: new Date(Date.now() + 86_400_000).toISOString() }, 'body.measuredAt'],
        [{}, 'body'],
      ];
      for (const [payload, path] of nonsense) {
        const res = await api('POST', url, doctor.token, payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(
          res.json().errors.map((e: { path: string }) => e.path),
          JSON.stringify(payload),
        ).toContain(path);
      }
      expect(written(before, await clinicalCounts(t))).toEqual({});
      // The database holds the same bounds, whatever writes to it.
      await expect(
        t.database.db.query(
          `insert into vital_signs (patient_id, id, measured_at, temperature_c) values ($1, gen_random_uuid(), now(), 375)`,
          [patient.id],
        ),
      ).rejects.toThrow();
    });
  });

  describe('results', () => {
    it('flags numeric values low, normal, high or critical, leaves text unflagged, and amends final results', async () => {
      const patient = await t.createPatient();
      const post = (payload: object) =>
        api('POST', `/patients/${patient.id}/results`, lab.token, {
          testName: 'Potasio',
          testCode: '2823-3',
          unit: 'mmol/L',
          referenceLow: 3.5,
          referenceHigh: 5.1,
          criticalLow: 2.5,
          criticalHigh: 6.5,
          observedAt: new Date().toISOString(),
          performer: 'Laboratorio central',
          ...payload,
        });
      const flags = [];
      for (const v of [3.1, 4.2, 5.1, 5.6, 6.5, 2.0]) flags.push((await post({ valueQuantity: v })).json().flag);
      expect(flags).toEqual(['low', 'normal', 'normal', 'high', 'critical', 'critical']);
      const text = await post({ valueQuantity: undefined, valueText: 'Hemolizada', status: 'preliminary' });
      expect(text.statusCode, text.body).toBe(201);
      expect(text.json().flag).toBeUndefined();
      const noLimits = await api('POST', `/patients/${patient.id}/results`, lab.token, {
        testName: 'PCR',
        valueQuantity: 12,
        observedAt: new Date().toISOString(),
      });
      expect(noLimits.json()).toMatchObject({ status: 'final', valueQuantity: 12 });
      expect(noLimits.json().flag).toBeUndefined();

      const before = await clinicalCounts(t);
      for (const payload of [
        { valueQuantity: 4, valueText: 'x' },
        { valueQuantity: undefined },
        { valueQuantity: 4, referenceLow: 6 },
        { valueQuantity: 'four' },
      ]) {
        expect((await post(payload)).statusCode, JSON.stringify(payload)).toBe(400);
      }
      expect(written(before, await clinicalCounts(t))).toEqual({});

      // A preliminary result becomes final; a change to a released one makes it amended.
      const id = text.json().id;
      const final = await api('PATCH', `/patients/${patient.id}/results/${id}`, lab.token, {
        valueQuantity: 4.0,
        status: 'final',
      });
      expect(final.json()).toMatchObject({ status: 'final', valueQuantity: 4, flag: 'normal' });
      expect(final.json().valueText).toBeUndefined();
      const amended = await api('PATCH', `/patients/${patient.id}/results/${id}`, doctor.token, { valueQuantity: 7 });
      expect(amended.json()).toMatchObject({ status: 'amended', flag: 'critical' });
      const back = await api('PATCH', `/patients/${patient.id}/results/${id}`, lab.token, { status: 'preliminary' });
      expect(back.statusCode).toBe(409);
      const crossed = await api('PATCH', `/patients/${patient.id}/results/${id}`, lab.token, { referenceHigh: 3 });
      expect(crossed.statusCode).toBe(400);
      expect(crossed.json().errors[0].path).toBe('body.referenceHigh');
      const { rows } = await t.database.db.query<{ type: string; payload: Record<string, unknown> }>(
        'select type, payload from outbox where aggregate_id = $1 order by occurred_at',
        [id],
      );
      expect(rows.map((r) => [r.type, r.payload.status])).toEqual([
        ['result.recorded', 'preliminary'],
        ['result.updated', 'final'],
        ['result.updated', 'amended'],
      ]);
    });
  });

  describe('summary and merge', () => {
    it('summarises the record for the doctor workspace, allergies from the patient record', async () => {
      const patient = await t.createPatient({ allergies: ['Penicilina'] });
      const encounter = await openEncounter(t, doctor.token, patient.id);
      await api('POST', `/patients/${patient.id}/diagnoses`, doctor.token, { code: 'J45', encounterId: encounter.id });
      const ruledOut = await api('POST', `/patients/${patient.id}/diagnoses`, doctor.token, {
        code: 'I10',
        status: 'ruled_out',
      });
      expect(ruledOut.statusCode).toBe(201);
      await api('POST', `/patients/${patient.id}/vital-signs`, doctor.token, {
        heartRate: 90,
        measuredAt: new Date(Date.now() - 3_600_000).toISOString(),
      });
      await api('POST', `/patients/${patient.id}/vital-signs`, doctor.token, { heartRate: 80 });
      const res = await api('GET', `/patients/${patient.id}/clinical-summary`, doctor.token);
      expect(res.statusCode, res.body).toBe(200);
      const s = res.json();
      expect(s.allergies).toEqual(['Penicilina']);
      expect(s.activeDiagnoses.map((d: { code: string }) => d.code)).toEqual(['J45']);
      expect(s.lastVitals.heartRate).toBe(80);
      expect(s.openEncounters.map((e: { id: string }) => e.id)).toEqual([encounter.id]);
      expect(s.recentResults).toEqual([]);
    });

    it('moves every clinical row of a merged duplicate to the survivor, signed notes intact', async () => {
      const [survivor, duplicate] = await Promise.all([t.createPatient(), t.createPatient()]);
      const encounter = await openEncounter(t, doctor.token, duplicate.id);
      const note = await draftNote(t, doctor.token, duplicate.id, encounter.id);
      const signed = (await api('POST', `/patients/${duplicate.id}/notes/${note.id}/sign`, doctor.token)).json();
      const addendum = await api('POST', `/patients/${duplicate.id}/notes/${note.id}/addenda`, doctor.token, {
        plan: 'Añadido',
      });
      expect(addendum.statusCode).toBe(201);
      await draftNote(t, doctor.token, duplicate.id, encounter.id);
      await api('POST', `/patients/${duplicate.id}/diagnoses`, doctor.token, {
        code: 'K02.9',
        encounterId: encounter.id,
      });
      await api('POST', `/patients/${duplicate.id}/vital-signs`, doctor.token, { spo2: 97, encounterId: encounter.id });
      await api('POST', `/patients/${duplicate.id}/results`, lab.token, {
        testName: 'Hb',
        valueQuantity: 13,
        observedAt: new Date().toISOString(),
      });
      const rowsOf = async (patientId: string) =>
        Object.fromEntries(
          await Promise.all(
            ['encounters', 'clinical_notes', 'diagnoses', 'vital_signs', 'results'].map(async (table) => {
              const { rows } = await t.database.db.query<{ n: number }>(
                `select count(*)::int as n from ${table} where patient_id = $1`,
                [patientId],
              );
              return [table, rows[0]?.n];
            }),
          ),
        );
      const moving = await rowsOf(duplicate.id);
      expect(moving).toEqual({ encounters: 1, clinical_notes: 3, diagnoses: 1, vital_signs: 1, results: 1 });

      const merge = await api('POST', `/patients/${survivor.id}/merge`, desk.token, { duplicateId: duplicate.id });
      expect(merge.statusCode, merge.body).toBe(200);
      expect(await rowsOf(survivor.id)).toEqual(moving);
      expect(await rowsOf(duplicate.id)).toEqual({
        encounters: 0,
        clinical_notes: 0,
        diagnoses: 0,
        vital_signs: 0,
        results: 0,
      });
      const moved = await api('GET', `/patients/${survivor.id}/notes/${note.id}`, doctor.token);
      expect(moved.json()).toMatchObject({
        status: 'signed',
        contentHash: signed.contentHash,
        signedAt: signed.signedAt,
        patientId: survivor.id,
      });
      // Still read-only under the survivor, and the tombstone takes no new rows.
      await expect(
        t.database.db.query(`update clinical_notes set plan = 'x' where id = $1`, [note.id]),
      ).rejects.toThrow(/signed/);
      const late = await api('POST', `/patients/${duplicate.id}/vital-signs`, doctor.token, { spo2: 95 });
      expect(late.statusCode).toBe(409);
    });
  });
});

describe('clinica import icd10', () => {
  it('loads a CMS code file into the embedded database and refuses a malformed one as a whole', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clinica-icd10-cli-'));
    const env = { DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent' };
    const file = path.join(dir, 'icd10cm_codes_2026.txt');
    fs.writeFileSync(
      file,
      'A000    Cholera due to Vibrio cholerae 01, biovar cholerae\nI10     Essential (primary) hypertension\n',
    );
    const ok = await clinica(['import', 'icd10', file], { env });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Read 2 ICD-10 codes from icd10cm_codes_2026\.txt: 1 new, \d+ in the catalogue\./);
    fs.writeFileSync(file, 'A000 Cholera\nthis is not a code line\n');
    const bad = await clinica(['import', 'icd10', file], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/line 2 .*nothing was imported/);
  }, 120_000);
});
