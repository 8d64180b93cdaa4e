import type { Queryable } from '../../platform/db/database.js';
import type { BackupResult } from './backup.js';
import type { BackupRun, BackupTrigger } from './backups.schemas.js';

interface RunRow {
  id: string;
  trigger: BackupTrigger;
  status: BackupRun['status'];
  started_at: Date;
  finished_at: Date | null;
  archive: string | null;
  size_bytes: number | null;
  duration_ms: number | null;
  tables: number | null;
  rows: number | null;
  documents: number | null;
  document_bytes: number | null;
  error: string | null;
}

const COLUMNS = `id, trigger, status, started_at, finished_at, archive, size_bytes, duration_ms, tables, rows,
  documents, document_bytes, error`;

const toRun = (r: RunRow): BackupRun => ({
  id: r.id,
  status: r.status,
  trigger: r.trigger,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
  archive: r.archive,
  sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
  durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
  tables: r.tables,
  rows: r.rows === null ? null : Number(r.rows),
  documents: r.documents,
  documentBytes: r.document_bytes === null ? null : Number(r.document_bytes),
  error: r.error,
});

/**
 * Starts a run, unless one is running already (anywhere: the partial unique index) or, for a
 * scheduled one, its slot was taken by another process. Answers null then.
 */
export async function insertRun(
  q: Queryable,
  run: { id: string; trigger: BackupTrigger; slot: Date | null; requestedBy: string | null; destination: string },
): Promise<BackupRun | null> {
  const { rows } = await q.query<RunRow>(
    `insert into backup_runs (id, trigger, slot, requested_by, destination) values ($1, $2, $3, $4, $5)
     on conflict do nothing returning ${COLUMNS}`,
    [run.id, run.trigger, run.slot, run.requestedBy, run.destination],
  );
  return rows[0] ? toRun(rows[0]) : null;
}

/** How long a running row may go without a heartbeat before its process is taken for dead. */
export const ABANDONED_AFTER_SECONDS = 300;

/** Marks runs whose process stopped mid-way (no heartbeat for a while) as failed; answers their ids. */
export async function failAbandonedRuns(q: Queryable, except: string | null): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `update backup_runs
        set status = 'failed', finished_at = now(),
            error = 'interrupted: the process running this backup stopped before it finished'
      where status = 'running' and heartbeat_at < now() - make_interval(secs => $1)
        and ($2::uuid is null or id <> $2::uuid)
      returning id`,
    [ABANDONED_AFTER_SECONDS, except],
  );
  return rows.map((r) => r.id);
}

export async function touchRun(q: Queryable, id: string): Promise<void> {
  await q.query(`update backup_runs set heartbeat_at = now() where id = $1 and status = 'running'`, [id]);
}

export async function finishRun(q: Queryable, id: string, result: BackupResult): Promise<BackupRun> {
  const { rows } = await q.query<RunRow>(
    `update backup_runs
        set status = 'succeeded', finished_at = now(), archive = $2, size_bytes = $3, raw_bytes = $4,
            duration_ms = $5, tables = $6, rows = $7, documents = $8, document_bytes = $9
      where id = $1 returning ${COLUMNS}`,
    [
      id,
      result.archive,
      result.sizeBytes,
      result.rawBytes,
      result.durationMs,
      result.tables,
      result.rows,
      result.documents,
      result.documentBytes,
    ],
  );
  return toRun(rows[0] as RunRow);
}

export async function failRun(q: Queryable, id: string, error: string, durationMs: number): Promise<BackupRun> {
  const { rows } = await q.query<RunRow>(
    `update backup_runs set status = 'failed', finished_at = now(), error = $2, duration_ms = $3
      where id = $1 returning ${COLUMNS}`,
    [id, error.slice(0, 2000), durationMs],
  );
  return toRun(rows[0] as RunRow);
}

export async function findRun(q: Queryable, id: string): Promise<BackupRun | null> {
  const { rows } = await q.query<RunRow>(`select ${COLUMNS} from backup_runs where id = $1`, [id]);
  return rows[0] ? toRun(rows[0]) : null;
}

export async function recentRuns(q: Queryable, limit: number): Promise<BackupRun[]> {
  const { rows } = await q.query<RunRow>(
    `select ${COLUMNS} from backup_runs order by started_at desc, id desc limit $1`,
    [limit],
  );
  return rows.map(toRun);
}

export async function runningRun(q: Queryable): Promise<BackupRun | null> {
  const { rows } = await q.query<RunRow>(`select ${COLUMNS} from backup_runs where status = 'running'`);
  return rows[0] ? toRun(rows[0]) : null;
}

export async function lastFinished(q: Queryable, status: 'succeeded' | 'failed'): Promise<BackupRun | null> {
  const { rows } = await q.query<RunRow>(
    `select ${COLUMNS} from backup_runs where status = $1 order by finished_at desc, id desc limit 1`,
    [status],
  );
  return rows[0] ? toRun(rows[0]) : null;
}

export interface BackupFigures {
  lastSuccessAt: Date | null;
  lastDurationMs: number | null;
  lastSizeBytes: number | null;
  failures: number;
}

/** The figures the metrics report, in one query. */
export async function backupFigures(q: Queryable): Promise<BackupFigures> {
  const { rows } = await q.query<{
    finished_at: Date | null;
    duration_ms: number | null;
    size_bytes: number | null;
    failures: number;
  }>(
    `select s.finished_at, s.duration_ms, s.size_bytes,
            (select count(*) from backup_runs where status = 'failed')::int as failures
       from (select 1) one
       left join lateral (
         select finished_at, duration_ms, size_bytes from backup_runs
          where status = 'succeeded' order by finished_at desc limit 1) s on true`,
  );
  const r = rows[0];
  return {
    lastSuccessAt: r?.finished_at ?? null,
    lastDurationMs: r?.duration_ms === null || r?.duration_ms === undefined ? null : Number(r.duration_ms),
    lastSizeBytes: r?.size_bytes === null || r?.size_bytes === undefined ? null : Number(r.size_bytes),
    failures: r?.failures ?? 0,
  };
}
