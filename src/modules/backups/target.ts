import type { Database } from '../../platform/db/database.js';
import { type Migration, readMigrations } from '../../platform/db/migrate.js';
import type { ObjectStorage } from '../../platform/storage/storage.js';
import { describeTables, quoteIdent } from './catalog.js';
import type { Manifest } from './manifest.js';

/** A restore that cannot go ahead, and why, in words the operator can act on. */
export class RestoreRefused extends Error {
  override name = 'RestoreRefused';
}

/**
 * Tables the migrations themselves fill (the shipped ICD-10 list): a freshly migrated
 * database holds their rows and still counts as empty.
 */
export function tablesFilledByMigrations(migrations: Migration[]): Set<string> {
  const tables = new Set<string>(['schema_migrations']);
  for (const m of migrations) {
    for (const match of m.sql.matchAll(/^\s*insert\s+into\s+([a-z_][a-z0-9_]*)/gim)) {
      if (match[1]) tables.add(match[1].toLowerCase());
    }
  }
  return tables;
}

/**
 * The migrations to apply to the target so that its schema is the archive's: exactly those
 * the source had applied, each the same file as here. An archive from a newer Clinica (a
 * migration unknown here) or one whose migration files differ is refused.
 */
export function migrationsFor(manifest: Manifest, local = readMigrations()): Migration[] {
  const byVersion = new Map(local.map((m) => [m.version, m]));
  return manifest.migrations.map((archived) => {
    const here = byVersion.get(archived.version);
    if (!here) {
      throw new RestoreRefused(
        `the archive was made by a newer Clinica (it has migration ${archived.name}, which this Clinica does not know): restore it with Clinica ${manifest.clinicaVersion} or later`,
      );
    }
    if (here.checksum !== archived.checksum || here.name !== archived.name) {
      throw new RestoreRefused(
        `migration ${archived.name} in the archive differs from this Clinica's ${here.name}: restore it with Clinica ${manifest.clinicaVersion}`,
      );
    }
    return here;
  });
}

/**
 * Refuses a target that holds data, or whose schema is ahead of the archive's. A database
 * that was only migrated (by `clinica migrate`) is still empty.
 */
export async function checkEmptyDatabase(db: Database, wanted: Migration[], describe: string): Promise<void> {
  const tables = await describeTables(db);
  if (tables.length === 0) return;
  const names = new Set(tables.map((t) => t.name));
  if (names.has('schema_migrations')) {
    const { rows } = await db.query<{ version: number; name: string; checksum: string }>(
      'select version, name, checksum from schema_migrations order by version',
    );
    const wantedByVersion = new Map(wanted.map((m) => [m.version, m]));
    const ahead = rows.find((r) => wantedByVersion.get(r.version)?.checksum !== r.checksum);
    if (ahead) {
      throw new RestoreRefused(
        `${describe} already has migration ${ahead.name}, which the archive does not: restore into a database that has not been migrated (a new data folder, or a newly created PostgreSQL database)`,
      );
    }
  }
  const filled = tablesFilledByMigrations(readMigrations());
  const holding: string[] = [];
  for (const t of tables) {
    if (filled.has(t.name)) continue;
    const { rows } = await db.query<{ any: boolean }>(`select exists (select 1 from ${quoteIdent(t.name)}) as any`);
    if (rows[0]?.any) holding.push(t.name);
  }
  if (holding.length > 0) {
    throw new RestoreRefused(
      `${describe} already holds data (${holding.slice(0, 5).join(', ')}${holding.length > 5 ? ', ...' : ''}): a restore only goes into an empty database, so that nothing is overwritten. Use a new data folder (DATA_DIR) or a newly created PostgreSQL database (DATABASE_URL)`,
    );
  }
}

export async function checkEmptyStorage(storage: ObjectStorage): Promise<void> {
  for await (const object of storage.list('')) {
    throw new RestoreRefused(
      `the document storage ${storage.location} already holds files (${object.key}): restore into an empty one (STORAGE_URL), so that no document is overwritten`,
    );
  }
}

/** The target must have exactly the archive's tables and columns once migrated. */
export async function checkSameSchema(db: Database, manifest: Manifest): Promise<void> {
  const here = new Map((await describeTables(db)).map((t) => [t.name, t]));
  for (const table of manifest.tables) {
    const target = here.get(table.name);
    const expected = table.columns.map((c) => `${c.name} ${c.type}`).join(', ');
    const actual = target?.columns.map((c) => `${c.name} ${c.type}`).join(', ');
    if (expected !== actual) {
      throw new RestoreRefused(
        `table ${table.name} differs between the archive and the migrated target (${actual ?? 'missing'}); the archive cannot be restored here`,
      );
    }
  }
}
