import { createHash } from 'node:crypto';
import type { Queryable } from '../../platform/db/database.js';

/**
 * What a backup needs to know of the schema, read from the catalog so that every table is
 * included without a list to keep up to date. The same queries serve PGlite and PostgreSQL.
 */

export interface ColumnInfo {
  name: string;
  /** As `format_type` writes it, e.g. `timestamp with time zone`, `numeric(12,2)`. */
  type: string;
  /** Generated (stored) columns are dumped, for the hash, but computed again on restore. */
  generated: boolean;
  /** Identity columns are restored with OVERRIDING SYSTEM VALUE. */
  identity: boolean;
  /** Text-like: ordered with COLLATE "C" so the order is the same on every server. */
  collatable: boolean;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Output settings for one transaction, so that `to_jsonb` writes every value the same way on
 * any server and in any session (instants in UTC, ISO dates inside ranges, hex bytea).
 */
export async function useCanonicalOutput(q: Queryable): Promise<void> {
  await q.query(`select set_config('timezone', 'UTC', true), set_config('datestyle', 'ISO, YMD', true),
    set_config('intervalstyle', 'postgres', true), set_config('bytea_output', 'hex', true),
    set_config('extra_float_digits', '1', true)`);
}

export async function describeTables(q: Queryable): Promise<TableInfo[]> {
  const { rows } = await q.query<{ name: string; columns: ColumnInfo[]; primary_key: string[] | null }>(
    `select c.relname as name,
            (select json_agg(json_build_object(
                      'name', a.attname,
                      'type', format_type(a.atttypid, a.atttypmod),
                      'generated', a.attgenerated <> '',
                      'identity', a.attidentity <> '',
                      'collatable', a.attcollation <> 0) order by a.attnum)
               from pg_attribute a
              where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
            (select array_agg(a.attname::text order by k.ord)
               from pg_index i
               cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
               join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
              where i.indrelid = c.oid and i.indisprimary) as primary_key
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition
      order by c.relname`,
  );
  return rows.map((r) => ({ name: r.name, columns: r.columns, primaryKey: r.primary_key ?? [] }));
}

/**
 * One JSON line per row, in primary-key order (text compared byte by byte), so that the same
 * rows give the same lines and the same SHA-256 on PGlite and on PostgreSQL. A table without
 * a primary key is ordered by the lines themselves.
 */
export function orderedRowsSql(table: TableInfo): string {
  const alias = '__backup_row';
  const byColumn = new Map(table.columns.map((c) => [c.name, c]));
  const order =
    table.primaryKey.length > 0
      ? table.primaryKey
          .map((name) => `${alias}.${quoteIdent(name)}${byColumn.get(name)?.collatable ? ' collate "C"' : ''}`)
          .join(', ')
      : `to_jsonb(${alias})::text collate "C"`;
  return `select to_jsonb(${alias})::text as line from ${quoteIdent(table.name)} ${alias} order by ${order}`;
}

/** Rows fetched per round trip aim at this many bytes. */
const BATCH_BYTES = 2 * 1024 * 1024;
const MAX_BATCH_ROWS = 2000;

/**
 * Streams a table's rows as JSON lines through a cursor (inside the caller's transaction),
 * in batches sized by the largest row seen so far, starting with one row and at most doubling:
 * memory stays near BATCH_BYTES whether rows hold a few bytes or whole files (files waiting
 * to be filed are kept in the database). Answers the row count and the SHA-256 of the lines,
 * each followed by a newline.
 */
export async function readTable(
  q: Queryable,
  table: TableInfo,
  onBatch: (lines: string[]) => Promise<void> | void,
): Promise<{ rows: number; sha256: string; bytes: number }> {
  const cursor = 'clinica_backup_cursor';
  await q.query(`declare ${cursor} no scroll cursor for ${orderedRowsSql(table)}`);
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  let fetch = 1;
  let largest = 1;
  try {
    while (true) {
      const { rows: batch } = await q.query<{ line: string }>(`fetch forward ${fetch} from ${cursor}`);
      if (batch.length === 0) break;
      const lines = batch.map((r) => r.line);
      let batchBytes = 0;
      for (const line of lines) {
        const length = Buffer.byteLength(line) + 1;
        batchBytes += length;
        if (length > largest) largest = length;
        hash.update(line);
        hash.update('\n');
      }
      rows += lines.length;
      bytes += batchBytes;
      await onBatch(lines);
      if (batch.length < fetch) break;
      fetch = Math.max(1, Math.min(MAX_BATCH_ROWS, fetch * 2, Math.floor(BATCH_BYTES / largest)));
    }
  } finally {
    await q.query(`close ${cursor}`);
  }
  return { rows, sha256: hash.digest('hex'), bytes };
}

export async function countRows(q: Queryable, table: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(`select count(*)::bigint as n from ${quoteIdent(table)}`);
  return Number(rows[0]?.n ?? 0);
}

export interface SequenceValue {
  name: string;
  /** Null for a sequence never used (nextval gives its start value). */
  lastValue: number | null;
}

export async function readSequences(q: Queryable): Promise<SequenceValue[]> {
  const { rows } = await q.query<{ name: string; last_value: number | null }>(
    `select sequencename as name, last_value from pg_sequences
      where schemaname = current_schema() order by sequencename`,
  );
  return rows.map((r) => ({ name: r.name, lastValue: r.last_value === null ? null : Number(r.last_value) }));
}

export interface ForeignKey {
  /** As regclass writes it: quoted where needed, ready for ALTER TABLE. */
  table: string;
  name: string;
  definition: string;
}

export async function foreignKeys(q: Queryable): Promise<ForeignKey[]> {
  const { rows } = await q.query<ForeignKey>(
    `select c.conrelid::regclass::text as table, c.conname as name, pg_get_constraintdef(c.oid) as definition
       from pg_constraint c
      where c.contype = 'f' and c.connamespace = (select oid from pg_namespace where nspname = current_schema())
      order by 1, 2`,
  );
  return rows;
}
