import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Cron } from 'croner';
import type { Config } from '../../config.js';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { appendEvent } from '../../platform/events/outbox.js';
import type { RequestContext } from '../../platform/http/access.js';
import { conflict } from '../../platform/http/errors.js';
import type { Log } from '../../platform/log.js';
import { openStorage } from '../../platform/storage/open.js';
import type { ObjectStorage } from '../../platform/storage/storage.js';
import { type BackupProgress, type BackupResult, writeBackup } from './backup.js';
import {
  failAbandonedRuns,
  failRun,
  findRun,
  finishRun,
  insertRun,
  lastFinished,
  recentRuns,
  runningRun,
  touchRun,
} from './backups.repository.js';
import type { BackupRun, BackupStatus, BackupTrigger } from './backups.schemas.js';
import { ARCHIVE_PREFIX } from './manifest.js';
import { archivesToDelete } from './retention.js';

const HEARTBEAT_MS = 30_000;

const silent: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Where archives go by default, and where documents live (the documents module opens the same). */
export const backupStorage = (config: Config) => openStorage(config.BACKUP_URL, path.join(config.DATA_DIR, 'backups'));
export const documentStorage = (config: Config) =>
  openStorage(config.STORAGE_URL, path.join(config.DATA_DIR, 'documents'));

export interface RunOptions {
  /** Another destination than BACKUP_URL (`clinica backup --to`); retention is not applied there. */
  destination?: ObjectStorage;
  onProgress?: (progress: BackupProgress) => void;
}

/**
 * Backup runs: started from the API (in the background), by `clinica backup` (in the
 * foreground) or by the schedule. Each run is a `backup_runs` row, one running at a time
 * across every process; its end is recorded with a `backup.succeeded` or `backup.failed`
 * event in the same transaction, and a failure is e-mailed to the administrators.
 */
export class BackupService {
  readonly destination: ObjectStorage;
  readonly documents: ObjectStorage;
  private readonly schedule: Cron | null;
  private readonly version: string;
  private current: { id: string; controller: AbortController; done: Promise<unknown> } | null = null;
  private log: Log = silent;

  constructor(
    private readonly config: Config,
    private readonly db: Database,
    private readonly audit: AuditTrail,
    options: { version: string; documents?: ObjectStorage },
  ) {
    this.version = options.version;
    this.destination = backupStorage(config);
    this.documents = options.documents ?? documentStorage(config);
    this.schedule = config.BACKUP_SCHEDULE
      ? new Cron(config.BACKUP_SCHEDULE, { timezone: config.CLINIC_TIMEZONE, paused: true })
      : null;
  }

  /** Where runs in the background report their end (the server's log). */
  useLog(log: Log): void {
    this.log = log;
  }

  async status(): Promise<BackupStatus> {
    const [items, running, lastSuccess, lastFailure] = await Promise.all([
      recentRuns(this.db, 50),
      runningRun(this.db),
      lastFinished(this.db, 'succeeded'),
      lastFinished(this.db, 'failed'),
    ]);
    return {
      schedule: this.config.BACKUP_SCHEDULE ?? null,
      destination: this.destination.location,
      keyConfigured: !!this.config.BACKUP_KEY,
      lastSuccess,
      lastFailure,
      running,
      items,
    };
  }

  /** Starts a backup in this process and answers at once with the running run (the API). */
  async start(ctx: RequestContext): Promise<BackupRun> {
    const key = this.requireKey();
    const run = await this.claim('manual', null, ctx);
    if (!run) throw await this.alreadyRunning();
    this.launch(run, key, {});
    return run;
  }

  /** Runs a backup to the end (`clinica backup`); a failure is recorded, then thrown. */
  async runNow(ctx: RequestContext, options: RunOptions = {}): Promise<{ run: BackupRun; result: BackupResult }> {
    const key = this.requireKey();
    const run = await this.claim('cli', null, ctx, options.destination);
    if (!run) throw await this.alreadyRunning();
    return this.launch(run, key, options);
  }

  /**
   * The schedule's job: when the latest time BACKUP_SCHEDULE names has passed and no process
   * has taken it yet, takes it (a unique row per slot) and runs the backup. A slot missed
   * while every process was down is run on the next check; older ones are not.
   */
  async runDueSchedule(now = new Date()): Promise<BackupRun | null> {
    const key = this.config.BACKUP_KEY;
    const [slot] = this.schedule?.previousRuns(1, now) ?? [];
    if (!key || !slot) return null;
    const { rows } = await this.db.query<{ taken: boolean }>(
      'select exists (select 1 from backup_runs where slot = $1) as taken',
      [slot],
    );
    if (rows[0]?.taken) return null;
    const run = await this.claim('schedule', slot, null);
    if (!run) return null;
    try {
      return (await this.launch(run, key, {})).run;
    } catch {
      // Recorded, announced and logged already.
      return findRun(this.db, run.id);
    }
  }

  /** Deletes the archives the retention policy no longer keeps; answers their names. */
  async applyRetention(): Promise<string[]> {
    const names: string[] = [];
    for await (const object of this.destination.list(ARCHIVE_PREFIX)) {
      if (!object.key.includes('/')) names.push(object.key);
    }
    const doomed = archivesToDelete(names, {
      daily: this.config.BACKUP_KEEP_DAILY,
      weekly: this.config.BACKUP_KEEP_WEEKLY,
      timeZone: this.config.CLINIC_TIMEZONE,
    });
    for (const name of doomed) await this.destination.delete(name);
    if (doomed.length > 0) this.log.info({ deleted: doomed }, 'old backup archives deleted');
    return doomed;
  }

  /** Stops a backup running in this process (shutdown) and waits until it is recorded. */
  async close(): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.controller.abort(new Error('the backup was stopped: Clinica shut down while it ran'));
    await current.done.catch(() => {});
  }

  private requireKey(): string {
    if (!this.config.BACKUP_KEY) {
      throw conflict(
        'Backups need an encryption key: set BACKUP_KEY (at least 16 characters) in the environment and restart Clinica. Keep a copy of the key somewhere safe: without it no archive can be restored.',
      );
    }
    return this.config.BACKUP_KEY;
  }

  private async alreadyRunning() {
    const running = await runningRun(this.db);
    return conflict(
      running
        ? `A backup is already running (started ${running.startedAt}); wait for it to finish.`
        : 'A backup is already running; wait for it to finish.',
      running ? { running } : {},
    );
  }

  private claim(
    trigger: BackupTrigger,
    slot: Date | null,
    ctx: RequestContext | null,
    destination = this.destination,
  ): Promise<BackupRun | null> {
    return this.db.transaction(async (tx) => {
      await this.settleAbandoned(tx);
      const run = await insertRun(tx, {
        id: randomUUID(),
        trigger,
        slot,
        requestedBy: ctx?.actor?.userId ?? null,
        destination: destination.location,
      });
      if (!run) return null;
      await this.audit.write(tx, ctx, {
        action: 'backup.start',
        resourceType: 'Backup',
        resourceId: run.id,
        details: { trigger, ...(slot ? { slot: slot.toISOString() } : {}) },
      });
      return run;
    });
  }

  private async settleAbandoned(tx: Queryable): Promise<void> {
    for (const runId of await failAbandonedRuns(tx, this.current?.id ?? null)) {
      await appendEvent(tx, { type: 'backup.failed', aggregateId: runId, payload: { runId } });
    }
  }

  private launch(run: BackupRun, key: string, options: RunOptions): Promise<{ run: BackupRun; result: BackupResult }> {
    const controller = new AbortController();
    const done = this.execute(run, key, options, controller.signal);
    this.current = { id: run.id, controller, done };
    done
      .catch((err: unknown) => this.log.error({ runId: run.id, err: messageOf(err) }, 'backup failed'))
      .finally(() => {
        if (this.current?.id === run.id) this.current = null;
      });
    return done;
  }

  private async execute(
    run: BackupRun,
    key: string,
    options: RunOptions,
    signal: AbortSignal,
  ): Promise<{ run: BackupRun; result: BackupResult }> {
    const started = performance.now();
    const heartbeat = setInterval(() => {
      touchRun(this.db, run.id).catch(() => {});
    }, HEARTBEAT_MS);
    heartbeat.unref();
    const destination = options.destination ?? this.destination;
    try {
      const result = await writeBackup({
        db: this.db,
        destination,
        documents: this.documents,
        key,
        version: this.version,
        runId: run.id,
        signal,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      const finished = await this.db.transaction(async (tx) => {
        const row = await finishRun(tx, run.id, result);
        await appendEvent(tx, { type: 'backup.succeeded', aggregateId: run.id, payload: { runId: run.id } });
        return row;
      });
      this.log.info({ runId: run.id, archive: result.archive, bytes: result.sizeBytes }, 'backup written');
      if (!options.destination) {
        await this.applyRetention().catch((err: unknown) =>
          this.log.error({ err: messageOf(err) }, 'backup retention failed'),
        );
      }
      return { run: finished, result };
    } catch (err) {
      await this.db
        .transaction(async (tx) => {
          await failRun(tx, run.id, messageOf(err), Math.round(performance.now() - started));
          await appendEvent(tx, { type: 'backup.failed', aggregateId: run.id, payload: { runId: run.id } });
        })
        .catch((recordErr: unknown) =>
          this.log.error({ runId: run.id, err: messageOf(recordErr) }, 'could not record the backup failure'),
        );
      throw err;
    } finally {
      clearInterval(heartbeat);
    }
  }
}

const messageOf = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
