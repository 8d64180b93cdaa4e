import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { type EventDelivery, startServerDelivery } from '../src/events.js';
import { BackupService } from '../src/modules/backups/backups.service.js';
import { archiveName } from '../src/modules/backups/manifest.js';
import { archivesToDelete, calendarOf } from '../src/modules/backups/retention.js';
import { AuditTrail } from '../src/platform/audit/audit.js';
import { type Database, openDatabase } from '../src/platform/db/database.js';
import type { RequestContext } from '../src/platform/http/access.js';
import { openConfiguredDatabase, SYSTEM_CONTEXT } from '../src/server.js';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { clinica, freshDataDir } from './support/cli.js';
import { DATABASES } from './support/databases.js';
import { FILES, upload } from './support/documents.js';
import { eventually } from './support/wait.js';

/** Backup runs: the API and its status, failures and their e-mail, metrics, the schedule, retention, the CLI. */

const KEY = 'a backup key of the right length';

const at = (iso: string) => archiveName(new Date(iso));

describe('backup configuration', () => {
  it('refuses a schedule that is not a cron expression, or one without a key', () => {
    expect(() => loadConfig({ BACKUP_SCHEDULE: 'every night', BACKUP_KEY: KEY })).toThrow(
      'Invalid configuration: BACKUP_SCHEDULE must be a cron expression, e.g. "0 2 * * *" for every day at 02:00 (CLINIC_TIMEZONE) (got "every night")',
    );
    expect(() => loadConfig({ BACKUP_SCHEDULE: '0 2 * * *' })).toThrow(/BACKUP_KEY is required with BACKUP_SCHEDULE/);
    expect(() => loadConfig({ BACKUP_KEY: 'short' })).toThrow(
      /^Invalid configuration: BACKUP_KEY must be at least 16 characters/,
    );
    expect(() => loadConfig({ BACKUP_KEY: 'short' })).not.toThrow(/short/);
    expect(loadConfig({ BACKUP_SCHEDULE: '30 1 * * 1-5', BACKUP_KEY: KEY }).BACKUP_SCHEDULE).toBe('30 1 * * 1-5');
  });
});

describe('retention', () => {
  const policy = { daily: 3, weekly: 2, timeZone: 'Europe/Madrid' };

  it('keeps the newest archive of each of the last days and ISO weeks that have one, in the clinic time zone', () => {
    const names = [
      at('2026-11-23T10:00:00Z'), // Monday 23 (week 48): the newest
      at('2026-11-23T01:00:00Z'), // also the 23rd
      at('2026-11-22T23:30:00Z'), // 00:30 on the 23rd in Madrid
      at('2026-11-22T12:00:00Z'), // Sunday 22 (week 47)
      at('2026-11-21T12:00:00Z'), // Saturday 21
      at('2026-11-20T12:00:00Z'), // a fourth day
      at('2026-11-10T12:00:00Z'), // week 46: a third week
      'notes.txt',
    ];
    expect(archivesToDelete(names, policy).sort()).toEqual(
      [
        at('2026-11-23T01:00:00Z'),
        at('2026-11-22T23:30:00Z'),
        at('2026-11-20T12:00:00Z'),
        at('2026-11-10T12:00:00Z'),
      ].sort(),
    );
  });

  it('counts only days that have an archive: a month without backups does not age out the last good ones', () => {
    const names = ['2026-09-01', '2026-09-02', '2026-09-03', '2026-09-04'].map((d) => at(`${d}T02:00:00Z`));
    expect(archivesToDelete(names, { ...policy, weekly: 0 })).toEqual([at('2026-09-01T02:00:00Z')]);
  });

  it('always keeps the newest, and orders archives of the same second by their suffix', () => {
    const same = new Date('2026-11-23T10:00:00Z');
    const names = [archiveName(same), archiveName(same, 2), archiveName(same, 3)];
    expect(archivesToDelete(names, { daily: 0, weekly: 0, timeZone: 'UTC' }).sort()).toEqual(
      [archiveName(same), archiveName(same, 2)].sort(),
    );
  });

  it('names ISO weeks by the year of their Thursday', () => {
    expect(calendarOf(new Date('2027-01-01T12:00:00Z'), 'UTC')).toEqual({ day: '2027-01-01', week: '2026-W53' });
    expect(calendarOf(new Date('2026-12-28T12:00:00Z'), 'UTC').week).toBe('2026-W53');
    expect(calendarOf(new Date('2025-12-29T12:00:00Z'), 'UTC').week).toBe('2026-W01');
  });
});

describe.each(DATABASES)('backup runs on %s', (kind) => {
  let t: TestApp;
  let admin: SignedIn;
  let adminCtx: RequestContext;
  const emails = { es: 'admin-es@clinica.test', en: 'admin-en@clinica.test', inactive: 'admin-old@clinica.test' };

  beforeAll(async () => {
    t = await createTestApp(kind, { BACKUP_KEY: KEY });
    admin = await t.signIn(['admin'], { email: emails.es });
    adminCtx = {
      ...SYSTEM_CONTEXT,
      actor: { userId: admin.userId, email: admin.email, roles: ['admin'], patientId: null, sessionId: null },
    };
    await t.app.clinica.users.create({ email: emails.en, roles: ['admin'], language: 'en' }, SYSTEM_CONTEXT);
    const old = await t.app.clinica.users.create({ email: emails.inactive, roles: ['admin'] }, SYSTEM_CONTEXT);
    await t.app.clinica.users.update(old.id, { active: false }, adminCtx);
    await t.createPatient({ firstName: 'Confidencial', lastName: 'Reservada' });
  });
  afterAll(() => t?.close());

  const status = async () => {
    const res = await t.call({ method: 'GET', url: '/api/v1/backups', token: admin.token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const finished = () =>
    eventually(async () => {
      const s = await status();
      return s.running === null && s;
    }, 'the backup to end');
  /** A service as another process (or another configuration) would build it, on the same database. */
  const serviceWith = (env: Record<string, string>, db: Database = t.database.db) =>
    new BackupService(
      loadConfig({ DATA_DIR: t.config.DATA_DIR, LOG_LEVEL: 'silent', ...env }),
      db,
      new AuditTrail(db),
      {
        version: VERSION,
      },
    );

  it('answers the status before any backup', async () => {
    expect(await status()).toEqual({
      schedule: null,
      destination: path.join(t.config.DATA_DIR, 'backups'),
      keyConfigured: true,
      lastSuccess: null,
      lastFailure: null,
      running: null,
      items: [],
    });
  });

  it('starts a backup now, refuses a second while it runs, and reports how it went', async () => {
    const started = await t.call({ method: 'POST', url: '/api/v1/backups', token: admin.token });
    expect(started.statusCode, started.body).toBe(202);
    const run = started.json();
    expect(run).toMatchObject({ status: 'running', trigger: 'manual', archive: null, error: null });
    const second = await t.call({ method: 'POST', url: '/api/v1/backups', token: admin.token });
    expect(second.statusCode).toBe(409);
    expect(second.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(second.json().detail).toMatch(/already running/);

    const s = await finished();
    expect(s.lastSuccess).toMatchObject({ id: run.id, status: 'succeeded', trigger: 'manual', error: null });
    expect(s.lastSuccess.archive).toMatch(/^clinica-backup-\d{8}T\d{6}Z\.tar\.age$/);
    expect(s.lastSuccess.sizeBytes).toBe(fs.statSync(path.join(s.destination, s.lastSuccess.archive)).size);
    expect(s.lastSuccess.rows).toBeGreaterThan(0);
    expect(s.lastSuccess.tables).toBeGreaterThan(10);
    expect(s.items.map((i: { id: string }) => i.id)).toEqual([run.id]);
    const { rows: audit } = await t.database.db.query(
      `select actor_id from audit_events where action = 'backup.start' and resource_id = $1`,
      [run.id],
    );
    expect(audit).toEqual([{ actor_id: admin.userId }]);
    const { rows: events } = await t.database.db.query(`select type, payload from outbox where aggregate_id = $1`, [
      run.id,
    ]);
    expect(events).toEqual([{ type: 'backup.succeeded', payload: { runId: run.id } }]);
  });

  it('refuses to start without BACKUP_KEY, saying what to set', async () => {
    const keyless = serviceWith({});
    await expect(keyless.start(adminCtx)).rejects.toMatchObject({ status: 409 });
    await expect(keyless.start(adminCtx)).rejects.toThrow(/set BACKUP_KEY \(at least 16 characters\)/);
    expect((await status()).running).toBeNull();
  });

  it('records a failed backup, emits backup.failed and e-mails every active administrator', async () => {
    // A destination below a plain file cannot be created, whoever runs the test (root included).
    const blocker = path.join(freshDataDir('blocked'), 'a-file');
    fs.writeFileSync(blocker, 'not a folder');
    const failing = serviceWith({ BACKUP_KEY: KEY, BACKUP_URL: path.join(blocker, 'backups') });
    await expect(failing.runNow(adminCtx)).rejects.toThrow(/the archive could not be written to .*a-file\/backups/);
    const s = await status();
    expect(s.lastFailure).toMatchObject({ status: 'failed', trigger: 'cli', archive: null });
    expect(s.lastFailure.error).toMatch(/could not be written/);
    expect(fs.readdirSync(path.dirname(blocker))).toEqual(['a-file']);
    const { rows } = await t.database.db.query(`select type, payload from outbox where aggregate_id = $1`, [
      s.lastFailure.id,
    ]);
    expect(rows).toEqual([{ type: 'backup.failed', payload: { runId: s.lastFailure.id } }]);

    let delivery: EventDelivery | undefined;
    try {
      delivery = await startServerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log);
      const mailDir = path.join(t.config.DATA_DIR, 'mail');
      const failureMails = async () => {
        const files = fs.existsSync(mailDir) ? fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml')) : [];
        const mails = await Promise.all(files.map(async (f) => simpleParser(fs.readFileSync(path.join(mailDir, f)))));
        return mails.filter((m) => /backup|copia de seguridad/i.test(m.subject ?? ''));
      };
      const mails = await eventually(async () => {
        const found = await failureMails();
        return found.length >= 2 && found;
      }, 'the failure e-mails');
      const byRecipient = Object.fromEntries(
        mails.map((m) => [(Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address, m]),
      );
      expect(Object.keys(byRecipient).sort()).toEqual([emails.en, emails.es].sort());
      expect(byRecipient[emails.es]?.subject).toBe('La copia de seguridad de Clínica Universitaria ha fallado');
      expect(byRecipient[emails.en]?.subject).toBe('The Clínica Universitaria backup failed');
      expect(byRecipient[emails.en]?.text).toContain('could not be written');
      expect(byRecipient[emails.en]?.text).toContain('http://clinica.test/admin/backups');
      for (const m of mails) expect(m.text).not.toMatch(/Confidencial|Reservada/);
    } finally {
      await delivery?.stop();
    }
  });

  it('publishes the last success, its duration and size, and the failures as metrics', async () => {
    const s = await status();
    const res = await t.call({ method: 'GET', url: '/metrics' });
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(res.body)?.[1]);
    expect(value('clinica_backup_last_success_timestamp_seconds')).toBe(Date.parse(s.lastSuccess.finishedAt) / 1000);
    expect(value('clinica_backup_last_duration_seconds')).toBe(s.lastSuccess.durationMs / 1000);
    expect(value('clinica_backup_last_size_bytes')).toBe(s.lastSuccess.sizeBytes);
    expect(value('clinica_backup_failures_total')).toBe(1);
    expect(res.body).toMatch(/^# TYPE clinica_backup_failures_total counter$/m);
  });

  it('takes each scheduled time once, however many processes check it at once', async () => {
    const schedule = { BACKUP_KEY: KEY, BACKUP_SCHEDULE: '0 * * * *' };
    // Two processes: with PostgreSQL each has its own connections; the embedded database has one process.
    const dbs: Database[] =
      kind === 'postgresql'
        ? [await openDatabase({ url: t.database.url }), await openDatabase({ url: t.database.url })]
        : [t.database.db, t.database.db];
    try {
      const [a, b] = dbs.map((db) => serviceWith(schedule, db)) as [BackupService, BackupService];
      const now = new Date();
      const runs = await Promise.all([a.runDueSchedule(now), b.runDueSchedule(now)]);
      const ran = runs.filter((r) => r !== null);
      expect(ran).toHaveLength(1);
      expect(ran[0]).toMatchObject({ trigger: 'schedule', status: 'succeeded' });
      const slot = new Date(now);
      slot.setUTCMinutes(0, 0, 0);
      const { rows } = await t.database.db.query<{ slot: Date }>(
        `select slot from backup_runs where trigger = 'schedule'`,
      );
      expect(rows.map((r) => r.slot.toISOString())).toEqual([slot.toISOString()]);
      expect(await Promise.all([a.runDueSchedule(now), b.runDueSchedule(new Date())])).toEqual([null, null]);
    } finally {
      if (kind === 'postgresql') for (const db of dbs) await db.close();
    }
  });

  it('marks a run whose process died as failed, and lets the next one start', async () => {
    const { rows } = await t.database.db.query<{ id: string }>(
      `insert into backup_runs (id, trigger, destination, started_at, heartbeat_at)
       values (gen_random_uuid(), 'cli', 'elsewhere', now() - interval '1 hour', now() - interval '10 minutes') returning id`,
    );
    const dead = rows[0]?.id as string;
    const started = await t.call({ method: 'POST', url: '/api/v1/backups', token: admin.token });
    expect(started.statusCode, started.body).toBe(202);
    await finished();
    const { rows: after } = await t.database.db.query(`select status, error from backup_runs where id = $1`, [dead]);
    expect(after).toEqual([{ status: 'failed', error: expect.stringMatching(/^interrupted/) }]);
    const { rows: events } = await t.database.db.query(`select type from outbox where aggregate_id = $1`, [dead]);
    expect(events).toEqual([{ type: 'backup.failed' }]);
  });

  it('deletes the archives retention no longer keeps after a success, and nothing else', async () => {
    const destination = freshDataDir('retention');
    const old = [at('2026-01-05T02:00:00Z'), at('2026-01-12T02:00:00Z'), at('2026-01-13T02:00:00Z')];
    for (const name of [...old, 'README.txt']) fs.writeFileSync(path.join(destination, name), 'x');
    const service = serviceWith({
      BACKUP_KEY: KEY,
      BACKUP_URL: destination,
      BACKUP_KEEP_DAILY: '2',
      BACKUP_KEEP_WEEKLY: '2',
    });
    const { result } = await service.runNow(adminCtx);
    // Days with an archive: today and 13 January; weeks: this one and 12-13 January's.
    const left = fs.readdirSync(destination).filter((f) => !f.startsWith('.'));
    expect(left.sort()).toEqual([result.archive, at('2026-01-13T02:00:00Z'), 'README.txt'].sort());
  });

  it('stops a backup running in the process when it shuts down, and records why', async () => {
    const service = serviceWith({ BACKUP_KEY: KEY, BACKUP_URL: freshDataDir('stopped') });
    const run = await service.start(adminCtx);
    await service.close();
    const { rows } = await t.database.db.query(`select status, error from backup_runs where id = $1`, [run.id]);
    expect(rows).toEqual([{ status: 'failed', error: 'the backup was stopped: Clinica shut down while it ran' }]);
    expect((await status()).running).toBeNull();
  });

  // Last: it leaves a document without its file.
  it('fails, naming the document, when a file is missing from the document storage, and keeps no archive', async () => {
    const doctor = await t.signIn(['doctor']);
    const patient = await t.createPatient({ firstName: 'Archivo', lastName: 'Perdido' });
    const res = await upload(t, patient.id, doctor.token, { bytes: FILES.pdf(2000), name: 'perdido.pdf' });
    expect(res.statusCode, res.body).toBe(201);
    const { rows } = await t.database.db.query<{ storage_key: string }>(
      'select storage_key from documents where patient_id = $1',
      [patient.id],
    );
    const key = rows[0]?.storage_key as string;
    fs.rmSync(path.join(t.config.DATA_DIR, 'documents', ...key.split('/')));
    const destination = freshDataDir('no-archive');
    const service = serviceWith({ BACKUP_KEY: KEY, BACKUP_URL: destination });
    await expect(service.runNow(adminCtx)).rejects.toThrow(`document ${key} cannot be backed up`);
    expect(fs.readdirSync(destination).filter((f) => !f.startsWith('.'))).toEqual([]);
    expect((await status()).lastFailure.error).toContain(`document ${key} cannot be backed up: no object ${key}`);
  });
});

describe('clinica backup on the embedded database', () => {
  let dataDir: string;
  const env = () => ({ DATA_DIR: dataDir, BACKUP_KEY: KEY, LOG_LEVEL: 'silent' });

  beforeAll(() => {
    dataDir = freshDataDir('cli-backup');
  });

  it('says what to do while a server holds the data folder', async () => {
    const held = await openConfiguredDatabase(loadConfig({ DATA_DIR: dataDir }));
    try {
      const run = await clinica(['backup'], { env: env() });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^clinica: the embedded database in .* is in use by a running Clinica server/);
      expect(run.stderr).toContain('POST /api/v1/backups');
      expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    } finally {
      await held.close();
    }
  });

  it('writes an archive with plain progress lines off a terminal, and lists it', async () => {
    const run = await clinica(['backup'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Backing up the embedded database and documents to .*\/backups$/m);
    expect(run.stdout).toMatch(/^ {2}database: patients \(/m);
    expect(run.stdout).toMatch(/^Backup written: (clinica-backup-\S+)$/m);
    expect(run.stdout).toMatch(/Archive: +[\d.]+ kB encrypted \([\d.]+ kB before encryption\)/);
    const archive = /^Backup written: (\S+)$/m.exec(run.stdout)?.[1] as string;

    const elsewhere = freshDataDir('cli-elsewhere');
    const second = await clinica(['backup', '--to', elsewhere], { env: env() });
    expect(second.code, second.stderr).toBe(0);
    expect(fs.readdirSync(elsewhere).filter((f) => f.endsWith('.tar.age'))).toHaveLength(1);

    const list = await clinica(['backup', 'list'], { env: env() });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(
      new RegExp(
        `^${archive.replace(/\./g, '\\.')} +[\\d.]+ kB {2}\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC$`,
        'm',
      ),
    );
    expect(list.stdout).toMatch(/^1 archive in .*\/backups\.$/m);
  });

  it('refuses without BACKUP_KEY, naming it', async () => {
    const run = await clinica(['backup'], { env: { DATA_DIR: dataDir, LOG_LEVEL: 'silent' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^clinica: Backups need an encryption key: set BACKUP_KEY/);
  });
});
