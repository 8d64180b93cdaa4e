import { createHash } from 'node:crypto';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { StorageError, type StorageErrorCode } from './storage.js';

/**
 * Uploads in progress live in this hidden folder of the root (local and WebDAV) until they are
 * complete and moved into place; no listing shows it. A partial untouched for STALE_PARTIAL_MS
 * is what a crash or an aborted upload left behind, and `check()` removes it.
 */
export const PARTIAL_FOLDER = '.partial';
export const STALE_PARTIAL_MS = 24 * 60 * 60 * 1000;

/** Keys are relative paths of safe segments: no `..`, no empty or hidden segments, no backslashes. */
export function checkKey(key: string): string {
  const segments = key.split('/');
  const safe = segments.every((s) => s !== '' && !s.startsWith('.') && !/[\\\0]/.test(s)) && key.length <= 1024;
  if (!safe) throw new StorageError('invalid_key', `"${key}" is not a valid storage key`);
  return key;
}

/** Passes bytes through while counting and hashing them; refuses past `maxBytes`. */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  size = 0;

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void) {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      done(new StorageError('too_large', `the file is larger than ${this.maxBytes} bytes`));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  /** The SHA-256 in hex; call once, after the stream has ended. */
  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Passes bytes through and checks them against what was written: more bytes than expected,
 * or a different SHA-256 at the end, fails the stream before it ends. The last chunk is held
 * back until the check passes, so a damaged file never reaches a reader whole: an HTTP client
 * is always short of the announced length, and the transfer breaks.
 */
export class VerifyingStream extends Transform {
  private readonly hash = createHash('sha256');
  private size = 0;
  private held: Buffer | null = null;

  constructor(
    private readonly key: string,
    private readonly expected: { size: number; sha256: string },
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void) {
    this.size += chunk.length;
    if (this.size > this.expected.size) {
      done(this.mismatch(`more than the ${this.expected.size} bytes written`));
      return;
    }
    this.hash.update(chunk);
    const previous = this.held;
    this.held = chunk;
    done(null, previous ?? undefined);
  }

  override _flush(done: (err?: Error | null, data?: Buffer) => void) {
    if (this.size !== this.expected.size) {
      done(this.mismatch(`${this.size} bytes instead of ${this.expected.size}`));
      return;
    }
    const sha256 = this.hash.digest('hex');
    if (sha256 !== this.expected.sha256) {
      done(this.mismatch('a different SHA-256'));
      return;
    }
    done(null, this.held ?? undefined);
  }

  private mismatch(what: string) {
    return new StorageError('integrity', `the stored copy of ${this.key} is damaged: ${what}`);
  }
}

/**
 * What a `get` hands to its reader: `source` passed through (and checked against `expected`
 * when given). A failure of the source (a connection cut mid-download) reaches the reader as
 * the StorageError `asError` makes of it, so a cut never looks like the end of the file; a
 * reader that gives up early releases the source.
 */
export function readerOf(
  source: Readable,
  key: string,
  expected: { size: number; sha256: string } | undefined,
  asError: (err: unknown) => StorageError,
): Readable {
  const out = expected ? new VerifyingStream(key, expected) : new PassThrough();
  source.once('error', (err) => out.destroy(asError(err)));
  source.once('aborted', () => out.destroy(asError(new Error('the connection closed before the end of the file'))));
  out.once('close', () => {
    if (!source.destroyed) source.destroy();
  });
  source.pipe(out);
  return out;
}

/** A storage URL fit to print: any password or secret key replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^/:@]*):[^/@]*@/, '//$1:***@');
  }
}

/** What an HTTP status from a remote storage (WebDAV or S3) means to a caller. */
export function codeForStatus(status: number): StorageErrorCode {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  // A per-request limit on the server (Apache's LimitRequestBody, a proxy's body limit): this
  // file is too large, while other files still fit, so it is not a full storage.
  if (status === 413) return 'too_large';
  if (status === 507) return 'quota';
  return 'unavailable';
}

/** One wording for every remote adapter: `where` names the storage (never its password). */
export function remoteError(
  code: StorageErrorCode,
  where: string,
  key: string,
  detail: string,
  cause: unknown,
): StorageError {
  const message = {
    unauthorized: `${where} refused the credentials (${detail})`,
    not_found: `no object ${key} in ${where}`,
    too_large: `${where} refused ${key} as too large (${detail})`,
    quota: `${where} is full (${detail})`,
    unavailable: `${where} could not be reached or failed on ${key} (${detail}); try again later`,
    integrity: `the stored copy of ${key} in ${where} is damaged (${detail})`,
    invalid_key: `"${key}" is not a valid storage key`,
  }[code];
  return new StorageError(code, message, { cause });
}
