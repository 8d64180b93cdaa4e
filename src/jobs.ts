import type { Config } from './config.js';
import type { BackupService } from './modules/backups/backups.service.js';
import type { HelpdeskService } from './modules/helpdesk/helpdesk.service.js';
import { createZammadSync } from './modules/helpdesk/zammad/index.js';
import type { StockAlerts } from './modules/pharmacy/alerts.js';
import type { SchedulingService } from './modules/scheduling/scheduling.service.js';
import type { Database } from './platform/db/database.js';
import { errorMessage } from './platform/events/handler.js';
import { pruneOutbox } from './platform/events/outbox.js';
import type { Log } from './platform/log.js';

export interface Job {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

/**
 * Periodic work for whichever process delivers events (the server in embedded mode, the
 * worker with a broker). Every job is safe to run in several processes at once.
 */
export function backgroundJobs(
  config: Config,
  services: {
    db: Database;
    scheduling: SchedulingService;
    backups: BackupService;
    helpdesk: HelpdeskService;
    stockAlerts: StockAlerts;
  },
): Job[] {
  const { db, scheduling, backups, helpdesk, stockAlerts } = services;
  return [
    {
      // Each appointment's reminder is emitted once, however many processes run this.
      name: 'appointment reminders',
      everyMs: 60_000,
      run: () => scheduling.emitDueReminders(new Date(), config.APPOINTMENT_REMINDER_HOURS),
    },
    {
      // Each missed service-level target is announced once, however many processes run this.
      name: 'incident SLA breaches',
      everyMs: 60_000,
      run: () => helpdesk.emitSlaBreaches(new Date()),
    },
    {
      // Each lot's near-expiry alert is emitted once, however many processes run this. Often
      // enough that a process restarted within the hour still runs it; the scan is one index range.
      name: 'stock expiry alerts',
      everyMs: 600_000,
      run: () => stockAlerts.emitExpiryAlerts(new Date()),
    },
    {
      name: 'prune delivered events',
      everyMs: 3_600_000,
      run: async () => {
        await pruneOutbox(db, config.OUTBOX_RETENTION_DAYS);
        // Redeliveries come within minutes; a month of processed ids is ample.
        await db.query(`delete from processed_events where processed_at < now() - interval '30 days'`);
        await db.query(`delete from password_resets where expires_at < now() - interval '1 day'`);
      },
    },
    ...zammadPolling(config, db, helpdesk),
    ...(config.BACKUP_SCHEDULE
      ? [
          {
            // Each scheduled time is taken by one process (a unique row per slot); retention follows a success.
            name: 'scheduled backup',
            everyMs: 30_000,
            run: () => backups.runDueSchedule(new Date()),
          },
        ]
      : []),
  ];
}

/** With ZAMMAD_POLL_SECONDS, articles written in Zammad are fetched (the alternative to its webhook). */
function zammadPolling(config: Config, db: Database, helpdesk: HelpdeskService): Job[] {
  const sync = config.ZAMMAD_POLL_SECONDS > 0 ? createZammadSync(config, db, helpdesk) : null;
  if (!sync) return [];
  return [{ name: 'Zammad polling', everyMs: config.ZAMMAD_POLL_SECONDS * 1000, run: () => sync.poll() }];
}

/** Runs each job at its interval, one run at a time per job. Answers the stop function. */
export function startJobs(jobs: Job[], log: Log): () => Promise<void> {
  const running = new Set<Promise<unknown>>();
  const timers = jobs.map((job) => {
    let busy = false;
    const tick = () => {
      if (busy) return;
      busy = true;
      const run = job
        .run()
        .catch((err: unknown) => log.error({ job: job.name, err: errorMessage(err) }, 'job failed'))
        .finally(() => {
          busy = false;
          running.delete(run);
        });
      running.add(run);
    };
    const timer = setInterval(tick, job.everyMs);
    timer.unref();
    return timer;
  });
  return async () => {
    for (const t of timers) clearInterval(t);
    await Promise.allSettled([...running]);
  };
}
