import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { type Config, withoutPassword } from './config.js';
import { startServerDelivery } from './events.js';
import { backgroundJobs, startJobs } from './jobs.js';
import { sealAuditTrail } from './platform/audit/seal.js';
import { type Database, openDatabase } from './platform/db/database.js';
import { migrate } from './platform/db/migrate.js';
import { systemContext } from './platform/http/access.js';

/** The embedded database lives here unless DATABASE_URL points elsewhere. */
export const embeddedDatabaseDir = (config: Config) => path.join(config.DATA_DIR, 'db');

/** A start-up failure the operator can act on, reported in one line without a stack trace. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/**
 * Opens PostgreSQL (DATABASE_URL) or the embedded database in DATA_DIR. The embedded one is
 * held for this process until `close()`: PGlite has no lock of its own, and a second process
 * writing the same folder (say `clinica user create` beside a running server) corrupts it.
 */
export async function openConfiguredDatabase(config: Config): Promise<Database> {
  if (config.DATABASE_URL) {
    try {
      return await openDatabase({ url: config.DATABASE_URL });
    } catch (err) {
      throw new StartupError(
        `cannot use the database at DATABASE_URL ${withoutPassword(config.DATABASE_URL)}: ${messageOf(err)}`,
      );
    }
  }
  const dir = embeddedDatabaseDir(config);
  const release = await holdEmbeddedDatabase(dir);
  try {
    const db = await openDatabase({ dataDir: dir });
    return {
      ...db,
      close: async () => {
        try {
          await db.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw new StartupError(`cannot open the embedded database in ${dir}: ${messageOf(err)}`);
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];

/**
 * The lock is a listening local socket beside the folder (a named pipe on Windows): the
 * kernel drops it when its process dies, even by kill -9, so a crash never leaves a lock
 * behind that would need removing by hand. Answers the release.
 */
async function holdEmbeddedDatabase(dir: string): Promise<() => void> {
  const hash = createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 16);
  let address = `${dir}.lock`;
  // Socket paths are limited to about 100 bytes; a deep folder uses a name in the temp folder.
  if (process.platform === 'win32') address = `\\\\?\\pipe\\clinica-${hash}`;
  else if (Buffer.byteLength(address) > 100) address = path.join(os.tmpdir(), `clinica-${hash}.lock`);
  fs.mkdirSync(path.dirname(dir), { recursive: true });

  const server = net.createServer((socket) => socket.destroy());
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') return () => {};
    if (await answers(address)) {
      throw new StartupError(
        `the embedded database in ${dir} is in use by another Clinica process; stop that one first, or set DATABASE_URL to share a PostgreSQL database`,
      );
    }
    // Left behind by a process that died without closing it.
    fs.rmSync(address, { force: true });
    await listen();
  }
  server.unref();
  return () => server.close();
}

function answers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(address);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export const SYSTEM_CONTEXT = systemContext('cli');

/**
 * `clinica start`: migrate, build the app, make sure an administrator exists, listen.
 * On SIGINT/SIGTERM it stops accepting requests, lets in-flight ones finish, then closes
 * the database, so the embedded database is never left mid-write by a normal stop.
 */
export async function startServer(config: Config): Promise<FastifyInstance> {
  const db = await openConfiguredDatabase(config);
  await migrate(db);
  const app = await buildApp(config, db);
  const admin = await app.clinica.users.ensureFirstAdmin(config.ADMIN_EMAIL, config.ADMIN_PASSWORD, SYSTEM_CONTEXT);

  let delivery: Awaited<ReturnType<typeof startServerDelivery>>;
  try {
    delivery = await startServerDelivery(config, db, app.clinica.consumers, app.log);
  } catch (err) {
    await app.close();
    await db.close();
    throw new StartupError(
      `cannot connect to the broker at AMQP_URL ${withoutPassword(config.AMQP_URL ?? '')}: ${messageOf(err)}`,
    );
  }
  // With a broker and a shared database the workers run the jobs; otherwise this process does.
  const stopJobs =
    config.AMQP_URL && db.kind === 'postgresql' ? null : startJobs(backgroundJobs(config, app.clinica), app.log);

  const seal = () => sealAuditTrail(db).catch((err: unknown) => app.log.error({ err }, 'audit sealing failed'));
  const sealer = setInterval(seal, config.AUDIT_SEAL_INTERVAL_SECONDS * 1000);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    clearInterval(sealer);
    await app.close();
    await delivery.stop();
    await stopJobs?.();
    await seal();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (err) {
    clearInterval(sealer);
    await app.close();
    await delivery.stop();
    await stopJobs?.();
    await db.close();
    throw new StartupError(`cannot listen on ${config.HOST}:${config.PORT}: ${messageOf(err)}`);
  }
  printWelcome(config, db, admin, delivery.mode);
  return app;
}

function printWelcome(
  config: Config,
  db: Database,
  admin: { email: string; password: string; generated: boolean } | null,
  events: string,
) {
  const mail = config.SMTP_URL
    ? `SMTP ${withoutPassword(config.SMTP_URL)}`
    : config.MAIL_API_URL
      ? `HTTP API ${config.MAIL_API_URL}`
      : `written as .eml files in ${path.join(config.DATA_DIR, 'mail')}`;
  const lines = [
    '',
    `  Clinica is running at ${config.PUBLIC_URL}  (database: ${db.kind === 'pglite' ? `embedded, in ${embeddedDatabaseDir(config)}` : 'PostgreSQL'})`,
    `  API documentation:   ${config.PUBLIC_URL}/docs`,
    `  Events:              ${events}`,
    `  E-mail:              ${mail}`,
  ];
  if (admin) {
    lines.push(
      '',
      `  First administrator: ${admin.email}`,
      admin.generated
        ? `  Password:            ${admin.password}   (shown only now; change it after signing in)`
        : '  Password:            the one in ADMIN_PASSWORD',
    );
  }
  lines.push(
    '',
    `  Sign in: open ${config.PUBLIC_URL} in a browser (phones too, with HOST=0.0.0.0).`,
    `  API clients: POST ${config.PUBLIC_URL}/api/v1/auth/login with {"email", "password"}.`,
    '  Demo users of every role: stop the server, run npx clinica seed --demo, start again.',
    '',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
