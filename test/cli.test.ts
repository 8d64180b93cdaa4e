import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/cli/seed.js';
import { verifyPassword } from '../src/platform/auth/passwords.js';
import { type Database, openDatabase } from '../src/platform/db/database.js';
import { readMigrations } from '../src/platform/db/migrate.js';
import { type CliRun, clinica, freshDataDir, linesOf } from './support/cli.js';
import { createPostgresDatabase, DATABASES } from './support/databases.js';

/** A refusal: exit code 1, nothing on stdout, exactly one line on stderr. Answers that line. */
function refusal(run: CliRun): string {
  expect(run.code, run.stderr).toBe(1);
  const lines = linesOf(run.stderr);
  expect(lines, run.stderr).toHaveLength(1);
  return lines[0] as string;
}

function succeeded(run: CliRun): string[] {
  expect(run.code, run.stderr).toBe(0);
  return linesOf(run.stdout);
}

describe('clinica configuration errors', () => {
  const scratch = freshDataDir('config');
  const emptyDir = () => fs.mkdtempSync(path.join(scratch, 'dir-'));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it.each([
    ['PORT', 'abc', 'clinica: Invalid configuration: PORT must be a whole number (got "abc")'],
    ['DATABASE_URL', 'mysql://clinica:pw-123@db/x', 'clinica: Invalid configuration: DATABASE_URL must be a postgres'],
  ])('a bad %s stops the command with one line on stderr naming it', async (name, value, start) => {
    const dataDir = emptyDir();
    const run = await clinica(['migrate'], { env: { DATA_DIR: dataDir, [name]: value } });
    expect(refusal(run).startsWith(start)).toBe(true);
    expect(run.stderr).not.toContain('pw-123');
    expect(run.stdout).toBe('');
    // It stopped before touching the data directory.
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('a database that cannot be reached stops the command with one line, password hidden', async () => {
    const url = 'postgres://clinica:pw-123@127.0.0.1:1/clinica';
    const line = refusal(await clinica(['migrate'], { env: { DATA_DIR: emptyDir(), DATABASE_URL: url } }));
    expect(line).toMatch(
      /^clinica: cannot use the database at DATABASE_URL postgres:\/\/clinica:\*\*\*@127\.0\.0\.1:1\/clinica: /,
    );
    expect(line).toContain('ECONNREFUSED');
  });

  it('reads the configuration from a .env file in the working directory', async () => {
    const cwd = emptyDir();
    fs.writeFileSync(path.join(cwd, '.env'), `DATA_DIR=${path.join(cwd, 'data')}\nSELF_REGISTRATION=maybe\n`);
    const line = refusal(await clinica(['migrate'], { cwd }));
    expect(line).toBe('clinica: Invalid configuration: SELF_REGISTRATION must be true or false (got "maybe")');
  });
});

describe.each(DATABASES)('clinica commands on %s', (kind) => {
  const dataDir = freshDataDir(`cli-${kind}`);
  let url: string | undefined;
  let dropDatabase = async () => {};
  const env = () => ({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...(url ? { DATABASE_URL: url } : {}) });
  const run = (args: string[], input?: string) =>
    clinica(args, { env: env(), ...(input !== undefined ? { input } : {}) });

  /**
   * Opens the same database the CLI uses, once the CLI has exited: an embedded database
   * folder belongs to one process at a time.
   */
  async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
    const db = await openDatabase(url ? { url } : { dataDir: path.join(dataDir, 'db') });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }
  const count = (db: Database, sql: string, params: unknown[] = []) =>
    db.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params).then((r) => r.rows[0]?.n ?? 0);
  const userList = async () => succeeded(await run(['user', 'list']));

  beforeAll(async () => {
    if (kind === 'postgresql') {
      const created = await createPostgresDatabase();
      url = created.url;
      dropDatabase = created.drop;
    }
  });
  afterAll(async () => {
    await dropDatabase();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('migrate applies every migration and is idempotent', async () => {
    const migrations = readMigrations();
    const last = migrations[migrations.length - 1]?.name;
    const expected = `Database (${kind}) is at migration ${last} (${migrations.length} applied).`;
    expect(succeeded(await run(['migrate']))).toEqual([expected]);
    expect(succeeded(await run(['migrate']))).toEqual([expected]);
    await withDatabase(async (db) => {
      expect(await count(db, 'schema_migrations')).toBe(migrations.length);
    });
    if (kind === 'pglite') expect(fs.existsSync(path.join(dataDir, 'db', 'PG_VERSION'))).toBe(true);
  });

  it('user create reads the password from stdin and gives every --role', async () => {
    const out = succeeded(
      await run(
        [
          'user',
          'create',
          '--email',
          'Dra.Ruiz@Clinica.test',
          '--role',
          'doctor',
          '--role',
          'results',
          '--password-stdin',
        ],
        'una contraseña larga\n',
      ),
    );
    expect(out).toHaveLength(1);
    // E-mail addresses are kept in lower case, so sign-in does not depend on how one was typed.
    expect(out[0]).toMatch(/^Created dra\.ruiz@clinica\.test \(doctor, results\), id [0-9a-f-]{36}\.$/);
    const listed = (await userList()).find((line) => line.startsWith('dra.ruiz@clinica.test'));
    expect(listed?.trim().split(/\s+/)).toEqual(['dra.ruiz@clinica.test', 'doctor,results']);
    await withDatabase(async (db) => {
      const { rows } = await db.query<{ password_hash: string; roles: string[] }>(
        `select password_hash, roles from users where email = 'dra.ruiz@clinica.test'`,
      );
      expect(rows[0]?.roles).toEqual(['doctor', 'results']);
      // The line break that ends piped input is not part of the password.
      expect(await verifyPassword('una contraseña larga', rows[0]?.password_hash as string)).toBe(true);
      expect(await verifyPassword('una contraseña larga\n', rows[0]?.password_hash as string)).toBe(false);
    });
  });

  it('user create refuses a short password, an unknown role and a taken e-mail, in one line each', async () => {
    const create = (email: string, roles: string[], password?: string) =>
      run(
        ['user', 'create', '--email', email, ...roles.flatMap((r) => ['--role', r]), '--password-stdin'],
        password ?? 'long enough password',
      );
    expect(refusal(await create('corto@clinica.test', ['doctor'], 'short\n'))).toBe(
      'clinica: password must be at least 10 characters',
    );
    const unknown = refusal(await create('enfermera@clinica.test', ['nurse']));
    expect(unknown).toContain("--role <role>' argument 'nurse' is invalid");
    expect(unknown).toContain('must be one of patient, admissions, doctor, results, pharmacist, agent, admin');
    expect(refusal(await create('dra.ruiz@CLINICA.test', ['admin']))).toMatch(
      /^clinica: An account with the e-mail dra\.ruiz@clinica\.test already exists\.$/,
    );
    await withDatabase(async (db) => {
      const { rows } = await db.query<{ email: string; roles: string[] }>('select email, roles from users');
      expect(rows).toEqual([{ email: 'dra.ruiz@clinica.test', roles: ['doctor', 'results'] }]);
    });
  });

  let demoPatientCount = 0;
  it('seed --demo creates 50 patients and a user of every role, and a second run changes nothing', async () => {
    const first = (await run(['seed', '--demo'])).stdout;
    expect(first).toContain('Patients: 50 created, 0 already there.');
    expect(first).toContain(`Demo users (password for all: ${DEMO_PASSWORD}):`);
    expect(first.split(DEMO_PASSWORD)).toHaveLength(2);
    const demoEmails = linesOf(first)
      .filter((line) => line.includes('@demo.clinica.local'))
      .map((line) => line.trim().split(/\s+/).pop());
    expect(demoEmails).toHaveLength(8);
    const after = await withDatabase(async (db) => ({
      patients: await count(db, 'patients'),
      users: await count(db, 'users'),
      roles: (await db.query<{ role: string }>('select distinct unnest(roles) as role from users order by 1')).rows,
      hash: (
        await db.query<{ password_hash: string }>(`select password_hash from users where email = $1`, [demoEmails[2]])
      ).rows[0]?.password_hash,
    }));
    expect(after.patients).toBe(50);
    expect(after.users).toBe(1 + 8);
    expect(after.roles.map((r) => r.role)).toEqual(
      ['admin', 'admissions', 'agent', 'doctor', 'patient', 'pharmacist', 'results'].sort(),
    );
    expect(await verifyPassword(DEMO_PASSWORD, after.hash as string)).toBe(true);

    const second = (await run(['seed', '--demo'])).stdout;
    expect(second).toContain('Patients: 0 created, 50 already there.');
    expect(second.split(DEMO_PASSWORD)).toHaveLength(2);
    await withDatabase(async (db) => {
      expect(await count(db, 'patients')).toBe(50);
      expect(await count(db, 'users')).toBe(1 + 8);
    });
    const listed = await userList();
    for (const email of demoEmails) expect(listed.some((line) => line.startsWith(`${email} `))).toBe(true);
    expect(listed).toHaveLength(1 + 8);
    demoPatientCount = 50;
  });

  it('user create --patient links the account to that patient, and refuses an unknown one', async () => {
    const out = succeeded(
      await run(
        [
          'user',
          'create',
          '--email',
          'portal@clinica.test',
          '--role',
          'patient',
          '--patient',
          'pt00001',
          '--password-stdin',
        ],
        'portal password 1',
      ),
    );
    expect(out[0]).toMatch(/^Created portal@clinica\.test \(patient\)/);
    await withDatabase(async (db) => {
      const { rows } = await db.query<{ patient_number: string }>(
        `select p.patient_number from users u join patients p on p.id = u.patient_id where u.email = 'portal@clinica.test'`,
      );
      expect(rows).toEqual([{ patient_number: 'PT00001' }]);
    });
    const missing = await run(
      [
        'user',
        'create',
        '--email',
        'nadie@clinica.test',
        '--role',
        'patient',
        '--patient',
        'PT99999',
        '--password-stdin',
      ],
      'portal password 2',
    );
    expect(refusal(missing)).toBe('clinica: there is no patient PT99999');
    await withDatabase(async (db) => {
      expect(await count(db, `users where email = 'nadie@clinica.test'`)).toBe(0);
    });
  });

  it('seed --patients N inserts exactly N valid patients, each with a number', async () => {
    expect(demoPatientCount).toBe(50);
    const out = succeeded(await run(['seed', '--patients', '500']));
    expect(out.at(-1)).toMatch(/^Inserted 500 patients in \d+\.\d s \(\d+\/s\)\.$/);
    await withDatabase(async (db) => {
      expect(await count(db, 'patients')).toBe(demoPatientCount + 500);
      expect(await count(db, `patients where patient_number !~ '^PT[0-9]{5,}$'`)).toBe(0);
      expect(await count(db, 'patients where document_number is null')).toBe(0);
      expect(await count(db, `audit_events where action = 'patient.import'`)).toBe(1);
    });
    expect(refusal(await run(['seed', '--patients', '0']))).toContain("'--patients <n>' argument '0' is invalid");
    expect(refusal(await run(['seed']))).toBe('clinica: say --demo, --patients N, or both');
  });

  it('audit verify passes an intact trail and reports an edited or a deleted entry', async () => {
    const intact = succeeded(await run(['audit', 'verify']));
    expect(intact.at(-1)).toBe('The audit trail is intact.');
    expect(intact.join('\n')).not.toContain('TAMPERED');

    // Someone with database access rewrites who was given which roles.
    const target = await withDatabase(async (db) => {
      const { rows } = await db.query<{ id: number }>(
        `select id from audit_events where action = 'user.create' and seal_id is not null order by id limit 1`,
      );
      const entry = rows[0] as { id: number };
      await db.exec('alter table audit_events disable trigger audit_events_append_only');
      await db.query(`update audit_events set details = '{"roles":["admin"]}' where id = $1`, [entry.id]);
      await db.exec('alter table audit_events enable trigger audit_events_append_only');
      return entry;
    });
    const edited = await run(['audit', 'verify']);
    expect(edited.code).toBe(1);
    expect(edited.stdout).toContain(`TAMPERED: entry ${target.id} was altered`);
    expect(edited.stdout).not.toContain('The audit trail is intact.');

    const deleted = await withDatabase(async (db) => {
      const { rows } = await db.query<{ id: number; seal_id: number }>(
        `select id, seal_id from audit_events where action = 'patient.import'`,
      );
      await db.exec('alter table audit_events disable trigger audit_events_append_only');
      await db.query('delete from audit_events where id = $1', [rows[0]?.id]);
      await db.exec('alter table audit_events enable trigger audit_events_append_only');
      return rows[0] as { id: number; seal_id: number };
    });
    const gone = await run(['audit', 'verify']);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toContain(`TAMPERED: entry ${target.id} was altered`);
    expect(gone.stdout).toMatch(new RegExp(`TAMPERED: seal ${deleted.seal_id} covers \\d+ entries but \\d+ remain`));
  });

  it('the append-only trigger stops an ordinary edit in the first place', async () => {
    await withDatabase(async (db) => {
      await expect(db.query(`update audit_events set action = 'x' where id = 1`)).rejects.toThrow(/append-only/);
      await expect(db.query('delete from audit_events where id = 1')).rejects.toThrow(/append-only/);
    });
  });
});
