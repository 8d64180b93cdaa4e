#!/usr/bin/env node
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError, Option } from 'commander';
import dotenv from 'dotenv';
import { createServices, VERSION } from '../app.js';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { brokerSettings, createConsumers } from '../events.js';
import { CreateUserBody } from '../modules/identity/identity.schemas.js';
import { sealAuditTrail, verifyAuditTrail } from '../platform/audit/seal.js';
import type { Database } from '../platform/db/database.js';
import { MigrationError, migrate } from '../platform/db/migrate.js';
import { deadLetters } from '../platform/events/dead-letters.js';
import { outboxBacklog } from '../platform/events/outbox.js';
import { ROLES, type Role } from '../platform/http/access.js';
import { DomainError } from '../platform/http/errors.js';
import { createMetricsRegistry } from '../platform/http/metrics.js';
import { openConfiguredDatabase, StartupError, SYSTEM_CONTEXT, startServer } from '../server.js';
import { startWorker } from '../worker.js';
import { BackupCommandError, backupCommand, listBackupsCommand, restoreCommand } from './backup.js';
import { importIcd10 } from './import-icd10.js';
import { ReportingCommandError, reportingGrantCommand } from './reporting.js';
import { seedDemo, seedPatients } from './seed.js';

const out = (line: string) => process.stdout.write(`${line}\n`);

function config(): Config {
  dotenv.config({ quiet: true });
  return loadConfig();
}

/** Opens the configured database, migrated, runs `fn`, and always closes it. */
async function withDatabase<T>(fn: (db: Database, c: Config) => Promise<T>): Promise<T> {
  const c = config();
  const db = await openConfiguredDatabase(c);
  try {
    await migrate(db);
    return await fn(db, c);
  } finally {
    await db.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
};

const program = new Command('clinica').description('Clinica: the open clinic platform').version(VERSION);

program
  .command('start')
  .description('Serve the API (migrates first)')
  .action(async () => {
    await startServer(config());
  });

program
  .command('worker')
  .description('Consume events from RabbitMQ (e-mail and other consumers) and run the periodic jobs')
  .action(async () => {
    const worker = await startWorker(config());
    const stop = async () => {
      await worker.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });

program
  .command('migrate')
  .description('Apply pending database migrations')
  .action(() =>
    withDatabase(async (db) => {
      // withDatabase has migrated already; report what the schema holds.
      const { rows } = await db.query<{ name: string }>('select name from schema_migrations order by version');
      out(`Database (${db.kind}) is at migration ${rows[rows.length - 1]?.name ?? 'none'} (${rows.length} applied).`);
    }),
  );

program
  .command('seed')
  .description('Load demo data or synthetic patients')
  .option('--demo', 'users of every role with known passwords and 50 patients (idempotent)')
  .option('--patients <n>', 'generate N synthetic patients', positiveInt)
  .action((opts: { demo?: boolean; patients?: number }) =>
    withDatabase(async (db, c) => {
      if (!opts.demo && !opts.patients) throw new InvalidArgumentError('say --demo, --patients N, or both');
      const services = await createServices(c, db);
      if (opts.demo) await seedDemo(services, out);
      if (opts.patients) {
        const started = performance.now();
        const n = await seedPatients(services, opts.patients, process.stdout.isTTY);
        const seconds = (performance.now() - started) / 1000;
        out(`Inserted ${n} patients in ${seconds.toFixed(1)} s (${Math.round(n / seconds)}/s).`);
      }
    }),
  );

const user = program.command('user').description('Manage accounts');

user
  .command('create')
  .description('Create an account')
  .requiredOption('--email <email>', 'e-mail address, used to sign in')
  .addOption(
    // A custom parser replaces the check `.choices()` would make, so it checks itself.
    new Option('--role <role>', `a role (repeat for several): ${ROLES.join(', ')}`).argParser(
      (v, prev: Role[] = []) => {
        if (!(ROLES as readonly string[]).includes(v)) {
          throw new InvalidArgumentError(`must be one of ${ROLES.join(', ')}.`);
        }
        return [...prev, v as Role];
      },
    ),
  )
  .option('--patient <number>', 'link to this patient (PT00001) for the portal')
  .option('--password-stdin', 'read the password from standard input')
  .action((opts: { email: string; role?: Role[]; patient?: string; passwordStdin?: boolean }) =>
    withDatabase(async (db, c) => {
      const services = await createServices(c, db);
      let patientId: string | undefined;
      if (opts.patient) {
        const found = await services.patients.search({ q: opts.patient, limit: 1 }, SYSTEM_CONTEXT);
        patientId = found.items.find((p) => p.patientNumber === opts.patient?.toUpperCase())?.id;
        if (!patientId) throw new InvalidArgumentError(`there is no patient ${opts.patient}`);
      }
      const body = CreateUserBody.safeParse({
        email: opts.email,
        roles: opts.role ?? [],
        ...(opts.passwordStdin ? { password: await readStdin() } : {}),
        ...(patientId ? { patientId } : {}),
      });
      if (!body.success) {
        const issue = body.error.issues[0];
        throw new InvalidArgumentError(
          `${String(issue?.path[0] === 'roles' ? 'role' : issue?.path[0])} ${issue?.message}`,
        );
      }
      const created = await services.users.create(body.data, SYSTEM_CONTEXT);
      out(`Created ${created.email} (${created.roles.join(', ')}), id ${created.id}.`);
    }),
  );

user
  .command('list')
  .description('List accounts')
  .action(() =>
    withDatabase(async (db, c) => {
      const services = await createServices(c, db);
      let cursor: string | undefined;
      do {
        const page = await services.users.list({ limit: 100, cursor });
        for (const u of page.items) {
          const flags = [
            u.active ? '' : 'deactivated',
            u.mfaEnabled ? 'mfa' : '',
            u.lockedUntil ? 'locked' : '',
          ].filter(Boolean);
          out(`${u.email.padEnd(40)} ${u.roles.join(',').padEnd(24)} ${flags.join(' ')}`.trimEnd());
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }),
  );

const events = program.command('events').description('Event delivery tools');

events
  .command('status')
  .description('Undelivered events, the age of the oldest, and dead ones')
  .action(() =>
    withDatabase(async (db) => {
      const b = await outboxBacklog(db);
      out(`Outbox: ${b.count} undelivered (oldest ${b.oldestSeconds.toFixed(1)} s), ${b.dead} dead.`);
      const { rows } = await db.query<{ status: string; n: number }>(
        'select status, count(*)::int as n from mail_deliveries group by status order by status',
      );
      out(`E-mail: ${rows.map((r) => `${r.n} ${r.status}`).join(', ') || 'none yet'}.`);
    }),
  );

events
  .command('dead-letters')
  .description('List events that kept failing (from RabbitMQ with AMQP_URL, else from the outbox)')
  .option('--replay', 'send them back to their consumers for a fresh set of attempts')
  .action((opts: { replay?: boolean }) =>
    withDatabase(async (db, c) => {
      const consumers = createConsumers(c, db, createMetricsRegistry(), await createServices(c, db));
      try {
        const found = await deadLetters(
          { db, amqpUrl: c.AMQP_URL, handlers: consumers.handlers, broker: brokerSettings(c) },
          { replay: !!opts.replay },
        );
        for (const d of found) {
          out(`${d.occurredAt}  ${d.type.padEnd(30)} ${d.eventId}  ${d.consumer}  attempts ${d.attempts}  ${d.error}`);
        }
        out(
          `${found.length} dead letter${found.length === 1 ? '' : 's'}${opts.replay && found.length ? ' sent back to their consumers' : ''}.`,
        );
      } finally {
        await consumers.close();
      }
    }),
  );

program
  .command('audit')
  .description('Audit trail tools')
  .command('verify')
  .description('Seal pending entries, then check every entry and seal of the hash chain')
  .action(() =>
    withDatabase(async (db) => {
      const sealed = await sealAuditTrail(db);
      const result = await verifyAuditTrail(db);
      out(
        `Sealed ${sealed} new entries. Checked ${result.entries} entries in ${result.seals} seals; ${result.unsealed} unsealed.`,
      );
      if (result.problems.length > 0) {
        for (const p of result.problems) out(`  TAMPERED: ${p}`);
        process.exitCode = 1;
      } else {
        out('The audit trail is intact.');
      }
    }),
  );

program
  .command('import')
  .description('Load reference data')
  .command('icd10')
  .description("Load the complete ICD-10-CM code list from CMS's icd10cm_codes_YYYY.txt (code, spaces, title)")
  .argument('<file>', 'the code file, e.g. icd10cm_codes_2026.txt')
  .action((file: string) =>
    withDatabase(async (db, c) => {
      const services = await createServices(c, db);
      await importIcd10(db, services.audit, file, out, process.stdout.isTTY);
      await services.audit.drain();
    }),
  );

const backup = program
  .command('backup')
  .description('Write an encrypted archive of the database and the documents to BACKUP_URL (key: BACKUP_KEY)')
  .option('--to <url>', 'write it elsewhere: a folder, a WebDAV URL or an S3 URL (no retention there)')
  .action((opts: { to?: string }) => backupCommand(config(), opts, out, process.stdout.isTTY));

backup
  .command('list')
  .description('List the archives in BACKUP_URL, newest first, with their size and date')
  .option('--from <url>', 'list another location')
  .action((opts: { from?: string }) => listBackupsCommand(config(), opts, out));

program
  .command('restore')
  .description('Restore an archive into an empty database and document storage, verifying every table and file')
  .argument('<archive>', 'the archive name in BACKUP_URL (see clinica backup list), or a path to the file')
  .option('--from <url>', 'read the archive from this location instead of BACKUP_URL')
  .action((archive: string, opts: { from?: string }) =>
    restoreCommand(config(), archive, opts, out, process.stdout.isTTY),
  );

program
  .command('reporting')
  .description('Access of BI tools to the reporting views (PostgreSQL only; docs/reporting.md)')
  .command('grant')
  .description('Create or update a PostgreSQL login that reads the reporting views and nothing else')
  .argument('<login-role>', 'the login role the BI tool connects as, e.g. metabase')
  .option('--password-stdin', 'read its password from standard input (required for a new role)')
  .action((login: string, opts: { passwordStdin?: boolean }) =>
    reportingGrantCommand(config(), login, opts, readStdin, out),
  );

program.parseAsync().catch((err: unknown) => {
  const oneLine = [
    ConfigError,
    InvalidArgumentError,
    DomainError,
    StartupError,
    MigrationError,
    BackupCommandError,
    ReportingCommandError,
  ];
  if (oneLine.some((kind) => err instanceof kind)) {
    process.stderr.write(`clinica: ${(err as Error).message}\n`);
  } else {
    process.stderr.write(`clinica: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
