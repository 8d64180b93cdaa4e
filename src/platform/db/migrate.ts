import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

/** Migrations live beside the package (`migrations/`), from both `src/` and `dist/`. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/** Arbitrary constant shared by every Clinica process that migrates. */
const MIGRATION_LOCK_KEY = 7_245_019_331;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = fs.readFileSync(`${dir}/${file}`, 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies pending migrations in one transaction under an advisory lock, so replicas that
 * start together migrate once. Forward-only: an applied file that changed stops start.
 */
export async function migrate(db: Database, migrations = readMigrations()): Promise<Migration[]> {
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`create table if not exists schema_migrations (
      version integer primary key, name text not null, checksum text not null,
      applied_at timestamptz not null default now())`);
    const { rows } = await tx.query<{ version: number; name: string; checksum: string }>(
      'select version, name, checksum from schema_migrations order by version',
    );
    const applied = new Map(rows.map((r) => [r.version, r]));
    for (const m of migrations) {
      const done = applied.get(m.version);
      if (done && done.checksum !== m.checksum) {
        throw new MigrationError(`Migration ${m.name} was changed after it was applied; add a new migration instead`);
      }
    }
    const pending = migrations.filter((m) => !applied.has(m.version));
    for (const m of pending) {
      await tx.exec(m.sql);
      await tx.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
        m.version,
        m.name,
        m.checksum,
      ]);
    }
    return pending;
  });
}

/** True when every known migration is applied (readiness). */
export async function migrationsApplied(db: Database, migrations = readMigrations()): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from schema_migrations where version = any($1::int[])`,
    [migrations.map((m) => m.version)],
  );
  return rows[0]?.n === migrations.length;
}
