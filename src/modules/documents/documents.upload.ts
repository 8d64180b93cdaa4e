import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream';
import type { Multipart, MultipartFile, MultipartValue } from '@fastify/multipart';
import { badRequest, DomainError, type FieldErrorCode } from '../../platform/http/errors.js';
import type { ObjectStorage } from '../../platform/storage/storage.js';
import { fileNameFor, readHead, SNIFF_BYTES, sniff, TextCheck } from './documents.content.js';
import { asStorageError, domainCause, isStorageError, storageProblem, tooLarge } from './documents.errors.js';
import type { DocumentRow, FileFacts } from './documents.repository.js';
import { UploadFields } from './documents.schemas.js';

/** What the route's multipart parser may read: one file, a couple of short fields. */
export const multipartLimits = (maxBytes: number) => ({
  // One byte more than allowed, so the storage's own limit is what refuses (and keeps nothing).
  fileSize: maxBytes + 1,
  files: 1,
  fields: 10,
  parts: 12,
  fieldSize: 1024,
  fieldNameSize: 100,
  headerPairs: 20,
});

/** Where a received file goes: the storage, the size limit and the key it is stored under. */
export interface FileTarget {
  storage: ObjectStorage;
  maxBytes: number;
  /** The storage key of a new file, from its id and the extension of its real type. */
  keyFor(id: string, ext: string): string;
  /** What the form may hold, e.g. `"file" and, optionally, "title"`: named when a form is not right. */
  form: string;
}

export interface UploadTarget {
  storage: ObjectStorage;
  maxBytes: number;
  patientNumber: string;
  /** Writes the row (with its audit entry and event) once the file is stored. */
  save(facts: Omit<FileFacts, 'patientId' | 'authorId'> & { storageKey: string }): Promise<DocumentRow | undefined>;
}

/** A file received and stored: what its row records. */
export interface StoredFile {
  id: string;
  key: string;
  size: number;
  sha256: string;
  contentType: string;
  fileName: string;
}

const fieldError = (path: string, message: string, code: FieldErrorCode) =>
  badRequest(`The request is invalid. ${path}: ${message}`, [{ path, message, code }]);

/**
 * Reads a multipart upload part by part: the text fields are checked as they arrive, the file
 * streams to the storage (sniffed from its first bytes, hashed, limited in size) without being
 * held in memory. A refusal at any point leaves neither an object nor a row behind.
 */
export async function receiveUpload(parts: AsyncIterable<Multipart>, target: UploadTarget): Promise<DocumentRow> {
  const fields: { title?: string; category?: 'upload' | 'result' } = {};
  const files: FileTarget = {
    storage: target.storage,
    maxBytes: target.maxBytes,
    keyFor: (id, ext) => `patients/${target.patientNumber}/${id}.${ext}`,
    form: '"file" and, optionally, "title" and "category"',
  };
  return receive(
    parts,
    files,
    (part) => acceptField(fields, part),
    async (stored) => {
      const row = await target.save({
        id: stored.id,
        category: fields.category ?? 'upload',
        title: fields.title ?? stored.fileName,
        fileName: stored.fileName,
        contentType: stored.contentType,
        sizeBytes: stored.size,
        sha256: stored.sha256,
        source: null,
        storageKey: stored.key,
      });
      if (!row) throw new Error('the uploaded document was not saved');
      return row;
    },
  );
}

/**
 * The same for a form of one part named `file` and nothing else: the file is checked and
 * stored the way documents are, then `save` writes its row. A refusal leaves no object.
 */
export function receiveFile<T>(
  parts: AsyncIterable<Multipart>,
  target: FileTarget,
  save: (stored: StoredFile) => Promise<T>,
): Promise<T> {
  return receive(
    parts,
    target,
    (part) => {
      throw fieldError(`body.${part.fieldname}`, 'is not a known field', 'unknown_field');
    },
    save,
  );
}

async function receive<T>(
  parts: AsyncIterable<Multipart>,
  target: FileTarget,
  onField: (part: MultipartValue) => void,
  save: (stored: StoredFile) => Promise<T>,
): Promise<T> {
  let stored: StoredFile | null = null;
  try {
    try {
      for await (const part of parts) {
        if (part.type === 'field') {
          onField(part);
          continue;
        }
        if (part.fieldname !== 'file')
          throw fieldError(`body.${part.fieldname}`, 'is not a known field', 'unknown_field');
        if (stored) throw fieldError('body.file', 'must be a single file: send one document per request', 'too_big');
        stored = await storeFile(part, target);
      }
    } catch (err) {
      throw unreadable(err, target);
    }
    if (!stored) {
      throw badRequest('Attach the document as a part named "file" of a multipart/form-data body.', [
        { path: 'body.file', message: 'is required', code: 'required' },
      ]);
    }
    return await save(stored);
  } catch (err) {
    // The object is only worth keeping with its row.
    const orphan = stored as StoredFile | null;
    if (orphan) await target.storage.delete(orphan.key).catch(() => {});
    throw err;
  }
}

function acceptField(fields: Record<string, string>, part: MultipartValue) {
  const name = part.fieldname;
  const path = `body.${name}`;
  if (!(name in UploadFields)) throw fieldError(path, 'is not a known field', 'unknown_field');
  if (fields[name] !== undefined) throw fieldError(path, 'was sent more than once', 'invalid_value');
  if (typeof part.value !== 'string') throw fieldError(path, 'must be text', 'invalid_type');
  if (part.valueTruncated) throw fieldError(path, 'is too long', 'too_big');
  const parsed = UploadFields[name as keyof typeof UploadFields].safeParse(part.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw fieldError(path, issue?.message ?? 'is invalid', issue?.code ?? 'invalid_value');
  }
  fields[name] = parsed.data;
}

async function storeFile(part: MultipartFile, target: FileTarget): Promise<StoredFile> {
  // Errors of the request itself (cut short, malformed), told apart from the storage's.
  let bodyError: unknown;
  part.file.on('error', (err) => {
    bodyError ??= err;
  });
  const { head, whole } = await readHead(part.file, SNIFF_BYTES);
  if (head.length === 0) {
    whole.destroy();
    throw fieldError('body.file', 'is empty', 'too_small');
  }
  let sniffed: Awaited<ReturnType<typeof sniff>>;
  try {
    sniffed = await sniff(head);
  } catch (err) {
    whole.destroy();
    throw err;
  }
  const id = randomUUID();
  const key = target.keyFor(id, sniffed.ext);
  const body = sniffed.text ? pipeline(whole, new TextCheck(), () => {}) : whole;
  let result: { size: number; sha256: string };
  try {
    result = await target.storage.put(key, body, { contentType: sniffed.contentType, maxBytes: target.maxBytes });
  } catch (err) {
    whole.destroy();
    const refusal = domainCause(err);
    if (refusal) throw refusal;
    if (bodyError) throw unreadable(bodyError, target);
    throw storageProblem(asStorageError(err), true, target.maxBytes);
  }
  if (part.file.truncated || result.size > target.maxBytes) {
    await target.storage.delete(key).catch(() => {});
    throw tooLarge(target.maxBytes);
  }
  return {
    id,
    key,
    size: result.size,
    sha256: result.sha256,
    contentType: sniffed.contentType,
    fileName: fileNameFor(part.filename, sniffed),
  };
}

/** What a failure while reading the request becomes: refusals pass, the parser's complaints turn into 4xx. */
function unreadable(err: unknown, { maxBytes, form }: FileTarget): unknown {
  if (err instanceof DomainError || isStorageError(err)) return err;
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) return err;
  switch ((err as { code?: string }).code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return tooLarge(maxBytes);
    case 'FST_FILES_LIMIT':
      return fieldError('body.file', 'must be a single file: send one document per request', 'too_big');
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return badRequest(`The form has too many parts: send ${form}.`);
    case 'FST_PROTO_VIOLATION':
      return badRequest(`A field name of the form is not allowed: send ${form}.`);
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return badRequest('A field of the form declares JSON but is not valid JSON; send plain text fields.');
    default:
      return new DomainError(
        'BAD_MULTIPART',
        400,
        'The body is not valid multipart/form-data, or it was cut short; nothing was saved. Send it again.',
      );
  }
}
