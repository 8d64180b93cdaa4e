import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { ArchiveError, decryptStream } from '../src/modules/backups/encryption.js';
import { restoreBackup } from '../src/modules/backups/restore.js';
import { RestoreRefused, tablesFilledByMigrations } from '../src/modules/backups/target.js';
import { stageFile } from '../src/modules/documents/documents.filing.js';
import { type Database, openDatabase, type Queryable } from '../src/platform/db/database.js';
import { readMigrations } from '../src/platform/db/migrate.js';
import { LocalStorage } from '../src/platform/storage/local.js';
import { createTestApp, TEST_PASSWORD, type TestApp } from './support/app.js';
import { clinica, freshDataDir } from './support/cli.js';
import { createPostgresDatabase, createTestDatabase, DATABASES, type DatabaseKind } from './support/databases.js';
import { FILES, upload } from './support/documents.js';
import { bookAppointment, createPractitioner, slot } from './support/scheduling.js';
import { eventually } from './support/wait.js';

/**
 * A clinic's data backed up and restored: into a fresh data folder (the embedded database)
 * and into a fresh PostgreSQL database, from either kind of source; every table and every
 * document compared with the source. Then what a restore must refuse.
 */

const KEY = 'a backup key of the right length';

/** Every table's row count and a digest of its rows, computed independently of the backup code. */
async function digests(db: Database): Promise<Record<string, { rows: number; md5: string }>> {
  return db.transaction(async (tx) => {
    await tx.query(`select set_config('timezone', 'UTC', true), set_config('datestyle', 'ISO, YMD', true)`);
    const { rows: tables } = await tx.query<{ name: string }>(
      `select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`,
    );
    const out: Record<string, { rows: number; md5: string }> = {};
    for (const { name } of tables) out[name] = await digest(tx, `select * from "${name}"`);
    return out;
  });
}

async function digest(q: Queryable, select: string): Promise<{ rows: number; md5: string }> {
  const { rows } = await q.query<{ rows: number; md5: string }>(
    `select count(*)::int as rows, md5(coalesce(string_agg(j, E'\\n' order by j collate "C"), '')) as md5
       from (select to_jsonb(x)::text as j from (${select}) x) lines`,
  );
  return rows[0] as { rows: number; md5: string };
}

const lastNumber = async (db: Database) =>
  (await db.query<{ n: string }>('select max(patient_number) as n from patients')).rows[0]?.n ?? '';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A small clinic: patients, a booked appointment, a record with a signed note and its addendum, a signed prescription, a chart entry and uploaded files. */
async function fillClinic(t: TestApp) {
  const doctor = await t.signIn(['doctor'], { email: `doctora-${Date.now()}@clinica.test` });
  const patients = [
    await t.createPatient({ firstName: 'Lucía', lastName: 'Fernández Ruiz', allergies: ['Penicilina'] }),
    await t.createPatient({ firstName: 'Íñigo', lastName: 'Núñez' }),
    await t.createPatient({ firstName: 'Zoë', lastName: "O'Connor" }),
  ];
  const [first, second] = patients as unknown as [{ id: string }, { id: string }];
  const practitioner = await createPractitioner(t);
  await bookAppointment(t, { patientId: first.id, practitionerId: practitioner.id, ...slot(5, 3) });
  const call = async (method: 'POST', url: string, payload: object, status = 201) => {
    const res = await t.call({ method, url, token: doctor.token, payload });
    if (res.statusCode !== status) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const encounter = await call('POST', `/api/v1/patients/${first.id}/encounters`, { kind: 'outpatient' });
  const note = await call('POST', `/api/v1/patients/${first.id}/notes`, {
    encounterId: encounter.id,
    subjective: 'Dolor en 36 desde hace dos días; «punzante».',
  });
  await call('POST', `/api/v1/patients/${first.id}/notes/${note.id}/sign`, {}, 200);
  // An addendum refers to the signed note (a row of the same table) and is signed when written.
  await call('POST', `/api/v1/patients/${first.id}/notes/${note.id}/addenda`, { plan: 'Control en una semana' });
  await call('POST', `/api/v1/patients/${first.id}/diagnoses`, { code: 'K02.9', encounterId: encounter.id });
  await call('POST', `/api/v1/patients/${first.id}/vital-signs`, { heartRate: 72, temperatureC: 36.6 });
  await call('POST', `/api/v1/patients/${first.id}/dental-chart/entries`, {
    tooth: 36,
    surfaces: ['occlusal', 'distal'],
    kind: 'finding',
    finding: 'caries',
  });
  const rx = await call('POST', '/api/v1/prescriptions', {
    patientId: first.id,
    teeth: [36],
    lines: [{ medicament: 'Ibuprofeno', form: 'tablet', quantity: 20, foodTiming: 'after', morning: true, days: 5 }],
  });
  // Signed: its lines are read-only from now on (a trigger refuses changes).
  await call('POST', `/api/v1/prescriptions/${rx.id}/sign`, {}, 200);
  // A produced file waiting to be filed: its bytes are in the database (bytea) until then.
  await t.database.db.transaction((tx) =>
    stageFile(tx, {
      patientId: second.id,
      category: 'history_export',
      title: 'Historia clínica',
      fileName: 'historia.pdf',
      contentType: 'application/pdf',
      content: FILES.pdf(5000),
      source: null,
      authorId: null,
    }),
  );
  const files: Buffer[] = [];
  for (const [i, patient] of [first, first, second, second].entries()) {
    const bytes = FILES.pdf(120_000 + i * 1000);
    const res = await upload(t, patient.id, doctor.token, { bytes, name: `informe-${i}.pdf` }, { category: 'result' });
    if (res.statusCode !== 201) throw new Error(`upload: ${res.statusCode} ${res.body}`);
    files.push(bytes);
  }
  return { doctor, files };
}

interface Target {
  kind: DatabaseKind;
  dataDir: string;
  /** The configuration `clinica restore` runs with. */
  env: Record<string, string>;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

/** A new, empty target of this kind, opened the way `clinica restore` would see it. */
async function freshTarget(kind: DatabaseKind): Promise<Target> {
  const dataDir = freshDataDir('restore');
  if (kind === 'pglite') {
    return {
      kind,
      dataDir,
      env: { DATA_DIR: dataDir },
      open: () => openDatabase({ dataDir: path.join(dataDir, 'db') }),
      drop: async () => {},
    };
  }
  const created = await createPostgresDatabase();
  return {
    kind,
    dataDir,
    env: { DATA_DIR: dataDir, DATABASE_URL: created.url },
    open: () => openDatabase({ url: created.url }),
    drop: () => created.drop(),
  };
}

const TARGETS: DatabaseKind[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];

describe.each(DATABASES)('backup of a %s database', (kind) => {
  let t: TestApp;
  let clinic: Awaited<ReturnType<typeof fillClinic>>;
  let archive: string;
  let runId: string;
  let source: Record<string, { rows: number; md5: string }>;
  let sourceOutbox: { rows: number; md5: string };
  const backups = () => path.join(t.config.DATA_DIR, 'backups');
  const archivePath = () => path.join(backups(), archive);

  beforeAll(async () => {
    t = await createTestApp(kind, { BACKUP_KEY: KEY });
    clinic = await fillClinic(t);
    const admin = await t.signIn(['admin']);
    if (kind === 'postgresql') {
      // `clinica backup` beside the running app: PostgreSQL is shared, so the command works.
      const run = await clinica(['backup'], {
        env: {
          DATA_DIR: t.config.DATA_DIR,
          DATABASE_URL: t.database.url as string,
          BACKUP_KEY: KEY,
          LOG_LEVEL: 'silent',
        },
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^Backup written: clinica-backup-\d{8}T\d{6}Z\.tar\.age$/m);
      expect(run.stdout).toMatch(/Documents: 4 files, .* \(in the archive\)/);
      expect(run.stdout).toMatch(/Time: +[\d.]+ s, [\d.]+ MB\/s/);
    } else {
      const started = await t.call({ method: 'POST', url: '/api/v1/backups', token: admin.token });
      expect(started.statusCode, started.body).toBe(202);
      expect(started.json()).toMatchObject({ status: 'running', trigger: 'manual', finishedAt: null });
    }
    const done = await eventually(async () => {
      const status = (await t.call({ method: 'GET', url: '/api/v1/backups', token: admin.token })).json();
      return status.running === null && status.items.length > 0 && status.items[0];
    }, 'the backup to finish');
    expect(done).toMatchObject({ status: 'succeeded', documents: 4, error: null });
    archive = done.archive;
    runId = done.id;
    source = await digests(t.database.db);
    // The run's own success event was written after the snapshot: the archive cannot hold it.
    sourceOutbox = await digest(t.database.db, `select * from outbox where aggregate_id <> '${runId}'`);
  });
  afterAll(() => t?.close());

  describe.each(TARGETS)('restored into a fresh %s database', (targetKind) => {
    let target: Target;
    let restored: Database;
    let output: string;

    beforeAll(async () => {
      target = await freshTarget(targetKind);
      const run = await clinica(['restore', archive, '--from', backups()], {
        env: { ...target.env, BACKUP_KEY: KEY, LOG_LEVEL: 'silent' },
      });
      expect(run.code, run.stderr).toBe(0);
      output = run.stdout;
      restored = await target.open();
    });
    afterAll(async () => {
      await restored?.close();
      await target?.drop();
    });

    it('holds every table as the source did, row for row', async () => {
      const after = await digests(restored);
      expect(Object.keys(after)).toEqual(Object.keys(source));
      for (const [table, expected] of Object.entries(source)) {
        if (table === 'outbox' || table === 'backup_runs') continue;
        expect(after[table], table).toEqual(expected);
      }
      expect(await digest(restored, 'select * from outbox')).toEqual(sourceOutbox);
      // The run that wrote the archive was running when the snapshot was taken; restored, it is the one that succeeded.
      const { rows } = await restored.query<{ status: string; archive: string }>(
        'select status, archive from backup_runs where id = $1',
        [runId],
      );
      expect(rows).toEqual([{ status: 'succeeded', archive }]);
      expect(source.patients?.rows).toBeGreaterThanOrEqual(3);
      expect(source.document_staging?.rows, 'a file waiting to be filed').toBe(1);
      expect(source.clinical_notes?.rows).toBe(2);
    });

    it('writes every document into the document storage, each with its SHA-256', async () => {
      const { rows } = await restored.query<{ storage_key: string; sha256: string; size_bytes: number }>(
        'select storage_key, sha256, size_bytes from documents order by storage_key',
      );
      expect(rows).toHaveLength(4);
      for (const row of rows) {
        const bytes = fs.readFileSync(path.join(target.dataDir, 'documents', ...row.storage_key.split('/')));
        expect(sha256(bytes), row.storage_key).toBe(row.sha256);
        expect(bytes).toEqual(
          fs.readFileSync(path.join(t.config.DATA_DIR, 'documents', ...row.storage_key.split('/'))),
        );
      }
    });

    it('reports what it verified', () => {
      expect(output).toMatch(
        /^Restored clinica-backup-\S+ \(made \S+ from an? (embedded|PostgreSQL) database, at migration \d{4}_\w+\)$/m,
      );
      expect(output).toMatch(/Verified: +\d+ tables, [\d,]+ rows: row counts and SHA-256 match the archive/);
      expect(output).toMatch(/Documents: 4 files, [\d.]+ kB written to .*, each SHA-256 checked/);
    });

    it('serves the restored clinic: the doctor signs in and downloads a file', async () => {
      const config = loadConfig({
        ...target.env,
        LOG_LEVEL: 'silent',
        PUBLIC_URL: 'http://clinica.test',
        LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
      });
      const app = await buildApp(config, restored);
      try {
        const login = await app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: clinic.doctor.email, password: TEST_PASSWORD },
        });
        expect(login.statusCode, login.body).toBe(200);
        const token = login.json().accessToken as string;
        const { rows } = await restored.query<{ patient_id: string; id: string; size_bytes: number }>(
          'select patient_id, id, size_bytes from documents order by size_bytes limit 1',
        );
        const doc = rows[0] as { patient_id: string; id: string };
        const res = await app.inject({
          method: 'GET',
          url: `/api/v1/patients/${doc.patient_id}/documents/${doc.id}/content`,
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.statusCode).toBe(200);
        expect(res.rawPayload).toEqual(clinic.files[0]);
        // The numbering sequences go on where the source's were: no number is handed out twice.
        const created = await app.inject({
          method: 'POST',
          url: '/api/v1/patients',
          headers: { authorization: `Bearer ${token}` },
          payload: {
            documentNumber: '99999999R',
            firstName: 'Nueva',
            lastName: 'Tras Restaurar',
            birthDate: '2001-01-01',
            sex: 'female',
          },
        });
        expect(created.statusCode, created.body).toBe(201);
        const { rows: numbers } = await restored.query<{ n: number }>(
          `select count(*)::int as n from patients where patient_number = $1`,
          [created.json().patientNumber],
        );
        expect(numbers).toEqual([{ n: 1 }]);
        expect(created.json().patientNumber > (await lastNumber(t.database.db))).toBe(true);
      } finally {
        await app.close();
      }
    });
  });

  it('refuses a target that already holds data, naming what it holds', async () => {
    const documents = new LocalStorage(freshDataDir('docs'));
    const refused = restoreBackup({
      db: t.database.db,
      target: 'the source database',
      source: new LocalStorage(backups()),
      archive,
      documents,
      key: KEY,
    });
    await expect(refused).rejects.toBeInstanceOf(RestoreRefused);
    await expect(refused).rejects.toThrow(/^the source database already holds data \(appointments, audit_events, /);
  });

  describe('refusals leave the target empty', () => {
    let db: Database;
    let drop: () => Promise<void>;
    let documentsDir: string;

    beforeAll(async () => {
      const created = await createTestDatabase(kind, { migrated: false });
      db = created.db;
      drop = created.drop;
    });
    afterAll(() => drop?.());

    const attempt = (file: string, key = KEY) => {
      documentsDir = freshDataDir('docs');
      return restoreBackup({
        db,
        target: 'the target',
        source: new LocalStorage(path.dirname(file)),
        archive: path.basename(file),
        documents: new LocalStorage(documentsDir),
        key,
      });
    };
    const copy = (change: (bytes: Buffer) => Buffer) => {
      const dir = freshDataDir('damaged');
      const file = path.join(dir, archive);
      fs.writeFileSync(file, change(fs.readFileSync(archivePath())));
      return file;
    };
    /** Tables hold only what migrations write, and no document file is left. */
    const filledByMigrations = tablesFilledByMigrations(readMigrations());
    const expectEmpty = async () => {
      const { rows } = await db.query<{ name: string }>(
        `select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'`,
      );
      for (const { name } of rows) {
        if (filledByMigrations.has(name)) continue;
        const { rows: n } = await db.query<{ n: number }>(`select count(*)::int as n from "${name}"`);
        expect(n[0]?.n, name).toBe(0);
      }
      const files = fs.readdirSync(documentsDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      expect(files.map((f) => f.name)).toEqual([]);
    };

    it('a wrong key, at once and before touching the target', async () => {
      const refused = attempt(archivePath(), 'not the key it was made with');
      await expect(refused).rejects.toMatchObject({ code: 'wrong_key' });
      await expect(refused).rejects.toThrow(/^the backup key does not open this archive/);
      const { rows } = await db.query(`select 1 from information_schema.tables where table_schema = current_schema()`);
      expect(rows, 'not even migrated').toEqual([]);
    });

    it('a byte changed in the database part', async () => {
      const file = copy((b) => {
        const at = Math.floor(b.length * 0.05);
        b[at] = (b[at] as number) ^ 0x01;
        return b;
      });
      await expect(attempt(file)).rejects.toMatchObject({ code: 'damaged', name: 'ArchiveError' });
      await expectEmpty();
    });

    it('a byte changed in the middle (among the documents)', async () => {
      const file = copy((b) => {
        const at = Math.floor(b.length / 2);
        b[at] = (b[at] as number) ^ 0x80;
        return b;
      });
      const refused = attempt(file);
      await expect(refused).rejects.toBeInstanceOf(ArchiveError);
      await expect(refused).rejects.toThrow(/damaged or incomplete/);
      await expectEmpty();
    });

    it('a truncated archive', async () => {
      const file = copy((b) => b.subarray(0, Math.floor(b.length * 0.8)));
      await expect(attempt(file)).rejects.toMatchObject({ code: 'damaged' });
      await expectEmpty();
      // Cut at a chunk boundary: the last chunk is then missing its end-of-file flag.
      const atBoundary = copy((b) => {
        const header = b.indexOf('\n---');
        const start = b.indexOf('\n', header + 1) + 1 + 16;
        return b.subarray(0, start + 3 * (64 * 1024 + 16));
      });
      await expect(attempt(atBoundary)).rejects.toMatchObject({ code: 'damaged' });
      await expectEmpty();
    });

    it('a file that is not an archive', async () => {
      const file = copy(() => Buffer.from('PK\u0003\u0004 not an age file at all'));
      await expect(attempt(file)).rejects.toMatchObject({ code: 'not_an_archive' });
    });
  });

  it("opens with Debian's age -d and the same passphrase: a tar of the manifest, the tables and the files", async () => {
    const out = path.join(freshDataDir('age'), 'backup.tar');
    await ageWithPassphrase(`-d -o '${out}' '${archivePath()}'`, KEY, 1);
    const listing = await run('tar', ['tf', out]);
    const entries = listing.trim().split('\n');
    expect(entries[0]).toBe('manifest.json');
    expect(entries).toContain('checksums.json');
    expect(entries).toContain('db/patients/00001.jsonl.gz');
    expect(entries.filter((e) => e.startsWith('documents/patients/'))).toHaveLength(4);
    const manifest = JSON.parse(await run('tar', ['xOf', out, 'manifest.json']));
    expect(manifest).toMatchObject({ format: 'clinica-backup', formatVersion: 1, database: { kind } });
    expect(manifest.documents).toMatchObject({ included: true, count: 4 });
    // The checksum of a table is the SHA-256 of its lines, as anyone can recompute them.
    const checksums = JSON.parse(await run('tar', ['xOf', out, 'checksums.json']));
    const lines = await run('sh', ['-c', `tar xOf '${out}' --wildcards 'db/patients/*' | gzip -dc | sha256sum`]);
    expect(lines.split(' ')[0]).toBe(checksums.tables.patients.sha256);
  });

  it("reads what Debian's age -p encrypts, so either side can be checked against the reference", async () => {
    const dir = freshDataDir('age');
    const plain = path.join(dir, 'plain.bin');
    // Three full 64 KiB chunks and a partial one.
    fs.writeFileSync(plain, Buffer.concat([Buffer.alloc(3 * 65536, 7), Buffer.from('end')]));
    await ageWithPassphrase(`-p -o '${path.join(dir, 'plain.age')}' '${plain}'`, KEY, 2);
    const opened = await decryptStream(fs.createReadStream(path.join(dir, 'plain.age')), KEY);
    const chunks: Buffer[] = [];
    for await (const chunk of opened) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toEqual(fs.readFileSync(plain));
  });
});

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command}: ${code} ${stderr}`))));
  });
}

/**
 * age reads a passphrase only from a terminal, so `script` gives it one (a pseudo-terminal)
 * and the passphrase is typed at each prompt.
 */
function ageWithPassphrase(args: string, passphrase: string, prompts: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child: ChildProcessWithoutNullStreams = spawn('script', ['-q', '-e', '-c', `age ${args}`, os.devNull]);
    let output = '';
    let typed = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const asked = (output.match(/passphrase/gi) ?? []).length;
      while (typed < Math.min(asked, prompts)) {
        typed += 1;
        child.stdin.write(`${passphrase}\n`);
      }
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`age ${args}: ${code} ${output}`))));
  });
}
