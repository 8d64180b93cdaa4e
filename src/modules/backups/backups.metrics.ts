import client from 'prom-client';
import type { Queryable } from '../../platform/db/database.js';
import { type BackupFigures, backupFigures } from './backups.repository.js';

/**
 * Backup figures read from `backup_runs` at each scrape, so every replica reports the same
 * ones whichever process ran the backup. Alert on the age of the last success.
 */
export function registerBackupMetrics(registry: client.Registry, db: Queryable): void {
  const registers = [registry];
  let figures: Promise<BackupFigures> | null = null;
  // One query serves the four metrics of a scrape.
  const read = () => {
    figures ??= backupFigures(db).finally(() => {
      setTimeout(() => {
        figures = null;
      }, 100).unref();
    });
    return figures;
  };
  const gauge = (name: string, help: string, pick: (f: BackupFigures) => number) =>
    new client.Gauge({
      name,
      help,
      registers,
      async collect() {
        try {
          this.set(pick(await read()));
        } catch {
          // A scrape during a database outage reports the last value rather than failing.
        }
      },
    });
  gauge(
    'clinica_backup_last_success_timestamp_seconds',
    'When the last successful backup finished (Unix time; 0: never)',
    (f) => (f.lastSuccessAt ? f.lastSuccessAt.getTime() / 1000 : 0),
  );
  gauge(
    'clinica_backup_last_duration_seconds',
    'How long the last successful backup took',
    (f) => (f.lastDurationMs ?? 0) / 1000,
  );
  gauge('clinica_backup_last_size_bytes', 'Size of the last successful backup archive', (f) => f.lastSizeBytes ?? 0);
  new client.Counter({
    name: 'clinica_backup_failures_total',
    help: 'Backups that failed, as recorded in the database',
    registers,
    async collect() {
      try {
        const { failures } = await read();
        this.reset();
        this.inc(failures);
      } catch {
        // As above.
      }
    },
  });
}
