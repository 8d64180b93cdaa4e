import { DomainError } from '../../platform/http/errors.js';
import { StorageError } from '../../platform/storage/storage.js';

/**
 * A failure of the document storage, told to the caller in terms they can act on. It keeps
 * the storage's own error (a technical message, no health data) for the server log.
 */
export class StorageProblem extends DomainError {
  constructor(
    code: string,
    status: number,
    message: string,
    readonly storageError: StorageError,
    headers: Record<string, string> = {},
  ) {
    super(code, status, message, { code: code.toLowerCase() }, headers);
  }
}

export const tooLarge = (maxBytes: number) =>
  new DomainError(
    'DOCUMENT_TOO_LARGE',
    413,
    `The file is larger than the ${formatBytes(maxBytes)} allowed (DOCUMENT_MAX_BYTES); nothing was saved.`,
    { code: 'too_large', limit: maxBytes },
  );

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Number((n / (1024 * 1024)).toFixed(1))} MiB`;
  if (n >= 1024) return `${Number((n / 1024).toFixed(1))} KiB`;
  return `${n} bytes`;
}

/** The refusal a storage failure becomes; `writing` says whether something was being saved. */
export function storageProblem(err: StorageError, writing: boolean, maxBytes: number): DomainError {
  const nothingSaved = writing ? ' Nothing was saved.' : '';
  switch (err.code) {
    case 'too_large':
      return tooLarge(maxBytes);
    case 'quota':
      return new StorageProblem(
        'STORAGE_FULL',
        507,
        `The document storage is full.${nothingSaved} An administrator must free space or enlarge it.`,
        err,
      );
    case 'unauthorized':
      return new StorageProblem(
        'STORAGE_REFUSED',
        503,
        `The document storage refused Clinica's credentials.${nothingSaved} An administrator must check STORAGE_URL.`,
        err,
      );
    case 'not_found':
      return new StorageProblem(
        'DOCUMENT_FILE_MISSING',
        500,
        'The file of this document is missing from the document storage. An administrator can restore it from a backup.',
        err,
      );
    case 'integrity':
      return new StorageProblem(
        'DOCUMENT_DAMAGED',
        500,
        'The stored copy of this document is damaged (its size or checksum differs from the one recorded). An administrator can restore it from a backup.',
        err,
      );
    default:
      return new StorageProblem(
        'STORAGE_UNAVAILABLE',
        503,
        `The document storage cannot be reached right now.${nothingSaved} Try again in a few minutes.`,
        err,
        { 'retry-after': '60' },
      );
  }
}

/** The first DomainError in an error's cause chain: a refusal raised inside a stream an adapter wrapped. */
export function domainCause(err: unknown): DomainError | undefined {
  for (let e = err, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DomainError) return e;
  }
  return undefined;
}

export const isStorageError = (err: unknown): err is StorageError => err instanceof StorageError;

/** Whatever a storage call threw, as a StorageError: one the adapter did not classify is an outage. */
export function asStorageError(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  return new StorageError('unavailable', err instanceof Error ? err.message : String(err), { cause: err });
}
