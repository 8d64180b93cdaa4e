import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noteContentHash } from '../src/modules/clinical/notes.repository.js';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { clinicalCounts, draftNote, openEncounter, written } from './support/clinical.js';
import { DATABASES } from './support/databases.js';
import { bookAppointment, createPractitioner, slot } from './support/scheduling.js';

describe.each(DATABASES)('clinical record on %s', (kind) => {
  let t: TestApp;
  let doctor: SignedIn;
  let colleague: SignedIn;
  let desk: SignedIn;
  let lab: SignedIn;

  beforeAll(async () => {
    t = await createTestApp(kind);
    [doctor, colleague, desk, lab] = await Promise.all([
      t.signIn(['doctor']),
      t.signIn(['doctor']),
      t.signIn(['admissions']),
      t.signIn(['results']),
    ]);
  });
  afterAll(() => t.close());

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, token: string, payload?: object) =>
    t.call({ method, url: `/api/v1${url}`, token, ...(payload ? { payload } : {}) });
  const eventsOf = async (aggregateId: string) =>
    (
      await t.database.db.query<{ type: string; payload: Record<string, unknown> }>(
        'select type, payload from outbox where aggregate_id = $1 order by occurred_at, id',
        [aggregateId],
      )
    ).rows;

  describe('SOAP notes', () => {
    it('goes draft -> sign by its author -> read-only (API and database) -> corrected by a signed addendum', async () => {
      const patient = await t.createPatient();
      const encounter = await openEncounter(t, doctor.token, patient.id);
      let before = await clinicalCounts(t);
      const note = await draftNote(t, doctor.token, patient.id, encounter.id);
      expect(written(before, await clinicalCounts(t))).toEqual({ clinical_notes: 1, outbox: 1, audit_events: 1 });

      // The author edits the draft; a colleague may neither edit nor sign it.
      const edit = await api('PATCH', `/patients/${patient.id}/notes/${note.id}`, doctor.token, {
        plan: 'Control en 1 semana.',
      });
      expect(edit.statusCode, edit.body).toBe(200);
      expect(edit.json()).toMatchObject({ status: 'draft', plan: 'Control en 1 semana.', authorId: doctor.userId });
      before = await clinicalCounts(t);
      const foreignSign = await api('POST', `/patients/${patient.id}/notes/${note.id}/sign`, colleague.token);
      expect(foreignSign.statusCode).toBe(403);
      const foreignEdit = await api('PATCH', `/patients/${patient.id}/notes/${note.id}`, colleague.token, {
        plan: 'x',
      });
      expect(foreignEdit.statusCode).toBe(403);
      expect(written(before, await clinicalCounts(t))).toEqual({});

      const signed = await api('POST', `/patients/${patient.id}/notes/${note.id}/sign`, doctor.token);
      expect(signed.statusCode, signed.body).toBe(200);
      const s = signed.json();
      expect(s).toMatchObject({
        status: 'signed',
        signedBy: doctor.userId,
        contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(
        noteContentHash({
          id: s.id,
          encounterId: s.encounterId,
          authorId: s.authorId,
          amends: null,
          soap: s,
          signedBy: s.signedBy,
          signedAt: s.signedAt,
        }),
      ).toBe(s.contentHash);
      expect((await eventsOf(note.id)).map((e) => e.type)).toEqual(['note.drafted', 'note.updated', 'note.signed']);

      // Read-only from now on: the API refuses, writing nothing, and so does the database itself.
      before = await clinicalCounts(t);
      const again = await api('PATCH', `/patients/${patient.id}/notes/${note.id}`, doctor.token, { plan: 'Cambiado' });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'note_signed' });
      expect((await api('POST', `/patients/${patient.id}/notes/${note.id}/sign`, doctor.token)).statusCode).toBe(409);
      expect(written(before, await clinicalCounts(t))).toEqual({});
      await expect(
        t.database.db.query(`update clinical_notes set plan = 'falsificado' where id = $1`, [note.id]),
      ).rejects.toThrow(/signed and cannot be changed/);
      await expect(t.database.db.query('delete from clinical_notes where id = $1', [note.id])).rejects.toThrow(
        /signed and cannot be changed/,
      );
      const stored = await t.database.db.query<{ plan: string }>('select plan from clinical_notes where id = $1', [
        note.id,
      ]);
      expect(stored.rows[0]?.plan).toBe('Control en 1 semana.');

      // The correction: a new signed note referencing the signed one.
      before = await clinicalCounts(t);
      const addendum = await api('POST', `/patients/${patient.id}/notes/${note.id}/addenda`, colleague.token, {
        assessment: 'Corrección: la TA se tomó tras esfuerzo.',
      });
      expect(addendum.statusCode, addendum.body).toBe(201);
      expect(addendum.json()).toMatchObject({
        amends: note.id,
        status: 'signed',
        authorId: colleague.userId,
        signedBy: colleague.userId,
        encounterId: encounter.id,
        contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(written(before, await clinicalCounts(t))).toEqual({ clinical_notes: 1, outbox: 1, audit_events: 1 });
      expect(await eventsOf(addendum.json().id)).toEqual([
        {
          type: 'note.amended',
          payload: {
            noteId: addendum.json().id,
            amendsNoteId: note.id,
            encounterId: encounter.id,
            patientId: patient.id,
          },
        },
      ]);
      // A draft is edited, not amended.
      const draft = await draftNote(t, doctor.token, patient.id, encounter.id);
      const early = await api('POST', `/patients/${patient.id}/notes/${draft.id}/addenda`, doctor.token, { plan: 'x' });
      expect(early.statusCode).toBe(409);
    });

    it('refuses an empty note, an encounter of another patient and a cancelled encounter, writing nothing', async () => {
      const [patient, other] = await Promise.all([t.createPatient(), t.createPatient()]);
      const theirs = await openEncounter(t, doctor.token, other.id);
      const mine = await openEncounter(t, doctor.token, patient.id);
      const before = await clinicalCounts(t);
      const post = (payload: object) => api('POST', `/patients/${patient.id}/notes`, doctor.token, payload);
      const empty = await post({ encounterId: mine.id, subjective: '   ' });
      expect(empty.statusCode).toBe(400);
      const foreign = await post({ encounterId: theirs.id, subjective: 'x' });
      expect(foreign.statusCode).toBe(400);
      expect(foreign.json().errors[0].path).toBe('body.encounterId');
      expect(written(before, await clinicalCounts(t))).toEqual({});
      const cancel = await api('PATCH', `/patients/${patient.id}/encounters/${mine.id}`, doctor.token, {
        status: 'cancelled',
      });
      expect(cancel.statusCode, cancel.body).toBe(200);
      expect((await eventsOf(mine.id)).map((e) => e.type)).toEqual(['encounter.opened', 'encounter.cancelled']);
      expect((await post({ encounterId: mine.id, subjective: 'x' })).statusCode).toBe(409);
    });
  });

  describe('encounters', () => {
    it('opens, edits and discharges an admission; refuses links to others and changes once finished', async () => {
      const patient = await t.createPatient();
      const other = await t.createPatient();
      const practitioner = await createPractitioner(t);
      const appointment = await bookAppointment(t, {
        patientId: patient.id,
        practitionerId: practitioner.id,
        ...slot(3, 4),
      });
      const theirs = await bookAppointment(t, { patientId: other.id, practitionerId: practitioner.id, ...slot(3, 8) });
      const admittedAt = new Date(Date.now() - 3 * 3_600_000).toISOString();
      const opened = await api('POST', `/patients/${patient.id}/encounters`, desk.token, {
        kind: 'inpatient',
        reason: 'Neumonía',
        service: 'Neumología',
        practitionerId: practitioner.id,
        appointmentId: appointment.id,
        admittedAt,
      });
      expect(opened.statusCode, opened.body).toBe(201);
      const e = opened.json();
      expect(e).toMatchObject({ kind: 'inpatient', status: 'in_progress', admittedAt, createdBy: desk.userId });

      const before = await clinicalCounts(t);
      const bad = [
        { appointmentId: theirs.id },
        { practitionerId: '00000000-0000-4000-8000-000000000000' },
        { admittedAt: new Date(Date.now() + 3_600_000).toISOString() },
      ];
      for (const change of bad) {
        const res = await api('PATCH', `/patients/${patient.id}/encounters/${e.id}`, desk.token, change);
        expect(res.statusCode, JSON.stringify(change)).toBe(400);
      }
      const early = await api('POST', `/patients/${patient.id}/encounters/${e.id}/discharge`, desk.token, {
        dischargedAt: new Date(Date.now() - 4 * 3_600_000).toISOString(),
      });
      expect(early.statusCode).toBe(400);
      expect(early.json().errors[0].path).toBe('body.dischargedAt');
      expect(written(before, await clinicalCounts(t))).toEqual({});

      const edited = await api('PATCH', `/patients/${patient.id}/encounters/${e.id}`, doctor.token, {
        service: 'UCI',
        reason: null,
      });
      expect(edited.json()).toMatchObject({ service: 'UCI' });
      expect(edited.json().reason).toBeUndefined();
      const out = await api('POST', `/patients/${patient.id}/encounters/${e.id}/discharge`, desk.token, {
        summary: 'Alta a domicilio',
      });
      expect(out.statusCode, out.body).toBe(200);
      expect(out.json()).toMatchObject({
        status: 'finished',
        dischargeSummary: 'Alta a domicilio',
        dischargedAt: expect.any(String),
      });
      expect(
        (await api('POST', `/patients/${patient.id}/encounters/${e.id}/discharge`, desk.token, {})).statusCode,
      ).toBe(409);
      expect(
        (await api('PATCH', `/patients/${patient.id}/encounters/${e.id}`, desk.token, { service: 'X' })).statusCode,
      ).toBe(409);
      expect((await eventsOf(e.id)).map((x) => x.type)).toEqual([
        'encounter.opened',
        'encounter.updated',
        'encounter.discharged',
      ]);

      const list = await api('GET', `/patients/${patient.id}/encounters?status=finished`, desk.token);
      expect(list.json().items.map((i: { id: string }) => i.id)).toEqual([e.id]);
      const unknown = await api('GET', `/patients/${patient.id}/encounters/${theirs.id}`, doctor.token);
      expect(unknown.statusCode).toBe(404);
    });
  });

  describe('who sees what', () => {
    it('keeps admissions to encounters, the results desk to results, and patients to their own finished record', async () => {
      const patient = await t.createPatient();
      const stranger = await t.createPatient();
      const portal = await t.signIn(['patient'], { patientId: patient.id });
      const encounter = await openEncounter(t, doctor.token, patient.id);
      const signedNote = await draftNote(t, doctor.token, patient.id, encounter.id);
      await api('POST', `/patients/${patient.id}/notes/${signedNote.id}/sign`, doctor.token);
      const draft = await draftNote(t, doctor.token, patient.id, encounter.id);
      const result = (status: string, value: number) =>
        api('POST', `/patients/${patient.id}/results`, lab.token, {
          testName: 'Glucosa',
          valueQuantity: value,
          unit: 'mg/dL',
          referenceLow: 70,
          referenceHigh: 110,
          status,
          observedAt: new Date().toISOString(),
        });
      const final = await result('final', 95);
      expect(final.statusCode, final.body).toBe(201);
      const preliminary = await result('preliminary', 130);
      expect(preliminary.statusCode).toBe(201);
      const p = `/patients/${patient.id}`;

      // Admissions: encounters only.
      expect((await api('GET', `${p}/encounters`, desk.token)).statusCode).toBe(200);
      for (const url of ['notes', 'diagnoses', 'vital-signs', 'results', 'clinical-summary']) {
        expect((await api('GET', `${p}/${url}`, desk.token)).statusCode, url).toBe(403);
      }
      expect((await api('POST', `${p}/vital-signs`, desk.token, { heartRate: 70 })).statusCode).toBe(403);
      // Results desk: results only, including preliminary ones.
      expect((await api('GET', `${p}/results`, lab.token)).json().items).toHaveLength(2);
      for (const url of ['encounters', 'notes', 'diagnoses', 'vital-signs', 'clinical-summary']) {
        expect((await api('GET', `${p}/${url}`, lab.token)).statusCode, url).toBe(403);
      }
      expect((await api('POST', `${p}/diagnoses`, lab.token, { code: 'I10' })).statusCode).toBe(403);
      // The patient: own signed notes and released results; never drafts or preliminary results.
      const notes = await api('GET', `${p}/notes`, portal.token);
      expect(notes.json().items.map((n: { id: string }) => n.id)).toEqual([signedNote.id]);
      expect((await api('GET', `${p}/notes/${draft.id}`, portal.token)).statusCode).toBe(404);
      expect((await api('GET', `${p}/notes/${draft.id}`, doctor.token)).statusCode).toBe(200);
      const results = await api('GET', `${p}/results`, portal.token);
      expect(results.json().items.map((r: { id: string }) => r.id)).toEqual([final.json().id]);
      expect((await api('GET', `${p}/results/${preliminary.json().id}`, portal.token)).statusCode).toBe(404);
      const summary = await api('GET', `${p}/clinical-summary`, portal.token);
      expect(summary.json().recentResults).toHaveLength(1);
      expect((await api('POST', `${p}/notes`, portal.token, { encounterId: encounter.id, plan: 'x' })).statusCode).toBe(
        403,
      );
      // Another patient's record: refused, and the refusal is audited.
      const denied = await t.database.db.query<{ n: number }>(
        `select count(*)::int as n from audit_events where patient_id = $1 and outcome = 'denied'`,
        [stranger.id],
      );
      for (const url of ['encounters', 'notes', 'diagnoses', 'vital-signs', 'results', 'clinical-summary']) {
        expect((await api('GET', `/patients/${stranger.id}/${url}`, portal.token)).statusCode, url).toBe(403);
      }
      const after = await t.database.db.query<{ n: number }>(
        `select count(*)::int as n from audit_events where patient_id = $1 and outcome = 'denied'`,
        [stranger.id],
      );
      expect((after.rows[0]?.n ?? 0) - (denied.rows[0]?.n ?? 0)).toBe(6);
    });

    it('audits every read of clinical data', async () => {
      const patient = await t.createPatient();
      const reads = ['encounters', 'notes', 'diagnoses', 'vital-signs', 'results', 'clinical-summary'];
      for (const url of reads) {
        const before = await clinicalCounts(t);
        const res = await api('GET', `/patients/${patient.id}/${url}`, doctor.token);
        expect(res.statusCode, url).toBe(200);
        expect(written(before, await clinicalCounts(t)), url).toEqual({ audit_events: 1 });
      }
      const { rows } = await t.database.db.query<{ action: string; actor_id: string }>(
        'select action, actor_id from audit_events where patient_id = $1 order by id',
        [patient.id],
      );
      expect(rows.slice(-6).map((r) => r.action)).toEqual([
        'encounter.search',
        'note.search',
        'diagnosis.search',
        'vitals.search',
        'result.search',
        'clinical_summary.read',
      ]);
      expect(rows.slice(-6).every((r) => r.actor_id === doctor.userId)).toBe(true);
    });
  });
});
