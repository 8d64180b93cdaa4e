import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { type Config, withoutPassword } from '../config.js';
import { AuditTrail } from '../platform/audit/audit.js';
import { pgErrorCode, type Queryable } from '../platform/db/database.js';
import { migrate } from '../platform/db/migrate.js';
import { openConfiguredDatabase, SYSTEM_CONTEXT } from '../server.js';

type Out = (line: string) => void;

/** A grant that cannot be made, and why, in words the operator can act on; printed in one line. */
export class ReportingCommandError extends Error {
  override name = 'ReportingCommandError';
}

/** The role that may read the views of the `reporting` schema and nothing else (migration 0014). */
export const READER_ROLE = 'clinica_reporting';

/**
 * A plain lower-case identifier: the name a BI tool is given is then exactly the role's name,
 * with no quoting rules in between. `pg_` names are reserved by PostgreSQL.
 */
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The password sits in a BI tool's settings, typed by nobody: it can afford to be long. */
export const DB_PASSWORD_MIN_LENGTH = 16;

/**
 * Printable ASCII only: every driver (libpq, JDBC, node-postgres) then derives the same
 * SCRAM key from it, whatever Unicode normalisation each applies.
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

const SCRAM_ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802, 7677), computed here
 * so that the password itself never travels in an SQL statement, where the server's statement
 * log or pg_stat_statements could keep it. PostgreSQL takes such a verifier as it is.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * What the reading role is granted. Migration 0014 grants the same when it can create the
 * role; repeated here for a role that an administrator created after that migration ran.
 * Default privileges are set for the owner of the schema, who creates the views that later
 * migrations add.
 */
async function grantReader(tx: Queryable): Promise<void> {
  const { rows } = await tx.query<{ database: string; owner: string }>(
    `select current_database() as database, pg_get_userbyid(nspowner) as owner
       from pg_namespace where nspname = 'reporting'`,
  );
  const target = rows[0];
  if (!target) throw new ReportingCommandError('the database has no reporting schema (migration 0014)');
  await tx.query(`grant connect on database ${ident(target.database)} to ${READER_ROLE}`);
  await tx.query(`revoke all on schema public from ${READER_ROLE}`);
  await tx.query(`grant usage on schema reporting to ${READER_ROLE}`);
  await tx.query(`grant select on all tables in schema reporting to ${READER_ROLE}`);
  await tx.query(
    `alter default privileges for role ${ident(target.owner)} in schema reporting grant select on tables to ${READER_ROLE}`,
  );
}

interface ExistingRole {
  privileged: boolean;
  is_me: boolean;
  other_roles: string[];
  holds_objects: boolean;
}

/**
 * Refuses to turn a role that can do more than read into a BI login: a superuser, a role that
 * creates roles or databases, replicates or bypasses row security, a member of other roles, a
 * role that owns objects or holds privileges of its own anywhere on the server, or the role
 * Clinica itself connects with.
 */
function refuseUnsafe(login: string, role: ExistingRole): void {
  const why = role.is_me
    ? 'it is the role Clinica connects with (DATABASE_URL)'
    : role.privileged
      ? 'it is a superuser, or may create roles or databases, replicate or bypass row security'
      : role.other_roles.length > 0
        ? `it is a member of ${role.other_roles.join(', ')}`
        : role.holds_objects
          ? 'it owns objects or holds privileges of its own'
          : null;
  if (why) {
    throw new ReportingCommandError(
      `role ${login} already exists and ${why}: a BI login must be able to read the reporting views and nothing else. Choose a new name`,
    );
  }
}

/** Where a BI tool connects: the host and port of DATABASE_URL (no user, no password). */
function serverOf(url: string): string {
  try {
    const u = new URL(url);
    const host = decodeURIComponent(u.hostname) || u.searchParams.get('host') || 'localhost';
    return `host ${host}, port ${u.port || '5432'}`;
  } catch {
    return withoutPassword(url);
  }
}

/**
 * `clinica reporting grant <login> [--password-stdin]`: creates the PostgreSQL login role a BI
 * tool connects as, or updates an existing one, and makes it a member of clinica_reporting and
 * of nothing else. Its sessions default to read-only transactions and to the clinic's time
 * zone, which the views' "today" and days follow.
 */
export async function reportingGrantCommand(
  config: Config,
  login: string,
  options: { passwordStdin?: boolean },
  readPassword: () => Promise<string>,
  out: Out,
): Promise<void> {
  if (!config.DATABASE_URL) {
    throw new ReportingCommandError(
      'BI tools read the reporting views over a PostgreSQL connection, and the embedded database (DATA_DIR) accepts none from other programs: run Clinica on PostgreSQL (DATABASE_URL; a backup restores into it) and run this command again (docs/reporting.md)',
    );
  }
  if (!ROLE_NAME.test(login) || login.startsWith('pg_') || login === READER_ROLE || login === 'public') {
    throw new ReportingCommandError(
      `${JSON.stringify(login)} cannot be used: a login role name is 1 to 63 lower-case letters, digits and underscores, starts with a letter or an underscore, does not start with pg_, and is not ${READER_ROLE}`,
    );
  }
  let password: string | undefined;
  if (options.passwordStdin) {
    password = await readPassword();
    if (password.length < DB_PASSWORD_MIN_LENGTH) {
      throw new ReportingCommandError(
        `the password must be at least ${DB_PASSWORD_MIN_LENGTH} characters (for example: openssl rand -base64 24)`,
      );
    }
    if (!PRINTABLE_ASCII.test(password)) {
      throw new ReportingCommandError(
        'the password must be printable ASCII (letters, digits, spaces and punctuation), so that every BI driver derives the same key from it',
      );
    }
  }

  const db = await openConfiguredDatabase(config);
  try {
    await migrate(db);
    const audit = new AuditTrail(db);
    const result = await db
      .transaction(async (tx) => {
        const { rows: readers } = await tx.query(`select 1 from pg_roles where rolname = '${READER_ROLE}'`);
        if (readers.length === 0) await tx.query(`create role ${READER_ROLE} nologin`);
        await grantReader(tx);

        const { rows } = await tx.query<ExistingRole>(
          `select r.rolsuper or r.rolcreaterole or r.rolcreatedb or r.rolreplication or r.rolbypassrls as privileged,
                  r.rolname = current_user as is_me,
                  coalesce((select array_agg(g.rolname::text order by g.rolname)
                              from pg_auth_members m join pg_roles g on g.oid = m.roleid
                             where m.member = r.oid and g.rolname <> $2), '{}') as other_roles,
                  exists (select 1 from pg_shdepend d
                           where d.refclassid = 'pg_authid'::regclass and d.refobjid = r.oid) as holds_objects
             from pg_roles r where r.rolname = $1`,
          [login, READER_ROLE],
        );
        const existing = rows[0];
        if (existing) refuseUnsafe(login, existing);
        else if (password === undefined) {
          throw new ReportingCommandError(
            `role ${login} does not exist yet: give it a password with --password-stdin (for example: openssl rand -base64 24 | clinica reporting grant ${login} --password-stdin)`,
          );
        }
        const withPassword = password === undefined ? '' : ` password ${literal(scramVerifier(password))}`;
        // An existing role was checked above to hold none of the attributes a new one is denied;
        // naming them again in ALTER ROLE would take a superuser.
        await tx.query(
          existing
            ? `alter role ${ident(login)} login inherit${withPassword}`
            : `create role ${ident(login)} login inherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls${withPassword}`,
        );
        await tx.query(`grant ${READER_ROLE} to ${ident(login)}`);
        const { rows: here } = await tx.query<{ database: string }>('select current_database() as database');
        const database = here[0]?.database as string;
        // Session defaults of this role in this database; a BI tool may still change them, the
        // grants are what hold.
        const inDatabase = `alter role ${ident(login)} in database ${ident(database)} set`;
        await tx.query(`${inDatabase} default_transaction_read_only = on`);
        await tx.query(`${inDatabase} timezone = ${literal(config.CLINIC_TIMEZONE)}`);
        await audit.write(tx, SYSTEM_CONTEXT, {
          action: 'reporting.grant',
          resourceType: 'DatabaseRole',
          resourceId: login,
          details: { created: !existing, passwordSet: password !== undefined },
        });
        return { created: !existing, database };
      })
      .catch((err: unknown) => {
        if (pgErrorCode(err) === '42501') {
          throw new ReportingCommandError(
            `the database user of DATABASE_URL may not manage roles (${(err as Error).message}): run this command with a DATABASE_URL of a user with CREATEROLE, or have an administrator run the SQL in docs/reporting.md`,
            { cause: err },
          );
        }
        throw err;
      });
    out(
      `${result.created ? 'Created' : 'Updated'} role ${login}: it reads the views of schema reporting in database ${result.database} and nothing else.`,
    );
    out(
      `Connect the BI tool to ${serverOf(config.DATABASE_URL)}, database ${result.database}, user ${login}${password === undefined ? ' (password unchanged)' : ''}.`,
    );
  } finally {
    await db.close();
  }
}
