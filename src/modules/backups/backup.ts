import { performance } from 'node:perf_hooks';
import { pipeline, Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { Database, Queryable } from '../../platform/db/database.js';
import { type ObjectStorage, StorageError } from '../../platform/storage/storage.js';
import { countRows, describeTables, readSequences, readTable, type TableInfo, useCanonicalOutput } from './catalog.js';
import { encryptStream } from './encryption.js';
import {
  ARCHIVE_PREFIX,
  archiveName,
  CHECKSUMS_ENTRY,
  type Checksums,
  DOCUMENTS_PREFIX,
  FORMAT,
  FORMAT_VERSION,
  MANIFEST_ENTRY,
  type Manifest,
  tablePart,
} from './manifest.js';
import { addEntry, addStreamEntry, ByteCounter } from './tar.js';

const gzip = promisify(zlib.gzip);

/** A part closes once it holds this many bytes of lines (so a part is this plus at most one row). */
const PART_BYTES = 8 * 1024 * 1024;

export interface BackupProgress {
  phase: 'database' | 'documents';
  table: string | null;
  rowsDone: number;
  rowsTotal: number;
  documentsDone: number;
  documentsTotal: number;
  documentBytesDone: number;
  documentBytesTotal: number;
  /** Encrypted bytes written to the destination so far. */
  archiveBytes: number;
}

export interface BackupResult {
  archive: string;
  /** The encrypted archive as stored. */
  sizeBytes: number;
  /** The tar stream before encryption. */
  rawBytes: number;
  /** The tables' JSON lines before compression. */
  databaseBytes: number;
  tables: number;
  rows: number;
  documents: number;
  documentBytes: number;
  documentsIncluded: boolean;
  durationMs: number;
}

export interface BackupOptions {
  db: Database;
  destination: ObjectStorage;
  documents: ObjectStorage;
  key: string;
  version: string;
  runId?: string | null;
  now?: Date;
  onProgress?: (progress: BackupProgress) => void;
  signal?: AbortSignal;
}

/**
 * Writes one encrypted archive of the database and the documents to the destination,
 * streaming end to end: tables are read in batches through a cursor, packed as gzip parts,
 * encrypted and uploaded as they go; nothing is held whole in memory or on local disk.
 *
 * The whole database is read in one REPEATABLE READ, READ ONLY transaction: one snapshot,
 * as pg_dump takes. Document files are read after it ends (they never change under a key),
 * so the embedded database, which serves one transaction at a time, is held only for the
 * tables.
 */
export async function writeBackup(options: BackupOptions): Promise<BackupResult> {
  const started = performance.now();
  const createdAt = options.now ?? new Date();
  const unwritable = (err: unknown) =>
    new Error(`the archive could not be written to ${options.destination.location}: ${messageOf(err)}`, { cause: err });
  const name = await freeName(options.destination, createdAt).catch((err: unknown) => {
    throw unwritable(err);
  });
  const pack = tar.pack();
  const raw = new ByteCounter();
  const progress: BackupProgress = {
    phase: 'database',
    table: null,
    rowsDone: 0,
    rowsTotal: 0,
    documentsDone: 0,
    documentsTotal: 0,
    documentBytesDone: 0,
    documentBytesTotal: 0,
    archiveBytes: 0,
  };
  const report = () => options.onProgress?.(progress);
  const stored = new ByteCounter((bytes) => {
    progress.archiveBytes = bytes;
  });

  // The first failure is the cause; the other side then fails only because it was stopped.
  let cause: unknown = null;
  const fail = (err: unknown) => {
    cause ??= err;
  };
  const abort = () => {
    const reason = options.signal?.reason ?? new Error('the backup was stopped');
    fail(reason);
    pack.destroy(reason);
  };
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    const plain = pipeline(Readable.from(pack, { objectMode: false }), raw, () => {});
    const encrypted = pipeline(await encryptStream(plain, options.key), stored, () => {});
    const upload = options.destination.put(name, encrypted, { contentType: 'application/octet-stream' });
    const produced = produce(options, pack, createdAt, progress, report);
    // Either side failing stops the other: a failed upload destroys the packer, and a failed
    // read destroys the stream being uploaded (the storage then keeps nothing).
    upload.catch((err: unknown) => {
      fail(unwritable(err));
      pack.destroy(err as Error);
    });
    produced.catch((err: unknown) => {
      fail(err);
      pack.destroy(err as Error);
      encrypted.destroy(err as Error);
    });
    const [summary, object] = await Promise.allSettled([produced, upload]);
    if (summary.status === 'rejected' || object.status === 'rejected') throw cause;
    return {
      archive: name,
      sizeBytes: object.value.size,
      rawBytes: raw.bytes,
      ...summary.value,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}

async function freeName(storage: ObjectStorage, at: Date): Promise<string> {
  for (let n = 1; ; n++) {
    const name = archiveName(at, n);
    if (!(await storage.stat(name))) return name;
  }
}

interface Produced {
  databaseBytes: number;
  tables: number;
  rows: number;
  documents: number;
  documentBytes: number;
  documentsIncluded: boolean;
}

async function produce(
  options: BackupOptions,
  pack: tar.Pack,
  createdAt: Date,
  progress: BackupProgress,
  report: () => void,
): Promise<Produced> {
  const checkAbort = () => {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('the backup was stopped');
  };
  const included = options.documents.kind === 'local';
  const unreadable = (key: string) => (err: unknown) => {
    if (err instanceof StorageError && ['not_found', 'integrity'].includes(err.code)) {
      throw new Error(`document ${key} cannot be backed up: ${err.message}`, { cause: err });
    }
    throw err;
  };
  const { manifest, checksums, databaseBytes } = await options.db.transaction(async (tx) => {
    await tx.query('set transaction isolation level repeatable read, read only');
    await useCanonicalOutput(tx);
    const manifest = await describe(tx, options, createdAt, included);
    progress.rowsTotal = manifest.tables.reduce((n, t) => n + t.rows, 0);
    progress.documentsTotal = manifest.documents.count;
    progress.documentBytesTotal = manifest.documents.bytes;
    report();
    await addEntry(pack, MANIFEST_ENTRY, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), createdAt);
    const checksums: Checksums = { tables: {} };
    let databaseBytes = 0;
    for (const table of manifest.tables) {
      progress.table = table.name;
      report();
      const parts = new PartWriter(pack, table.name, createdAt);
      const read = await readTable(tx, table, async (lines) => {
        checkAbort();
        await parts.add(lines);
        progress.rowsDone += lines.length;
        report();
      });
      await parts.close();
      checksums.tables[table.name] = { rows: read.rows, sha256: read.sha256 };
      databaseBytes += read.bytes;
    }
    return { manifest, checksums, databaseBytes };
  });
  await addEntry(pack, CHECKSUMS_ENTRY, Buffer.from(`${JSON.stringify(checksums, null, 2)}\n`), createdAt);

  progress.phase = 'documents';
  progress.table = null;
  report();
  if (included) {
    for (const doc of manifest.documents.items) {
      checkAbort();
      // Read back against the size and SHA-256 recorded at upload: a damaged file fails the backup.
      const body = await options.documents
        .get(doc.key, { size: doc.size, sha256: doc.sha256 })
        .catch(unreadable(doc.key));
      await addStreamEntry(pack, `${DOCUMENTS_PREFIX}${doc.key}`, doc.size, body, createdAt, (bytes) => {
        progress.documentBytesDone += bytes;
      }).catch(unreadable(doc.key));
      progress.documentsDone += 1;
      report();
    }
  }
  pack.finalize();
  return {
    databaseBytes,
    tables: manifest.tables.length,
    rows: progress.rowsTotal,
    documents: manifest.documents.count,
    documentBytes: manifest.documents.bytes,
    documentsIncluded: included,
  };
}

async function describe(q: Queryable, options: BackupOptions, createdAt: Date, included: boolean): Promise<Manifest> {
  const tables = await describeTables(q);
  const withRows: (TableInfo & { rows: number })[] = [];
  for (const t of tables) withRows.push({ ...t, rows: await countRows(q, t.name) });
  const { rows: migrations } = await q.query<{ version: number; name: string; checksum: string }>(
    'select version, name, checksum from schema_migrations order by version',
  );
  const last = migrations[migrations.length - 1];
  if (!last) throw new Error('the database has no migrations applied: there is nothing to back up');
  const { rows: version } = await q.query<{ v: string }>(`select current_setting('server_version') as v`);
  const items = tables.some((t) => t.name === 'documents')
    ? (
        await q.query<{ key: string; size: number; sha256: string }>(
          `select storage_key as key, size_bytes as size, sha256 from documents order by storage_key collate "C"`,
        )
      ).rows.map((d) => ({ key: d.key, size: Number(d.size), sha256: d.sha256 }))
    : [];
  return {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    createdAt: createdAt.toISOString(),
    clinicaVersion: options.version,
    runId: options.runId ?? null,
    database: { kind: options.db.kind, serverVersion: version[0]?.v ?? 'unknown' },
    migration: { version: last.version, name: last.name },
    migrations,
    tables: withRows,
    sequences: await readSequences(q),
    documents: {
      storage: options.documents.kind,
      included,
      count: items.length,
      bytes: items.reduce((n, d) => n + d.size, 0),
      items,
    },
  };
}

/**
 * A table's lines in gzip parts of about PART_BYTES. A part is compressed (on libuv's thread
 * pool) while the next one fills, and parts enter the tar in order; at most one waits.
 */
class PartWriter {
  private lines: Buffer[] = [];
  private size = 0;
  private count = 0;
  private written: Promise<void> = Promise.resolve();

  constructor(
    private readonly pack: tar.Pack,
    private readonly table: string,
    private readonly mtime: Date,
  ) {}

  async add(lines: string[]): Promise<void> {
    for (const line of lines) {
      const b = Buffer.from(`${line}\n`);
      this.lines.push(b);
      this.size += b.length;
    }
    if (this.size >= PART_BYTES) await this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.written;
  }

  private async flush(): Promise<void> {
    if (this.size === 0) return;
    const data = Buffer.concat(this.lines, this.size);
    this.lines = [];
    this.size = 0;
    const name = tablePart(this.table, ++this.count);
    const compressed = gzip(data, { level: 3 });
    const previous = this.written;
    this.written = (async () => {
      const part = await compressed;
      await previous;
      await addEntry(this.pack, name, part, this.mtime);
    })();
    this.written.catch(() => {});
    await previous;
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

export const isArchiveName = (name: string) => name.startsWith(ARCHIVE_PREFIX);
