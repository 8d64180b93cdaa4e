import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/platform/db/database.js';
import { migrate } from '../../src/platform/db/migrate.js';

/**
 * Every database test runs against the embedded database and, when TEST_DATABASE_URL is
 * set (CI sets it), against PostgreSQL too. Each test file gets its own fresh database.
 */
export type DatabaseKind = 'pglite' | 'postgresql';

export const DATABASES: DatabaseKind[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgresql'] : ['pglite'];

export interface TestDatabase {
  db: Database;
  /** postgres:// URL of the fresh database (PostgreSQL only). */
  url: string | undefined;
  drop(): Promise<void>;
}

export interface PostgresDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty PostgreSQL database on the server of `adminUrl` (by default
 * TEST_DATABASE_URL); answers its name, its URL and a dropper. The benchmarks use it too.
 */
export async function createPostgresDatabase(
  options: { adminUrl?: string | undefined; prefix?: string } = {},
): Promise<PostgresDatabase> {
  const admin = options.adminUrl ?? process.env.TEST_DATABASE_URL;
  if (!admin) throw new Error('TEST_DATABASE_URL is not set');
  const name = `${options.prefix ?? 'clinica_test'}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function createTestDatabase(
  kind: DatabaseKind,
  options: { migrated?: boolean } = {},
): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const db = await openDatabase({});
    if (options.migrated !== false) await migrate(db);
    return { db, url: undefined, drop: () => db.close() };
  }
  const created = await createPostgresDatabase();
  const db = await openDatabase({ url: created.url, poolSize: 40 });
  if (options.migrated !== false) await migrate(db);
  return {
    db,
    url: created.url,
    drop: async () => {
      await db.close();
      await created.drop();
    },
  };
}
