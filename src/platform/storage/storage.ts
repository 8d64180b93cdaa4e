import type { Readable } from 'node:stream';

/**
 * Where documents and backups live: a local folder (the default, in DATA_DIR), a WebDAV
 * server (Nextcloud's `remote.php/dav/files/USER/...` included) or S3-compatible object
 * storage, chosen by a URL (`STORAGE_URL`, `BACKUP_URL`). Keys are relative paths with `/`
 * separators (`patients/PT00001/<id>.pdf`); each adapter maps them under its root.
 *
 * Everything streams: no adapter holds a whole file in memory.
 */
export interface ObjectStorage {
  readonly kind: 'local' | 'webdav' | 's3';
  /** The location, fit to print (any password replaced by `***`). */
  readonly location: string;

  /**
   * Writes `body` under `key`, hashing it (SHA-256) on the way. Atomic: a write that fails
   * (or exceeds `maxBytes`) leaves nothing under `key`, and an existing object under `key` is
   * replaced only by a complete new one.
   */
  put(key: string, body: Readable, options?: PutOptions): Promise<StoredObject>;

  /**
   * Reads `key`. With `expected`, the stream is checked as it flows: a size or SHA-256
   * mismatch destroys it with a `StorageError` of code `integrity` before its end.
   */
  get(key: string, expected?: { size: number; sha256: string }): Promise<Readable>;

  /** The object's size, or null when there is none. */
  stat(key: string): Promise<{ size: number } | null>;

  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;

  /** Every object whose key starts with `prefix`, in no particular order. */
  list(prefix: string): AsyncIterable<{ key: string; size: number }>;

  /** Checks the storage can be reached with the credentials given (readiness, start-up). */
  check(): Promise<void>;
}

export interface PutOptions {
  contentType?: string;
  /** Refuse (code `too_large`) and leave nothing when the body grows past this. */
  maxBytes?: number;
}

export interface StoredObject {
  key: string;
  size: number;
  /** Lower-case hex. */
  sha256: string;
}

/**
 * What went wrong, in terms a caller can act on:
 * - `unavailable`: the server could not be reached or answered 5xx; safe to retry later;
 * - `unauthorized`: the credentials were refused;
 * - `quota`: the storage is full (507, quota exceeded, ENOSPC);
 * - `too_large`: the body passed `maxBytes`;
 * - `not_found`: no object under the key;
 * - `integrity`: what was read does not match the size or SHA-256 written;
 * - `invalid_key`: the key is not a safe relative path.
 */
export type StorageErrorCode =
  | 'unavailable'
  | 'unauthorized'
  | 'quota'
  | 'too_large'
  | 'not_found'
  | 'integrity'
  | 'invalid_key';

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Worth trying again later (an outage), as opposed to a permanent refusal. */
  get retryable(): boolean {
    return this.code === 'unavailable';
  }
}
