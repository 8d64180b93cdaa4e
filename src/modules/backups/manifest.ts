import { z } from 'zod';

/**
 * The archive, once decrypted, is a tar stream of:
 *
 * - `manifest.json`: what the archive holds, known before the data is read (below);
 * - `db/<table>/<n>.jsonl.gz`: each table's rows, one `to_jsonb` line per row in primary-key
 *   order, in gzip parts that close once they pass 8 MiB of lines;
 * - `checksums.json`: each table's row count and the SHA-256 of its lines (known only once
 *   they have streamed past, hence a second entry after the data);
 * - `documents/<key>`: the document files, when the document storage is local. With remote
 *   storage the manifest lists them and a restore checks they are still there, intact.
 */
export const FORMAT = 'clinica-backup';
export const FORMAT_VERSION = 1;

export const MANIFEST_ENTRY = 'manifest.json';
export const CHECKSUMS_ENTRY = 'checksums.json';
export const DOCUMENTS_PREFIX = 'documents/';
export const tablePart = (table: string, n: number) => `db/${table}/${String(n).padStart(5, '0')}.jsonl.gz`;
export const PART_PATTERN = /^db\/([^/]+)\/\d{5}\.jsonl\.gz$/;

const Column = z.object({
  name: z.string(),
  type: z.string(),
  generated: z.boolean(),
  identity: z.boolean(),
  collatable: z.boolean(),
});

export const Manifest = z.object({
  format: z.literal(FORMAT),
  formatVersion: z.literal(FORMAT_VERSION),
  createdAt: z.string(),
  clinicaVersion: z.string(),
  /** The backup run that wrote it, when there was one. */
  runId: z.string().nullable(),
  database: z.object({ kind: z.enum(['pglite', 'postgresql']), serverVersion: z.string() }),
  /** The last migration applied to the database, and all of them, as `schema_migrations` holds them. */
  migration: z.object({ version: z.number().int(), name: z.string() }),
  migrations: z.array(z.object({ version: z.number().int(), name: z.string(), checksum: z.string() })),
  tables: z.array(
    z.object({
      name: z.string().regex(/^[^/]+$/),
      columns: z.array(Column),
      primaryKey: z.array(z.string()),
      rows: z.number().int().nonnegative(),
    }),
  ),
  sequences: z.array(z.object({ name: z.string(), lastValue: z.number().int().nullable() })),
  documents: z.object({
    /** The kind of document storage the source used. */
    storage: z.enum(['local', 'webdav', 's3']),
    /** True: the files are in the archive; false: listed only (remote storage). */
    included: z.boolean(),
    count: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    items: z.array(z.object({ key: z.string(), size: z.number().int().nonnegative(), sha256: z.string() })),
  }),
});
export type Manifest = z.infer<typeof Manifest>;

export const Checksums = z.object({
  tables: z.record(z.string(), z.object({ rows: z.number().int().nonnegative(), sha256: z.string() })),
});
export type Checksums = z.infer<typeof Checksums>;

/** `clinica-backup-20261123T101500Z.tar.age`, with `-2`, `-3` ... for a second archive in the same second. */
export const ARCHIVE_PREFIX = 'clinica-backup-';
const ARCHIVE_NAME = /^clinica-backup-(\d{8}T\d{6}Z)(?:-(\d+))?\.tar\.age$/;

export function archiveName(at: Date, n = 1): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${ARCHIVE_PREFIX}${stamp}${n > 1 ? `-${n}` : ''}.tar.age`;
}

/** When the archive was made, from its name; null for any other file. */
export function archiveTime(name: string): Date | null {
  const m = ARCHIVE_NAME.exec(name);
  if (!m?.[1]) return null;
  const s = m[1];
  const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`;
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Orders archives of the same second: the `-n` suffix, none being 1. */
export const archiveSequence = (name: string) => Number(ARCHIVE_NAME.exec(name)?.[2] ?? 1);
