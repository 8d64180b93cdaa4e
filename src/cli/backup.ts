import fs from 'node:fs';
import path from 'node:path';
import { MultiBar, type SingleBar } from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import { VERSION } from '../app.js';
import { type Config, withoutPassword } from '../config.js';
import type { BackupProgress } from '../modules/backups/backup.js';
import { BackupService, backupStorage, documentStorage } from '../modules/backups/backups.service.js';
import { ArchiveError } from '../modules/backups/encryption.js';
import { ARCHIVE_PREFIX, archiveSequence, archiveTime } from '../modules/backups/manifest.js';
import { type RestoreProgress, restoreBackup } from '../modules/backups/restore.js';
import { RestoreRefused } from '../modules/backups/target.js';
import { AuditTrail } from '../platform/audit/audit.js';
import type { Database } from '../platform/db/database.js';
import { migrate } from '../platform/db/migrate.js';
import { DomainError } from '../platform/http/errors.js';
import { openStorage } from '../platform/storage/open.js';
import type { ObjectStorage } from '../platform/storage/storage.js';
import { embeddedDatabaseDir, openConfiguredDatabase, StartupError, SYSTEM_CONTEXT } from '../server.js';

type Out = (line: string) => void;

/** A backup or restore that failed for a reason the message states; printed in one line. */
export class BackupCommandError extends Error {
  override name = 'BackupCommandError';
}

const failed = (what: string) => (err: unknown) => {
  throw new BackupCommandError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
};

const MB = 1_000_000;

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= MB) return `${(n / MB).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

const count = (n: number) => n.toLocaleString('en-US');
const rate = (bytes: number, ms: number) => `${(bytes / MB / Math.max(ms / 1000, 0.001)).toFixed(1)} MB/s`;

/**
 * Opens the configured database for a backup or a restore. The embedded database belongs to
 * one process: while the server runs, backups are taken inside it.
 */
async function openDatabase(config: Config, use: 'backup' | 'restore'): Promise<Database> {
  try {
    return await openConfiguredDatabase(config);
  } catch (err) {
    if (err instanceof StartupError && /in use by another Clinica process/.test(err.message)) {
      throw new StartupError(
        use === 'backup'
          ? `the embedded database in ${embeddedDatabaseDir(config)} is in use by a running Clinica server. While it runs, the server takes the backups itself: start one from the Backups screen or with POST /api/v1/backups (as an administrator), or set BACKUP_SCHEDULE; or stop the server and run clinica backup again`
          : `the embedded database in ${embeddedDatabaseDir(config)} is in use by a running Clinica server; stop it first (a restore only goes into an empty database, in a new DATA_DIR)`,
      );
    }
    throw err;
  }
}

function storageAt(url: string, what: string): ObjectStorage {
  try {
    return openStorage(url, url);
  } catch (err) {
    throw new InvalidArgumentError(`${what} ${withoutPassword(url)}: ${(err as Error).message}`);
  }
}

/** `clinica backup [--to URL]` */
export async function backupCommand(config: Config, options: { to?: string }, out: Out, tty: boolean): Promise<void> {
  const destination = options.to ? storageAt(options.to, 'cannot write backups to') : undefined;
  const db = await openDatabase(config, 'backup');
  const audit = new AuditTrail(db);
  const progress = tty ? new ProgressBars<BackupProgress>((p) => p.table ?? '') : new BackupLines(out);
  try {
    await migrate(db);
    const service = new BackupService(config, db, audit, { version: VERSION });
    const where = (destination ?? service.destination).location;
    out(
      `Backing up the ${db.kind === 'pglite' ? 'embedded database' : 'PostgreSQL database'} and documents to ${where}`,
    );
    const { result } = await service
      .runNow(SYSTEM_CONTEXT, { ...(destination ? { destination } : {}), onProgress: (p) => progress.update(p) })
      .finally(() => progress.stop())
      .catch((err: unknown) => {
        if (err instanceof DomainError) throw err;
        return failed('the backup failed')(err);
      });
    out(`Backup written: ${result.archive}`);
    out(
      `  Database:  ${result.tables} tables, ${count(result.rows)} rows (${formatBytes(result.databaseBytes)} of data)`,
    );
    out(
      `  Documents: ${count(result.documents)} files, ${formatBytes(result.documentBytes)}${result.documentsIncluded ? ' (in the archive)' : ' (listed; they stay in the remote document storage)'}`,
    );
    out(`  Archive:   ${formatBytes(result.sizeBytes)} encrypted (${formatBytes(result.rawBytes)} before encryption)`);
    out(`  Time:      ${(result.durationMs / 1000).toFixed(1)} s, ${rate(result.sizeBytes, result.durationMs)}`);
  } finally {
    await audit.drain();
    await db.close();
  }
}

/** `clinica backup list [--from URL]` */
export async function listBackupsCommand(config: Config, options: { from?: string }, out: Out): Promise<void> {
  const storage = options.from ? storageAt(options.from, 'cannot read backups from') : backupStorage(config);
  const archives: { name: string; size: number; at: Date }[] = [];
  for await (const object of storage.list(ARCHIVE_PREFIX)) {
    const at = archiveTime(object.key);
    if (at && !object.key.includes('/')) archives.push({ name: object.key, size: object.size, at });
  }
  archives.sort((a, b) => b.at.getTime() - a.at.getTime() || archiveSequence(b.name) - archiveSequence(a.name));
  for (const a of archives) {
    out(
      `${a.name.padEnd(46)} ${formatBytes(a.size).padStart(10)}  ${a.at.toISOString().replace('T', ' ').replace('.000Z', ' UTC')}`,
    );
  }
  out(`${archives.length} archive${archives.length === 1 ? '' : 's'} in ${storage.location}.`);
}

/** `clinica restore <archive> [--from URL]` */
export async function restoreCommand(
  config: Config,
  archive: string,
  options: { from?: string },
  out: Out,
  tty: boolean,
): Promise<void> {
  if (!config.BACKUP_KEY) {
    throw new InvalidArgumentError('set BACKUP_KEY to the key the archive was made with');
  }
  let source: ObjectStorage;
  let name = archive;
  if (options.from) {
    source = storageAt(options.from, 'cannot read backups from');
  } else if (archive.includes('/') || fs.existsSync(archive)) {
    // A path to an archive file on this machine.
    source = openStorage(path.dirname(path.resolve(archive)), '.');
    name = path.basename(archive);
  } else {
    source = backupStorage(config);
  }
  const documents = documentStorage(config);
  const db = await openDatabase(config, 'restore');
  const target = config.DATABASE_URL
    ? `the database at ${withoutPassword(config.DATABASE_URL)}`
    : `the embedded database in ${embeddedDatabaseDir(config)}`;
  const progress = tty
    ? new ProgressBars<RestoreProgress>((p) => (p.phase === 'verifying' ? 'verifying' : ''))
    : new RestoreLines(out);
  try {
    out(`Restoring ${name} from ${source.location} into ${target}, documents into ${documents.location}`);
    const result = await restoreBackup({
      db,
      target,
      source,
      archive: name,
      documents,
      key: config.BACKUP_KEY,
      onProgress: (p) => progress.update(p),
    })
      .finally(() => progress.stop())
      .catch((err: unknown) => {
        if (err instanceof ArchiveError || err instanceof RestoreRefused) throw new BackupCommandError(err.message);
        return failed('the restore failed, and nothing was kept')(err);
      });
    out(
      `Restored ${result.archive} (made ${result.createdAt} from ${result.sourceDatabase === 'pglite' ? 'an embedded' : 'a PostgreSQL'} database, at migration ${result.migration})`,
    );
    out(`  Verified:  ${result.tables} tables, ${count(result.rows)} rows: row counts and SHA-256 match the archive`);
    out(
      result.documentsIncluded
        ? `  Documents: ${count(result.documents)} files, ${formatBytes(result.documentBytes)} written to ${documents.location}, each SHA-256 checked`
        : `  Documents: ${count(result.documents)} files, ${formatBytes(result.documentBytes)} found intact in ${documents.location}`,
    );
    out(`  Time:      ${(result.durationMs / 1000).toFixed(1)} s, ${rate(result.sizeBytes, result.durationMs)}`);
    if (result.newerMigrations > 0) {
      out(
        `Start Clinica (clinica start): it applies the ${result.newerMigrations} newer migration(s) of this version.`,
      );
    }
  } finally {
    await db.close();
  }
}

// Progress ---------------------------------------------------------------------------------

const BAR_FORMAT = '{label} [{bar}] {percentage}% | {detail}';

/** Two bars, database and documents, redrawn in place (terminals only). */
class Bars {
  private readonly multi = new MultiBar({ format: BAR_FORMAT, hideCursor: true, clearOnComplete: false });
  private readonly bars = new Map<string, SingleBar>();

  set(label: string, value: number, total: number, detail: string) {
    let bar = this.bars.get(label);
    if (!bar) {
      bar = this.multi.create(Math.max(total, 1), 0, { label: label.padEnd(9), detail });
      this.bars.set(label, bar);
    }
    bar.setTotal(Math.max(total, 1));
    bar.update(total === 0 ? 1 : value, { detail });
  }

  stop() {
    this.multi.stop();
  }
}

/** What backup and restore progress both count. */
type Counts = Pick<
  BackupProgress,
  'rowsDone' | 'rowsTotal' | 'documentsDone' | 'documentsTotal' | 'documentBytesDone' | 'documentBytesTotal'
>;

/** On a terminal: a bar for the database's rows (with the step in hand) and one for the documents' bytes. */
class ProgressBars<P extends Counts> {
  private readonly bars = new Bars();
  constructor(private readonly step: (p: P) => string) {}
  update(p: P) {
    this.bars.set(
      'Database',
      p.rowsDone,
      p.rowsTotal,
      `${count(p.rowsDone)}/${count(p.rowsTotal)} rows ${this.step(p)}`,
    );
    this.bars.set(
      'Documents',
      p.documentBytesDone,
      p.documentBytesTotal,
      `${count(p.documentsDone)}/${count(p.documentsTotal)} files, ${formatBytes(p.documentBytesDone)}`,
    );
  }
  stop() {
    this.bars.stop();
  }
}

/** Without a terminal: a line per step and per tenth of the documents, fit for logs. */
class BackupLines {
  private table: string | null = null;
  private tenth = 0;
  constructor(private readonly out: Out) {}
  update(p: BackupProgress) {
    if (p.phase === 'database' && p.table && p.table !== this.table) {
      this.table = p.table;
      this.out(`  database: ${p.table} (${count(p.rowsDone)} of ${count(p.rowsTotal)} rows done)`);
    }
    if (p.phase === 'documents' && p.documentsTotal > 0) {
      const tenth = Math.floor((10 * p.documentsDone) / p.documentsTotal);
      if (tenth > this.tenth) {
        this.tenth = tenth;
        this.out(
          `  documents: ${count(p.documentsDone)}/${count(p.documentsTotal)} (${formatBytes(p.documentBytesDone)})`,
        );
      }
    }
  }
  stop() {}
}

class RestoreLines {
  private phase = '';
  private tenth = 0;
  constructor(private readonly out: Out) {}
  update(p: RestoreProgress) {
    if (p.phase !== this.phase) {
      this.phase = p.phase;
      this.tenth = 0;
      this.out(
        {
          database: `  database: loading ${count(p.rowsTotal)} rows`,
          verifying: '  verifying: reading every table back',
          documents: `  documents: ${count(p.documentsTotal)} files, ${formatBytes(p.documentBytesTotal)}`,
        }[p.phase],
      );
    }
    if (p.phase === 'verifying') return;
    const [done, total] = p.phase === 'documents' ? [p.documentsDone, p.documentsTotal] : [p.rowsDone, p.rowsTotal];
    const tenth = total > 0 ? Math.floor((10 * done) / total) : 0;
    if (tenth > this.tenth) {
      this.tenth = tenth;
      this.out(`  ${p.phase}: ${count(done)}/${count(total)} ${p.phase === 'documents' ? 'files' : 'rows'}`);
    }
  }
  stop() {}
}
