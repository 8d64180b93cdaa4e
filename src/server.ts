import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { sealAuditTrail } from './platform/audit/seal.js';
import { type Database, openDatabase } from './platform/db/database.js';
import { migrate } from './platform/db/migrate.js';

/** The embedded database lives here unless DATABASE_URL points elsewhere. */
export const embeddedDatabaseDir = (config: Config) => path.join(config.DATA_DIR, 'db');

export async function openConfiguredDatabase(config: Config): Promise<Database> {
  return openDatabase({ url: config.DATABASE_URL, dataDir: embeddedDatabaseDir(config) });
}

export const SYSTEM_CONTEXT = { actor: null, ip: 'local', userAgent: 'clinica-cli', requestId: 'cli' };

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

  const seal = () => sealAuditTrail(db).catch((err: unknown) => app.log.error({ err }, 'audit sealing failed'));
  const sealer = setInterval(seal, config.AUDIT_SEAL_INTERVAL_SECONDS * 1000);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    clearInterval(sealer);
    await app.close();
    await seal();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.PORT, host: config.HOST });
  printWelcome(config, db, admin);
  return app;
}

function printWelcome(
  config: Config,
  db: Database,
  admin: { email: string; password: string; generated: boolean } | null,
) {
  const lines = [
    '',
    `  Clinica is running at ${config.PUBLIC_URL}  (database: ${db.kind === 'pglite' ? `embedded, in ${embeddedDatabaseDir(config)}` : 'PostgreSQL'})`,
    `  API documentation:   ${config.PUBLIC_URL}/docs`,
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
    '  Sign in:',
    `    curl -s ${config.PUBLIC_URL}/api/v1/auth/login -H 'content-type: application/json' \\`,
    `      -d '{"email":"${admin?.email ?? 'YOUR_EMAIL'}","password":"..."}'`,
    '  Demo users of every role: npx clinica seed --demo',
    '',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
