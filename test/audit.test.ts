import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAuditRecord } from '../src/platform/audit/audit.js';
import { recordOf, type StoredEntry, sealAuditTrail, verifyAuditTrail } from '../src/platform/audit/seal.js';
import type { Queryable } from '../src/platform/db/database.js';
import type { RequestContext } from '../src/platform/http/access.js';
import { countRows, createTestApp, patientInput, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';

type EventRow = StoredEntry;

interface ApiEvent {
  id: string;
  occurredAt: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  patientId: string | null;
  outcome: string;
  requestId: string | null;
  sealed: boolean;
}

const ANONYMOUS: RequestContext = { actor: null, ip: '10.0.0.9', userAgent: 'audit-test', requestId: 'audit-test' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DATABASES)('audit trail on %s', (kind) => {
  let t: TestApp;
  let desk: SignedIn;
  let doctor: SignedIn;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await createTestApp(kind);
    desk = await t.signIn(['admissions']);
    doctor = await t.signIn(['doctor']);
    admin = await t.signIn(['admin']);
  });
  afterAll(() => t.close());

  const q = <T = EventRow>(sql: string, params: unknown[] = []) =>
    t.database.db.query<T>(sql, params).then((r) => r.rows);
  const eventsOf = (action: string, patientId: string) =>
    q('select * from audit_events where action = $1 and patient_id = $2 order by id', [action, patientId]);
  const eventsOfRequest = (requestId: string) =>
    q('select * from audit_events where request_id = $1 order by id', [requestId]);
  /** Rows of audit_events matching a condition. */
  const countEvents = async (where: string) =>
    (await q<{ n: number }>(`select count(*)::int as n from audit_events where ${where}`))[0]?.n;
  const requestIdOf = (res: { headers: Record<string, unknown> }) => {
    const id = res.headers['x-request-id'];
    expect(typeof id).toBe('string');
    return id as string;
  };

  /** Runs `fn` with the append-only triggers switched off (as the tables' owner could), in one transaction. */
  const bypassingTrigger = (fn: (tx: Queryable) => Promise<void>) =>
    t.database.db.transaction(async (tx) => {
      await tx.exec('alter table audit_events disable trigger user; alter table audit_seals disable trigger user');
      await fn(tx);
      await tx.exec('alter table audit_events enable trigger user; alter table audit_seals enable trigger user');
    });

  describe('changes are audited in their own transaction', () => {
    it('a registered patient yields exactly one patient.create entry with who, where and which request', async () => {
      const res = await t.call({
        method: 'POST',
        url: '/api/v1/patients',
        token: desk.token,
        headers: { 'user-agent': 'admissions-desk/2.1' },
        payload: patientInput(),
      });
      expect(res.statusCode).toBe(201);
      const patient = res.json();
      const requestId = requestIdOf(res);
      const rows = await eventsOf('patient.create', patient.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        actor_id: desk.userId,
        actor_roles: ['admissions'],
        resource_type: 'Patient',
        resource_id: patient.id,
        patient_id: patient.id,
        outcome: 'success',
        ip: '127.0.0.1',
        user_agent: 'admissions-desk/2.1',
        request_id: requestId,
      });
      expect(rows[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('a refused create (duplicate document) leaves no patient.create entry', async () => {
      const first = (
        await t.call({ method: 'POST', url: '/api/v1/patients', token: desk.token, payload: patientInput() })
      ).json();
      const creates = (await q(`select id from audit_events where action = 'patient.create'`)).length;
      const res = await t.call({
        method: 'POST',
        url: '/api/v1/patients',
        token: desk.token,
        payload: patientInput({ documentNumber: first.documentNumber }),
      });
      expect(res.statusCode).toBe(409);
      expect(await eventsOfRequest(requestIdOf(res))).toEqual([]);
      expect((await q(`select id from audit_events where action = 'patient.create'`)).length).toBe(creates);
    });

    it('a create that fails after its audit entry was written rolls the entry back with it', async () => {
      // The outbox insert comes after the audit write in the same transaction; make it fail.
      await t.database.db.exec(`
        create function refuse_outbox() returns trigger language plpgsql as $$
        begin raise exception 'outbox refused by the test'; end $$;
        create trigger refuse_outbox before insert on outbox for each row execute function refuse_outbox();`);
      try {
        const creates = (await q(`select id from audit_events where action = 'patient.create'`)).length;
        const patients = await countRows(t, 'patients');
        const res = await t.call({
          method: 'POST',
          url: '/api/v1/patients',
          token: desk.token,
          payload: patientInput(),
        });
        expect(res.statusCode).toBe(500);
        expect(res.body).not.toContain('outbox refused');
        expect(await eventsOfRequest(requestIdOf(res))).toEqual([]);
        expect((await q(`select id from audit_events where action = 'patient.create'`)).length).toBe(creates);
        expect(await countRows(t, 'patients')).toBe(patients);
      } finally {
        await t.database.db.exec('drop trigger refuse_outbox on outbox; drop function refuse_outbox();');
      }
      const after = await t.call({
        method: 'POST',
        url: '/api/v1/patients',
        token: desk.token,
        payload: patientInput(),
      });
      expect(after.statusCode).toBe(201);
      expect(await eventsOf('patient.create', after.json().id)).toHaveLength(1);
    });
  });

  describe('reads of health data are audited', () => {
    let a: { id: string }, b: { id: string };
    const lastName = `Auditado${randomUUID().slice(0, 6)}`;
    beforeAll(async () => {
      a = await t.createPatient({ firstName: 'Amparo', lastName });
      b = await t.createPatient({ firstName: 'Benito', lastName });
    });

    it('reading a patient writes patient.read for that patient before the answer leaves', async () => {
      const res = await t.call({ method: 'GET', url: `/api/v1/patients/${a.id}`, token: doctor.token });
      expect(res.statusCode).toBe(200);
      const rows = await eventsOfRequest(requestIdOf(res));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        action: 'patient.read',
        actor_id: doctor.userId,
        actor_roles: ['doctor'],
        patient_id: a.id,
        resource_id: a.id,
        outcome: 'success',
      });
    });

    it('a search writes patient.search naming every patient it returned', async () => {
      const res = await t.call({ method: 'GET', url: `/api/v1/patients?q=${lastName}`, token: doctor.token });
      expect(res.statusCode).toBe(200);
      const returned = res.json().items.map((p: { id: string }) => p.id);
      expect(returned.sort()).toEqual([a.id, b.id].sort());
      const rows = await eventsOfRequest(requestIdOf(res));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ action: 'patient.search', actor_id: doctor.userId, outcome: 'success' });
      expect(rows[0]?.details).toEqual({
        query: lastName,
        patientIds: res.json().items.map((p: { id: string }) => p.id),
      });
    });

    it("a patient trying to read another patient's record is recorded as denied", async () => {
      const portal = await t.signIn(['patient'], { patientId: a.id });
      const res = await t.call({ method: 'GET', url: `/api/v1/patients/${b.id}`, token: portal.token });
      expect(res.statusCode).toBe(403);
      const rows = await eventsOfRequest(requestIdOf(res));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        action: 'patient.read',
        outcome: 'denied',
        actor_id: portal.userId,
        actor_roles: ['patient'],
        patient_id: b.id,
      });
      const own = await t.call({ method: 'GET', url: `/api/v1/patients/${a.id}`, token: portal.token });
      expect(own.statusCode).toBe(200);
      expect(await eventsOfRequest(requestIdOf(own))).toMatchObject([{ action: 'patient.read', outcome: 'success' }]);
    });

    it('a read by an upper-case id is stored under the canonical id and keeps the trail verifiable', async () => {
      const res = await t.call({ method: 'GET', url: `/api/v1/patients/${a.id.toUpperCase()}`, token: doctor.token });
      expect(res.statusCode).toBe(200);
      const [row] = await eventsOfRequest(requestIdOf(res));
      expect(row?.patient_id).toBe(a.id);
      await sealAuditTrail(t.database.db);
      expect((await verifyAuditTrail(t.database.db)).problems).toEqual([]);
    });
  });

  describe('append-only at the database', () => {
    let entry: EventRow;
    beforeAll(async () => {
      await t.app.clinica.audit.record(ANONYMOUS, { action: 'test.append_only', details: { n: 1 } });
      [entry] = (await q(`select * from audit_events where action = 'test.append_only'`)) as [EventRow];
    });

    it('refuses UPDATE of an entry', async () => {
      await expect(q(`update audit_events set details = '{"n":2}' where id = $1`, [entry.id])).rejects.toMatchObject({
        code: '42501',
        message: expect.stringContaining('append-only'),
      });
      await expect(q(`update audit_events set outcome = 'denied' where id = $1`, [entry.id])).rejects.toMatchObject({
        code: '42501',
      });
      const [now] = await q('select * from audit_events where id = $1', [entry.id]);
      expect(now).toEqual(entry);
    });

    it('refuses DELETE of an entry, and of the whole table', async () => {
      await expect(q('delete from audit_events where id = $1', [entry.id])).rejects.toMatchObject({ code: '42501' });
      const total = await countRows(t, 'audit_events');
      await expect(q('delete from audit_events')).rejects.toMatchObject({ code: '42501' });
      expect(await countRows(t, 'audit_events')).toBe(total);
      expect(await q('select id from audit_events where id = $1', [entry.id])).toHaveLength(1);
    });

    it("allows only the sealer's change: setting the seal of an unsealed entry, once, and nothing with it", async () => {
      class Rollback extends Error {}
      // Allowed, but rolled back so the chain stays intact.
      await expect(
        t.database.db.transaction(async (tx) => {
          const r = await tx.query('update audit_events set seal_id = 999999 where id = $1 and seal_id is null', [
            entry.id,
          ]);
          expect(r.rowCount).toBe(1);
          throw new Rollback();
        }),
      ).rejects.toBeInstanceOf(Rollback);
      // Setting the seal together with another column is refused.
      await expect(
        q(`update audit_events set seal_id = 999999, details = '{"n":3}' where id = $1`, [entry.id]),
      ).rejects.toMatchObject({ code: '42501' });
      // Once sealed, the seal cannot be changed or removed.
      await sealAuditTrail(t.database.db);
      const [sealed] = await q('select * from audit_events where id = $1', [entry.id]);
      expect(sealed?.seal_id).not.toBeNull();
      await expect(q('update audit_events set seal_id = seal_id + 1 where id = $1', [entry.id])).rejects.toMatchObject({
        code: '42501',
      });
      await expect(q('update audit_events set seal_id = null where id = $1', [entry.id])).rejects.toMatchObject({
        code: '42501',
      });
      expect(await q('select * from audit_events where id = $1', [entry.id])).toEqual([sealed]);
    });

    it('refuses TRUNCATE of the entries and any change to the seals', async () => {
      const total = await countRows(t, 'audit_events');
      await expect(q('truncate audit_events')).rejects.toMatchObject({ code: '42501' });
      expect(await countRows(t, 'audit_events')).toBe(total);
      await sealAuditTrail(t.database.db);
      const seals = await countRows(t, 'audit_seals');
      expect(seals).toBeGreaterThan(0);
      await expect(q(`update audit_seals set hash = 'x'`)).rejects.toMatchObject({ code: '42501' });
      await expect(q('delete from audit_seals')).rejects.toMatchObject({ code: '42501' });
      await expect(q('truncate audit_seals')).rejects.toMatchObject({ code: '42501' });
      expect(await countRows(t, 'audit_seals')).toBe(seals);
    });
  });

  describe('hash chain', () => {
    /** Copies both tables aside; `restore` puts them back exactly, so each case starts from the same trail. */
    const snapshot = async () => {
      await t.database.db.exec(`
        drop table if exists audit_events_copy; drop table if exists audit_seals_copy;
        create table audit_events_copy as select * from audit_events;
        create table audit_seals_copy as select * from audit_seals;`);
    };
    const restore = () =>
      bypassingTrigger(async (tx) => {
        await tx.exec(`
          delete from audit_events; delete from audit_seals;
          insert into audit_seals select * from audit_seals_copy;
          insert into audit_events overriding system value select * from audit_events_copy;`);
      });
    const problems = async () => (await verifyAuditTrail(t.database.db)).problems;
    /** An entry in the middle seal of the chain. */
    const middleEntry = async () => {
      const [row] = await q('select * from audit_events where seal_id = 2 order by id limit 1');
      if (!row) throw new Error('seal 2 has no entries');
      return row;
    };
    const sealSize = async (sealId: number) =>
      (await q<{ entry_count: number }>('select entry_count from audit_seals where id = $1', [sealId]))[0]?.entry_count;

    beforeAll(async () => {
      const db = t.database.db;
      // At least three seals: the tamper cases below touch the middle one.
      for (let s = 0; s < 3; s++) {
        await Promise.all(
          [0, 1, 2].map((n) =>
            t.app.clinica.audit.record(ANONYMOUS, {
              action: 'test.chain',
              details: { seal: s, n, nested: { b: 1, a: [n] } },
            }),
          ),
        );
        await sealAuditTrail(db);
      }
      await snapshot();
    });
    afterAll(() => t.database.db.exec('drop table audit_events_copy; drop table audit_seals_copy;'));

    it('seals every entry in chained seals and verifies an intact trail', async () => {
      const report = await verifyAuditTrail(t.database.db);
      expect(report.problems).toEqual([]);
      expect(report.unsealed).toBe(0);
      expect(report.seals).toBeGreaterThanOrEqual(3);
      expect(report.entries).toBe(await countRows(t, 'audit_events'));
      const seals = await q<{ id: number; previous_hash: string; hash: string }>(
        'select id, previous_hash, hash from audit_seals order by id',
      );
      expect(seals[0]?.previous_hash).toBe('0'.repeat(64));
      for (let i = 1; i < seals.length; i++) expect(seals[i]?.previous_hash).toBe(seals[i - 1]?.hash);
      // Stored hashes are those of the entries as read back (jsonb reorders keys; the hash does not care).
      const [row] = await q(`select * from audit_events where action = 'test.chain' limit 1`);
      expect(row && hashAuditRecord(recordOf(row))).toBe(row?.hash);
    });

    it('detects an edited entry', async () => {
      const row = await middleEntry();
      await bypassingTrigger(async (tx) => {
        await tx.query(`update audit_events set details = details || '{"edited": true}' where id = $1`, [row.id]);
      });
      expect(await problems()).toEqual([`entry ${row.id} was altered`]);
      await restore();
      expect(await problems()).toEqual([]);
    });

    it('detects a deleted entry', async () => {
      const row = await middleEntry();
      const size = await sealSize(2);
      await bypassingTrigger(async (tx) => {
        await tx.query('delete from audit_events where id = $1', [row.id]);
      });
      expect(await problems()).toEqual([`seal 2 covers ${size} entries but ${(size ?? 0) - 1} remain`]);
      await restore();
      expect(await problems()).toEqual([]);
    });

    it('detects a deleted seal', async () => {
      const size = await sealSize(2);
      await expect(q('delete from audit_seals where id = 2')).rejects.toThrow(/append-only/);
      await bypassingTrigger(async (tx) => {
        await tx.query('delete from audit_seals where id = 2');
      });
      expect(await problems()).toEqual([
        'seal 2 is missing (next seal is 3)',
        'seal 3 does not follow the previous seal',
        `${size} entries point to a missing seal`,
      ]);
      await restore();
      expect(await problems()).toEqual([]);
    });

    it('detects an edited entry whose own hash was recomputed: the seal no longer matches', async () => {
      const row = await middleEntry();
      const forged = { ...recordOf(row), outcome: 'denied' as const, details: { ...row.details, forged: true } };
      await bypassingTrigger(async (tx) => {
        await tx.query(`update audit_events set outcome = 'denied', details = $2::jsonb, hash = $3 where id = $1`, [
          row.id,
          JSON.stringify(forged.details),
          hashAuditRecord(forged),
        ]);
      });
      // The entry is consistent with itself; only the seal gives it away.
      expect(await problems()).toEqual(['seal 2 does not match its entries']);
      await restore();
      expect(await problems()).toEqual([]);
    });

    it('detects an edited seal', async () => {
      await expect(q(`update audit_seals set hash = $1 where id = 2`, ['f'.repeat(64)])).rejects.toThrow(/append-only/);
      await bypassingTrigger(async (tx) => {
        await tx.query(`update audit_seals set hash = $1 where id = 2`, ['f'.repeat(64)]);
      });
      expect(await problems()).toEqual([
        'seal 2 does not match its entries',
        'seal 3 does not follow the previous seal',
      ]);
      await restore();
      expect(await problems()).toEqual([]);
    });

    it('detects an edited entry that is not sealed yet', async () => {
      await t.app.clinica.audit.record(ANONYMOUS, { action: 'test.unsealed', details: { n: 1 } });
      const [row] = await q(`select * from audit_events where action = 'test.unsealed'`);
      expect(row?.seal_id).toBeNull();
      expect(await problems()).toEqual([]);
      await bypassingTrigger(async (tx) => {
        await tx.query(`update audit_events set details = '{"n": 2}' where id = $1`, [row?.id]);
      });
      expect(await problems()).toEqual([`entry ${row?.id} was altered`]);
      await restore();
      expect(await problems()).toEqual([]);
    });
  });

  describe('group commit of read entries', () => {
    it('stores 200 concurrent entries, each once, in far fewer inserts than entries', async () => {
      const ctx = (n: number): RequestContext => ({ ...ANONYMOUS, requestId: `group-${n}` });
      await Promise.all(
        Array.from({ length: 200 }, (_, n) =>
          t.app.clinica.audit.record(ctx(n), { action: 'test.group', details: { n } }),
        ),
      );
      const rows = await q<{ id: number; request_id: string; details: { n: number }; tx: string }>(
        `select id, request_id, details, xmin::text as tx from audit_events where action = 'test.group'`,
      );
      expect(rows).toHaveLength(200);
      expect(new Set(rows.map((r) => r.id)).size).toBe(200);
      expect(rows.map((r) => r.details.n).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, n) => n));
      for (const r of rows) expect(r.request_id).toBe(`group-${r.details.n}`);
      // Rows written by one statement share its transaction id (xmin): count the statements.
      const statements = new Set(rows.map((r) => r.tx)).size;
      expect(statements).toBeLessThanOrEqual(5);
      const { problems } = await verifyAuditTrail(t.database.db);
      expect(problems).toEqual([]);
    });

    it('an entry the database refuses fails only its own caller, not the others of its batch', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 51 }, (_, n) =>
          t.app.clinica.audit.record(ANONYMOUS, {
            action: 'test.batch_isolation',
            details: { n },
            // One malformed patient id among fifty good entries.
            patientId: n === 25 ? 'not-a-uuid' : null,
          }),
        ),
      );
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
      expect(results[25]?.status).toBe('rejected');
      const stored = await q<{ details: { n: number } }>(
        `select details from audit_events where action = 'test.batch_isolation'`,
      );
      expect(stored.map((r) => r.details.n).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 51 }, (_, n) => n).filter((n) => n !== 25),
      );
      // The recorder keeps working afterwards.
      await t.app.clinica.audit.record(ANONYMOUS, { action: 'test.batch_isolation', details: { n: 100 } });
      expect(await countEvents(`action = 'test.batch_isolation'`)).toBe(51);
    });
  });

  describe('concurrent sealing', () => {
    it('several sealers racing with inserts seal every entry exactly once, in contiguous seals', async () => {
      const db = t.database.db;
      const work: Promise<unknown>[] = [];
      for (let round = 0; round < 10; round++) {
        for (let n = 0; n < 30; n++) {
          work.push(t.app.clinica.audit.record(ANONYMOUS, { action: 'test.seal_race', details: { round, n } }));
        }
        work.push(sealAuditTrail(db), sealAuditTrail(db));
      }
      await Promise.all(work);
      await Promise.all([sealAuditTrail(db), sealAuditTrail(db)]);
      await sealAuditTrail(db);

      expect(await countEvents('seal_id is null')).toBe(0);
      const seals = await q<{ id: number; entry_count: number; sealed: number }>(
        `select s.id, s.entry_count, (select count(*)::int from audit_events e where e.seal_id = s.id) as sealed
         from audit_seals s order by s.id`,
      );
      expect(seals.map((s) => s.id)).toEqual(Array.from({ length: seals.length }, (_, i) => i + 1));
      for (const s of seals) expect(s.sealed).toBe(s.entry_count);
      expect(seals.reduce((sum, s) => sum + s.entry_count, 0)).toBe(await countRows(t, 'audit_events'));
      const report = await verifyAuditTrail(db);
      expect(report.problems).toEqual([]);
      expect(report.unsealed).toBe(0);
    });

    it('two sealers started together over the same entries seal them once', async () => {
      const db = t.database.db;
      await Promise.all(
        Array.from({ length: 50 }, (_, n) =>
          t.app.clinica.audit.record(ANONYMOUS, { action: 'test.seal_pair', details: { n } }),
        ),
      );
      const seals = await countRows(t, 'audit_seals');
      const counts = await Promise.all([sealAuditTrail(db), sealAuditTrail(db)]);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(50);
      expect(await countRows(t, 'audit_seals')).toBe(seals + counts.filter((c) => c > 0).length);
      expect(await countEvents('seal_id is null')).toBe(0);
      expect((await verifyAuditTrail(db)).problems).toEqual([]);
    });
  });

  describe('GET /api/v1/audit-events', () => {
    let a: { id: string }, b: { id: string };
    let portal: SignedIn;
    let t0: string, t1: string;

    beforeAll(async () => {
      a = (
        await t.call({ method: 'POST', url: '/api/v1/patients', token: desk.token, payload: patientInput() })
      ).json();
      b = await t.createPatient();
      portal = await t.signIn(['patient'], { patientId: b.id });
      await t.call({ method: 'GET', url: `/api/v1/patients/${a.id}`, token: portal.token });
      await sleep(5);
      t0 = new Date().toISOString();
      await sleep(5);
      for (let i = 0; i < 4; i++) await t.call({ method: 'GET', url: `/api/v1/patients/${a.id}`, token: doctor.token });
      await sleep(5);
      t1 = new Date().toISOString();
      await sleep(5);
      await t.call({ method: 'GET', url: `/api/v1/patients/${b.id}`, token: desk.token });
    });

    const search = async (query: string, token = admin.token) => {
      const res = await t.call({ method: 'GET', url: `/api/v1/audit-events?${query}`, token });
      expect(res.statusCode, res.body).toBe(200);
      return { items: res.json().items as ApiEvent[], nextCursor: res.json().nextCursor as string | null, res };
    };

    it('is for admins only', async () => {
      expect((await t.call({ method: 'GET', url: '/api/v1/audit-events' })).statusCode).toBe(401);
      for (const user of [desk, doctor, portal]) {
        const res = await t.call({ method: 'GET', url: '/api/v1/audit-events', token: user.token });
        expect(res.statusCode).toBe(403);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
    });

    it('filters by user', async () => {
      const { items } = await search(`userId=${doctor.userId}&limit=100`);
      expect(items.length).toBeGreaterThanOrEqual(4);
      for (const e of items) expect(e).toMatchObject({ actorId: doctor.userId, actorEmail: doctor.email });
      expect(items.filter((e) => e.action === 'patient.read' && e.patientId === a.id)).toHaveLength(4);
    });

    it('filters by patient', async () => {
      const { items } = await search(`patientId=${a.id}&limit=100`);
      for (const e of items) expect(e.patientId).toBe(a.id);
      expect(items.map((e) => e.action).sort()).toEqual([
        'patient.create',
        'patient.read',
        'patient.read',
        'patient.read',
        'patient.read',
        'patient.read',
      ]);
    });

    it('filters by exact action and by action prefix', async () => {
      const exact = await search(`patientId=${a.id}&action=patient.create`);
      expect(exact.items.map((e) => e.action)).toEqual(['patient.create']);
      const prefix = await search('action=patient.*&limit=100');
      expect(prefix.items.length).toBeGreaterThan(0);
      for (const e of prefix.items) expect(e.action.startsWith('patient.')).toBe(true);
      expect(new Set(prefix.items.map((e) => e.action))).toEqual(
        new Set(['patient.create', 'patient.read', 'patient.search']),
      );
      const none = await search('action=patient.rea');
      expect(none.items).toEqual([]);
    });

    it('treats _ in an action prefix as a letter, not a wildcard', async () => {
      await t.app.clinica.audit.record(ANONYMOUS, { action: 'test.a_b' });
      await t.app.clinica.audit.record(ANONYMOUS, { action: 'test.axb' });
      const { items } = await search('action=test.a_*');
      expect(items.map((e) => e.action)).toEqual(['test.a_b']);
    });

    it('filters by outcome', async () => {
      const { items } = await search('outcome=denied&limit=100');
      expect(items.length).toBeGreaterThan(0);
      for (const e of items) expect(e.outcome).toBe('denied');
      expect(items).toContainEqual(
        expect.objectContaining({ actorId: portal.userId, patientId: a.id, action: 'patient.read' }),
      );
    });

    it('filters by time: from inclusive, to exclusive', async () => {
      const { items } = await search(`from=${t0}&to=${t1}&limit=100`);
      for (const e of items) {
        expect(e.occurredAt >= t0).toBe(true);
        expect(e.occurredAt < t1).toBe(true);
      }
      expect(items.filter((e) => e.actorId === doctor.userId && e.patientId === a.id)).toHaveLength(4);
      const before = await search(`to=${t0}&patientId=${a.id}&limit=100`);
      expect(before.items.map((e) => e.actorId)).toEqual([portal.userId, desk.userId]);
      const after = await search(`from=${t1}&action=patient.read&limit=100`);
      expect(after.items.map((e) => e.patientId)).toEqual([b.id]);
      // Offsets other than Z are instants too.
      const plusOne = new Date(Date.parse(t0)).toISOString().replace('Z', '+00:00');
      expect((await search(`from=${encodeURIComponent(plusOne)}&to=${t1}&limit=100`)).items).toEqual(items);
      const bad = await t.call({ method: 'GET', url: '/api/v1/audit-events?from=yesterday', token: admin.token });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors).toEqual([expect.objectContaining({ path: 'querystring.from' })]);
    });

    it('pages newest first with a cursor, without repeats or gaps', async () => {
      const all = (await search(`patientId=${a.id}&limit=100`)).items.map((e) => e.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { items: ApiEvent[]; nextCursor: string | null } = await search(
          `patientId=${a.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((e) => e.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(all);
      const ids = seen.map(Number);
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeLessThan(ids[i - 1] as number);
      const bad = await t.call({ method: 'GET', url: '/api/v1/audit-events?cursor=nope', token: admin.token });
      expect(bad.statusCode).toBe(400);
    });

    it('shows which entries are sealed', async () => {
      await sealAuditTrail(t.database.db);
      await t.app.clinica.audit.record(ANONYMOUS, { action: 'test.seal_flag' });
      const { items } = await search('action=test.seal_flag');
      expect(items.map((e) => e.sealed)).toEqual([false]);
      const sealed = await search(`patientId=${a.id}&action=patient.create`);
      expect(sealed.items.map((e) => e.sealed)).toEqual([true]);
    });

    it('records each search of the trail as audit.search', async () => {
      const { res } = await search(`patientId=${a.id}&action=patient.*`);
      const rows = await eventsOfRequest(requestIdOf(res));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        action: 'audit.search',
        actor_id: admin.userId,
        actor_roles: ['admin'],
        outcome: 'success',
        resource_type: 'AuditEvent',
      });
      expect(rows[0]?.details).toMatchObject({ filters: { patientId: a.id, action: 'patient.*' } });
      const listed = await search(`userId=${admin.userId}&action=audit.search&limit=1`);
      expect(listed.items[0]?.requestId).toBe(requestIdOf(res));
    });
  });
});
