import type { Queryable } from '../../platform/db/database.js';
import { newestFirst, Params } from '../clinical/paging.js';
import type { Category, Document } from './documents.schemas.js';

export interface DocumentRow {
  patient_id: string;
  id: string;
  category: Category;
  title: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  storage_key: string;
  author_id: string | null;
  source_type: string | null;
  source_id: string | null;
  created_at: Date;
  deleted_at: Date | null;
  deleted_by: string | null;
  delete_reason: string | null;
}

/** What describes a file, staged or filed. */
export interface FileFacts {
  patientId: string;
  id: string;
  category: Category;
  title: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  authorId: string | null;
  source: { type: string; id: string } | null;
}

const COLUMNS = `patient_id, id, category, title, file_name, content_type, size_bytes, sha256, storage_key, author_id,
  source_type, source_id, created_at, deleted_at, deleted_by, delete_reason`;

export function toDocument(r: DocumentRow, names: Map<string, string>): Document {
  return {
    id: r.id,
    patientId: r.patient_id,
    category: r.category,
    title: r.title,
    fileName: r.file_name,
    contentType: r.content_type,
    sizeBytes: r.size_bytes,
    sha256: r.sha256,
    author: r.author_id ? { id: r.author_id, name: names.get(r.author_id) ?? '' } : null,
    source: r.source_type && r.source_id ? { type: r.source_type, id: r.source_id } : null,
    createdAt: r.created_at.toISOString(),
    deletedAt: r.deleted_at?.toISOString() ?? null,
    deleteReason: r.delete_reason,
  };
}

/**
 * Inserts a document row. Answers false, writing nothing, when the id, the storage key or
 * the source is already filed (a redelivered event, two consumers racing).
 */
/** The columns a filed document and a staged one share, and their values in that order. */
const FACT_COLUMNS =
  'patient_id, id, category, title, file_name, content_type, size_bytes, sha256, author_id, source_type, source_id';
const factValues = (f: FileFacts) => [
  f.patientId,
  f.id,
  f.category,
  f.title,
  f.fileName,
  f.contentType,
  f.sizeBytes,
  f.sha256,
  f.authorId,
  f.source?.type ?? null,
  f.source?.id ?? null,
];

export async function insertDocument(q: Queryable, f: FileFacts & { storageKey: string }): Promise<boolean> {
  const { rowCount } = await q.query(
    `insert into documents (${FACT_COLUMNS}, storage_key)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     on conflict do nothing`,
    [...factValues(f), f.storageKey],
  );
  return rowCount > 0;
}

export async function findDocument(q: Queryable, patientId: string, id: string): Promise<DocumentRow | undefined> {
  const { rows } = await q.query<DocumentRow>(`select ${COLUMNS} from documents where patient_id = $1 and id = $2`, [
    patientId,
    id,
  ]);
  return rows[0];
}

export async function lockDocument(q: Queryable, patientId: string, id: string): Promise<DocumentRow | undefined> {
  const { rows } = await q.query<DocumentRow>(
    `select ${COLUMNS} from documents where patient_id = $1 and id = $2 for update`,
    [patientId, id],
  );
  return rows[0];
}

export async function markDeleted(q: Queryable, patientId: string, id: string, by: string, reason: string) {
  await q.query(
    `update documents set deleted_at = now(), deleted_by = $3, delete_reason = $4
      where patient_id = $1 and id = $2 and deleted_at is null`,
    [patientId, id, by, reason],
  );
}

export async function listDocuments(
  q: Queryable,
  s: { patientId: string; category?: Category | undefined; includeDeleted: boolean; cursor?: string; limit: number },
) {
  const params = new Params();
  const where = [`patient_id = ${params.add(s.patientId)}`];
  if (s.category) where.push(`category = ${params.add(s.category)}`);
  if (!s.includeDeleted) where.push('deleted_at is null');
  return newestFirst<DocumentRow>(q, {
    select: `select ${COLUMNS} from documents`,
    where,
    params,
    timeColumn: 'created_at',
    timeOf: (r) => r.created_at,
    cursor: s.cursor,
    limit: s.limit,
  });
}

/** Whether a source was filed or is waiting to be, under whichever patient it now belongs to. */
export async function sourceKnown(q: Queryable, category: Category, type: string, id: string): Promise<boolean> {
  const { rows } = await q.query(
    `select 1 from documents where category = $1 and source_type = $2 and source_id = $3
     union all
     select 1 from document_staging where category = $1 and source_type = $2 and source_id = $3
     limit 1`,
    [category, type, id],
  );
  return rows.length > 0;
}

export async function insertStaged(q: Queryable, f: FileFacts, content: Buffer): Promise<boolean> {
  const { rowCount } = await q.query(
    `insert into document_staging (${FACT_COLUMNS}, content)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     on conflict do nothing`,
    [...factValues(f), content],
  );
  return rowCount > 0;
}

interface StagedRow {
  patient_id: string;
  id: string;
  category: Category;
  title: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  author_id: string | null;
  source_type: string | null;
  source_id: string | null;
  content: Uint8Array;
  patient_number: string;
}

export interface StagedFile extends FileFacts {
  content: Buffer;
  patientNumber: string;
}

/**
 * A staged file by id alone (a merge may have moved it since its event was written), with
 * the patient number its folder is named after; `lock` holds it for this transaction.
 */
export async function findStaged(q: Queryable, id: string, lock = false): Promise<StagedFile | undefined> {
  const { rows } = await q.query<StagedRow>(
    `select s.patient_id, s.id, s.category, s.title, s.file_name, s.content_type, s.size_bytes, s.sha256,
        s.author_id, s.source_type, s.source_id, s.content, p.patient_number
       from document_staging s join patients p on p.id = s.patient_id
      where s.id = $1 ${lock ? 'for update of s' : ''}`,
    [id],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    patientId: r.patient_id,
    id: r.id,
    category: r.category,
    title: r.title,
    fileName: r.file_name,
    contentType: r.content_type,
    sizeBytes: r.size_bytes,
    sha256: r.sha256,
    authorId: r.author_id,
    source: r.source_type && r.source_id ? { type: r.source_type, id: r.source_id } : null,
    content: Buffer.from(r.content.buffer, r.content.byteOffset, r.content.byteLength),
    patientNumber: r.patient_number,
  };
}

export async function deleteStaged(q: Queryable, patientId: string, id: string) {
  await q.query('delete from document_staging where patient_id = $1 and id = $2', [patientId, id]);
}

/** The document filed under this id, by id alone. */
export async function documentById(q: Queryable, id: string): Promise<DocumentRow | undefined> {
  const { rows } = await q.query<DocumentRow>(`select ${COLUMNS} from documents where id = $1`, [id]);
  return rows[0];
}

/**
 * Moves a merged duplicate's documents (and files still waiting to be filed) to the survivor.
 * The stored objects stay where they are: only the rows move. Deleting first, in the same
 * statement, keeps the storage key unique throughout; the flag lets the guard trigger accept it.
 */
export async function moveDocuments(q: Queryable, fromPatientId: string, toPatientId: string) {
  await q.query(`select set_config('clinica.moving_patient_rows', 'on', true)`);
  await q.query(
    `with moved as (delete from documents where patient_id = $1 returning *)
     insert into documents (patient_id, id, category, title, file_name, content_type, size_bytes, sha256, storage_key,
       author_id, source_type, source_id, created_at, deleted_at, deleted_by, delete_reason)
     select $2, id, category, title, file_name, content_type, size_bytes, sha256, storage_key, author_id, source_type,
       source_id, created_at, deleted_at, deleted_by, delete_reason
       from moved`,
    [fromPatientId, toPatientId],
  );
  await q.query(
    `with moved as (delete from document_staging where patient_id = $1 returning *)
     insert into document_staging (patient_id, id, category, title, file_name, content_type, size_bytes, sha256,
       author_id, source_type, source_id, content, created_at)
     select $2, id, category, title, file_name, content_type, size_bytes, sha256, author_id, source_type, source_id,
       content, created_at
       from moved`,
    [fromPatientId, toPatientId],
  );
  await q.query(`select set_config('clinica.moving_patient_rows', 'off', true)`);
}
