import { finished, type Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ObjectStorage } from '../../platform/storage/storage.js';
import { attachmentHeader, FirstBytes } from './documents.content.js';
import { asStorageError, isStorageError, StorageProblem, storageProblem } from './documents.errors.js';

/** What a stored file's row records about it. */
export interface StoredFileRow {
  storage_key: string;
  size_bytes: number;
  sha256: string;
  content_type: string;
  file_name: string;
}

/**
 * Opens a stored file for download, checked as it flows against the size and SHA-256
 * recorded when it was stored (a file of one read chunk is checked whole before the answer
 * starts). `audit` records the download before a byte leaves; one that fails at once, as a failure.
 */
export async function openVerified(
  storage: ObjectStorage,
  file: StoredFileRow,
  maxBytes: number,
  audit: (outcome: 'success' | 'failure') => Promise<unknown>,
): Promise<Readable> {
  let source: Readable;
  try {
    source = await storage.get(file.storage_key, { size: file.size_bytes, sha256: file.sha256 });
  } catch (err) {
    await audit('failure');
    throw storageProblem(asStorageError(err), false, maxBytes);
  }
  // Joined at once, so that a failure of the source always reaches the response.
  const stream = new FirstBytes();
  // Seen through `started` below, and by the response; never an unhandled error.
  stream.on('error', () => {});
  finished(source, (err) => {
    if (err) stream.destroy(isStorageError(err) ? storageProblem(err, false, maxBytes) : err);
  });
  stream.on('close', () => source.destroy());
  source.pipe(stream);
  // Failures found before the first byte answer as a problem; later ones break the transfer.
  const early = await stream.started;
  try {
    await audit(early ? 'failure' : 'success');
  } catch (err) {
    stream.destroy();
    throw err;
  }
  if (early) throw early;
  return stream;
}

/** Storage failures are the operator's to fix: log them (the storage's message, never health data). */
export async function logged<T>(req: FastifyRequest, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof StorageProblem) {
      req.log.error(
        { code: err.code, storage: err.storageError.code, err: err.storageError.message },
        'document storage failed',
      );
    }
    throw err;
  }
}

/** Download headers that describe a body; a failure before the first byte answers a problem instead. */
const CONTENT_HEADERS = ['content-length', 'content-disposition', 'etag', 'content-type'];

/** Sends a file opened by {@link openVerified}, with honest headers; a later failure breaks the transfer. */
export function sendDownload(req: FastifyRequest, reply: FastifyReply, file: StoredFileRow, stream: Readable) {
  stream.once('error', (err) => {
    if (err instanceof StorageProblem) {
      req.log.error({ code: err.code, err: err.storageError.message }, 'document download failed');
    }
    if (!reply.raw.headersSent) for (const h of CONTENT_HEADERS) reply.removeHeader(h);
  });
  const type = file.content_type === 'text/plain' ? 'text/plain; charset=utf-8' : file.content_type;
  return reply
    .type(type)
    .header('content-length', String(file.size_bytes))
    .header('content-disposition', attachmentHeader(file.file_name))
    .header('etag', `"${file.sha256}"`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .send(stream);
}
