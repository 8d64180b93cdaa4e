import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { Database, Queryable } from '../../platform/db/database.js';
import { migrate, readMigrations } from '../../platform/db/migrate.js';
import type { ObjectStorage } from '../../platform/storage/storage.js';
import { foreignKeys, quoteIdent, readTable, type TableInfo, useCanonicalOutput } from './catalog.js';
import { ArchiveError, decryptStream } from './encryption.js';
import { CHECKSUMS_ENTRY, Checksums, DOCUMENTS_PREFIX, MANIFEST_ENTRY, Manifest, PART_PATTERN } from './manifest.js';
import { checkListedDocuments, DocumentWriter, VerificationError } from './restore-documents.js';
import { ByteCounter } from './tar.js';
import { checkEmptyDatabase, checkEmptyStorage, checkSameSchema, migrationsFor, RestoreRefused } from './target.js';

const gunzip = promisify(zlib.gunzip);

/** Rows per INSERT, or fewer when they are large. */
const INSERT_ROWS = 1000;
const INSERT_BYTES = 4 * 1024 * 1024;

export interface RestoreProgress {
  phase: 'database' | 'verifying' | 'documents';
  archiveBytesDone: number;
  archiveBytesTotal: number;
  rowsDone: number;
  rowsTotal: number;
  documentsDone: number;
  documentsTotal: number;
  documentBytesDone: number;
  documentBytesTotal: number;
}

export interface RestoreResult {
  archive: string;
  createdAt: string;
  sourceDatabase: 'pglite' | 'postgresql';
  migration: string;
  /** Migrations of this Clinica newer than the archive's, applied at the next start. */
  newerMigrations: number;
  sizeBytes: number;
  tables: number;
  rows: number;
  documents: number;
  documentBytes: number;
  /** True: the files came from the archive; false: they were checked in the remote storage. */
  documentsIncluded: boolean;
  durationMs: number;
}

export interface RestoreOptions {
  /** The target, opened but not migrated: it must be empty. */
  db: Database;
  /** How to name the target in messages, e.g. "the database at postgres://..." */
  target: string;
  source: ObjectStorage;
  archive: string;
  documents: ObjectStorage;
  key: string;
  onProgress?: (progress: RestoreProgress) => void;
}

/**
 * Restores an archive into an empty database and document storage. The target is migrated to
 * the archive's schema, then every table is loaded in one transaction, read back and checked
 * against the archive's row counts and SHA-256 sums, and the documents are written and checked;
 * the transaction commits only once the archive's last byte has authenticated. Any failure
 * (a wrong key, a damaged or truncated archive, a mismatch) rolls it back and removes the
 * documents written, leaving the target as empty as it was.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const started = performance.now();
  const stat = await options.source.stat(options.archive);
  if (!stat) throw new RestoreRefused(`there is no archive ${options.archive} in ${options.source.location}`);
  const progress: RestoreProgress = {
    phase: 'database',
    archiveBytesDone: 0,
    archiveBytesTotal: stat.size,
    rowsDone: 0,
    rowsTotal: 0,
    documentsDone: 0,
    documentsTotal: 0,
    documentBytesDone: 0,
    documentBytesTotal: 0,
  };
  const report = () => options.onProgress?.(progress);
  const counted = new ByteCounter((bytes) => {
    progress.archiveBytesDone = bytes;
  });
  const body = pipeline(await options.source.get(options.archive), counted, () => {});
  const plain = await decryptStream(body, options.key);
  const extract = tar.extract();
  const extracted = pipelineAsync(plain, extract);
  extracted.catch(() => {});
  const entries = extract[Symbol.asyncIterator]();
  try {
    const manifest = await readManifest(entries);
    progress.rowsTotal = manifest.tables.reduce((n, t) => n + t.rows, 0);
    progress.documentsTotal = manifest.documents.count;
    progress.documentBytesTotal = manifest.documents.bytes;
    report();

    const wanted = migrationsFor(manifest);
    await checkEmptyDatabase(options.db, wanted, options.target);
    if (manifest.documents.included) await checkEmptyStorage(options.documents);
    await migrate(options.db, wanted);
    await checkSameSchema(options.db, manifest);

    let reported = 0;
    const writer = new DocumentWriter(
      options.documents,
      (bytes) => {
        progress.documentBytesDone += bytes;
        if (progress.documentBytesDone - reported >= 1024 * 1024) {
          reported = progress.documentBytesDone;
          report();
        }
      },
      () => {
        progress.documentsDone += 1;
        report();
      },
    );
    try {
      await options.db.transaction((tx) =>
        load(tx, { options, manifest, entries, extracted, writer, progress, report, archiveSize: stat.size }),
      );
    } catch (err) {
      await writer.settle();
      for (const key of writer.written) await options.documents.delete(key).catch(() => {});
      // A document being written fails with the storage's error when the archive stream
      // breaks under it; the archive's own failure is the one to report.
      throw plain.errored instanceof ArchiveError ? plain.errored : err;
    }
    return {
      archive: options.archive,
      createdAt: manifest.createdAt,
      sourceDatabase: manifest.database.kind,
      migration: manifest.migration.name,
      newerMigrations: readMigrations().filter((m) => m.version > manifest.migration.version).length,
      sizeBytes: stat.size,
      tables: manifest.tables.length,
      rows: progress.rowsTotal,
      documents: manifest.documents.count,
      documentBytes: manifest.documents.bytes,
      documentsIncluded: manifest.documents.included,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    extract.destroy();
    plain.destroy();
  }
}

/** A tar entry: its header and a stream of its bytes. */
type Entry = tar.ExtractEvents['entry'][1];
type Entries = AsyncIterator<Entry>;

async function readAll(entry: Entry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readManifest(entries: Entries): Promise<Manifest> {
  const first = await entries.next();
  if (first.done || first.value.header.name !== MANIFEST_ENTRY) {
    throw new ArchiveError(
      'not_an_archive',
      'this archive holds no Clinica backup (its first entry is not manifest.json)',
    );
  }
  const parsed = Manifest.safeParse(parseJson(await readAll(first.value)));
  if (!parsed.success) {
    throw new ArchiveError(
      'not_an_archive',
      'the archive manifest is not one this Clinica can read (another format, or a newer version)',
    );
  }
  return parsed.data;
}

function parseJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return null;
  }
}

interface LoadContext {
  options: RestoreOptions;
  manifest: Manifest;
  entries: Entries;
  extracted: Promise<void>;
  writer: DocumentWriter;
  progress: RestoreProgress;
  report: () => void;
  archiveSize: number;
}

async function load(tx: Queryable, c: LoadContext): Promise<void> {
  const { manifest, progress, report } = c;
  await useCanonicalOutput(tx);
  const tables = new Map(manifest.tables.map((t) => [t.name, t]));
  // Rows arrive table by table in no particular order, with rows that refer to rows of the
  // same table (addenda, merges) in any order too: foreign keys are dropped for the load and
  // added back at the end, which checks every row against them. Triggers that guard signed
  // or append-only rows are for changes made by people, not for putting the record back.
  const keys = await foreignKeys(tx);
  for (const fk of keys) await tx.query(`alter table ${fk.table} drop constraint ${quoteIdent(fk.name)}`);
  for (const t of manifest.tables) {
    await tx.query(`alter table ${quoteIdent(t.name)} disable trigger user`);
    // Rows the migrations wrote (the shipped code lists) make way for the archive's.
    await tx.query(`delete from ${quoteIdent(t.name)}`);
  }

  const loaded = new Map<string, number>();
  const documents = new Map(manifest.documents.items.map((d) => [d.key, d]));
  const seen = new Set<string>();
  let checksums: Checksums | null = null;
  while (true) {
    const next = await c.entries.next();
    if (next.done) break;
    const entry = next.value;
    const name = entry.header.name;
    const part = PART_PATTERN.exec(name);
    if (part?.[1]) {
      const table = tables.get(part[1]);
      if (!table || checksums) throw damaged(`unexpected entry ${name}`);
      const rows = await insertPart(tx, table, await readAll(entry), (n) => {
        progress.rowsDone += n;
        report();
      });
      loaded.set(table.name, (loaded.get(table.name) ?? 0) + rows);
    } else if (name === CHECKSUMS_ENTRY) {
      const parsed = Checksums.safeParse(parseJson(await readAll(entry)));
      if (!parsed.success) throw damaged('its checksums entry cannot be read');
      checksums = parsed.data;
      progress.phase = 'verifying';
      report();
      await verifyTables(tx, manifest, checksums, loaded);
      progress.phase = 'documents';
      report();
    } else if (name.startsWith(DOCUMENTS_PREFIX)) {
      const key = name.slice(DOCUMENTS_PREFIX.length);
      const expected = documents.get(key);
      if (!checksums || !expected || seen.has(key) || !manifest.documents.included) {
        throw damaged(`unexpected entry ${name}`);
      }
      seen.add(key);
      await c.writer.write(expected, entry);
    } else {
      // An entry a later format version may add: skipped.
      for await (const _ of entry) {
      }
    }
  }
  // The tar stream can end before the encrypted stream does: only its authenticated end
  // proves nothing was cut off or changed.
  await c.extracted;
  await c.writer.finish();
  if (!checksums) throw damaged('it ends before its checksums');
  if (manifest.documents.included && seen.size !== documents.size) {
    throw damaged(`it holds ${seen.size} of its ${documents.size} documents`);
  }
  if (!manifest.documents.included) await checkRemoteDocuments(c);

  for (const s of manifest.sequences) {
    if (s.lastValue !== null)
      await tx.query('select setval($1::regclass, $2, true)', [quoteIdent(s.name), s.lastValue]);
  }
  for (const t of manifest.tables) await tx.query(`alter table ${quoteIdent(t.name)} enable trigger user`);
  for (const fk of keys) {
    await tx.query(`alter table ${fk.table} add constraint ${quoteIdent(fk.name)} ${fk.definition}`);
  }
  await settleOwnRun(tx, c);
}

const damaged = (what: string) => new ArchiveError('damaged', `the archive is not a complete Clinica backup: ${what}`);

async function insertPart(
  tx: Queryable,
  table: TableInfo,
  compressed: Buffer,
  onRows: (n: number) => void,
): Promise<number> {
  let text: string;
  try {
    text = (await gunzip(compressed)).toString('utf8');
  } catch (err) {
    throw new ArchiveError('damaged', `the archive part of table ${table.name} cannot be decompressed`, { cause: err });
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const columns = table.columns.filter((col) => !col.generated).map((col) => quoteIdent(col.name));
  const overriding = table.columns.some((col) => col.identity) ? 'overriding system value' : '';
  const sql = `insert into ${quoteIdent(table.name)} (${columns.join(', ')}) ${overriding}
    select ${columns.join(', ')} from jsonb_populate_recordset(null::${quoteIdent(table.name)}, $1::jsonb)`;
  let batch: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await tx.query(sql, [`[${batch.join(',')}]`]);
    onRows(batch.length);
    batch = [];
    bytes = 0;
  };
  for (const line of lines) {
    batch.push(line);
    bytes += line.length;
    if (batch.length >= INSERT_ROWS || bytes >= INSERT_BYTES) await flush();
  }
  await flush();
  return lines.length;
}

/** Reads every table back, as the backup read it, and compares with the archive's figures. */
async function verifyTables(
  tx: Queryable,
  manifest: Manifest,
  checksums: Checksums,
  loaded: Map<string, number>,
): Promise<void> {
  for (const table of manifest.tables) {
    const expected = checksums.tables[table.name];
    if (!expected || expected.rows !== table.rows || (loaded.get(table.name) ?? 0) !== table.rows) {
      throw damaged(
        `table ${table.name} should have ${table.rows} rows, the archive holds ${loaded.get(table.name) ?? 0}`,
      );
    }
    const actual = await readTable(tx, table, () => {});
    if (actual.rows !== expected.rows || actual.sha256 !== expected.sha256) {
      throw new VerificationError(
        `table ${table.name} does not read back as it was backed up (${actual.rows} rows, SHA-256 ${actual.sha256.slice(0, 12)}..., expected ${expected.rows} rows, ${expected.sha256.slice(0, 12)}...); nothing was kept`,
      );
    }
  }
}

/** With remote document storage the archive lists the files: each must be there, intact. */
async function checkRemoteDocuments(c: LoadContext): Promise<void> {
  const problems = await checkListedDocuments(
    c.options.documents,
    c.manifest.documents.items,
    (bytes) => {
      c.progress.documentBytesDone += bytes;
    },
    () => {
      c.progress.documentsDone += 1;
      c.report();
    },
  );
  if (problems.length > 0) {
    throw new VerificationError(
      `${problems.length} of the ${c.manifest.documents.count} documents the archive lists are not intact in ${c.options.documents.location} (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; ...' : ''}): check STORAGE_URL points to the clinic's document storage`,
    );
  }
}

/**
 * The archive's database snapshot was taken while the run writing it was `running`; in the
 * restored database that run is the one that produced this very archive, so it succeeded.
 */
async function settleOwnRun(tx: Queryable, c: LoadContext): Promise<void> {
  const { manifest } = c;
  if (!manifest.runId || !manifest.tables.some((t) => t.name === 'backup_runs')) return;
  await tx.query(
    `update backup_runs set status = 'succeeded', finished_at = $2, archive = $3, size_bytes = $4,
        tables = $5, rows = $6, documents = $7, document_bytes = $8, error = null
      where id = $1 and status = 'running'`,
    [
      manifest.runId,
      manifest.createdAt,
      c.options.archive,
      c.archiveSize,
      manifest.tables.length,
      manifest.tables.reduce((n, t) => n + t.rows, 0),
      manifest.documents.count,
      manifest.documents.bytes,
    ],
  );
}
