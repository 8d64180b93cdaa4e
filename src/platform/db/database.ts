import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import pg from 'pg';

/** What repositories need: run a parameterised statement. Both a pool and a transaction are one. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export type DatabaseKind = 'pglite' | 'postgresql';

export interface Database extends Queryable {
  readonly kind: DatabaseKind;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` for each NOTIFY on `channel` (delivered when the notifying transaction
   * commits). Answers the function that stops listening.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const OID_DATE = 1082;
const OID_INT8 = 20;

/**
 * Both drivers answer the same JS types: `date` stays a 'YYYY-MM-DD' string (no time-zone
 * shift), `bigint` becomes a number (ids and counts stay far below 2^53), timestamps are Dates.
 */
const parseInt8 = (v: string) => Number(v);

export interface DatabaseOptions {
  /** postgres:// URL; without it the embedded database in `dataDir` is used. */
  url?: string | undefined;
  /** Folder for the embedded database; `undefined` keeps it in memory (tests). */
  dataDir?: string | undefined;
  poolSize?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.poolSize ?? 20) : openPglite(options.dataDir);
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const db = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    extensions: { pg_trgm, btree_gist },
    parsers: { [OID_DATE]: (v: string) => v, [OID_INT8]: parseInt8 },
  });
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<T>(sql: string, params: unknown[] = []) {
      const r = await q.query<T>(sql, params);
      // PGlite reports 0 affected rows for a SELECT; pg's rowCount counts the rows returned.
      return { rows: r.rows, rowCount: Math.max(r.affectedRows ?? 0, r.rows.length) };
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  });
  const base = wrap(db);
  return {
    kind: 'pglite',
    ...base,
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    listen: async (channel, onNotify) => {
      const unlisten = await db.listen(channel, () => onNotify());
      return () => unlisten();
    },
    close: () => db.close(),
  };
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const typeParser = (oid: number, format?: string) => {
    if (oid === OID_DATE) return (v: string) => v;
    if (oid === OID_INT8) return parseInt8;
    return pg.types.getTypeParser(oid, format as 'text');
  };
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types: { getTypeParser: typeParser } as pg.CustomTypesConfig,
  });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  const run = async <T>(c: pg.Pool | pg.PoolClient, sql: string, params: unknown[] = []) => {
    const r = await c.query(sql, params);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  };
  // Fail fast with a clear error when the server cannot be reached.
  await run(pool, 'select 1');
  const queryable = (c: pg.Pool | pg.PoolClient): Queryable => ({
    query: (sql, params) => run(c, sql, params),
    exec: async (sql) => {
      await c.query(sql);
    },
  });
  return {
    kind: 'postgresql',
    ...queryable(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await fn(queryable(client));
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    listen: (channel, onNotify) => listenPostgres(url, channel, onNotify),
    close: () => pool.end(),
  };
}

/**
 * LISTEN needs a connection of its own for as long as it listens, outside the pool. A lost
 * connection is opened again after a second; callers also poll, so a gap loses nothing.
 */
async function listenPostgres(url: string, channel: string, onNotify: () => void): Promise<() => Promise<void>> {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const reconnect = () => {
    clearTimeout(retry);
    if (!stopped) retry = setTimeout(() => connect().catch(reconnect), 1000);
  };
  const connect = async () => {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', () => onNotify());
    c.on('error', () => {
      c.end().catch(() => {});
      if (client === c) client = null;
      reconnect();
    });
    await c.connect();
    await c.query(`listen ${pg.escapeIdentifier(channel)}`);
    if (stopped) await c.end();
    else client = c;
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
    client = null;
  };
}

/** PostgreSQL error code of a driver error (e.g. '23505' unique violation), if any. */
export function pgErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
