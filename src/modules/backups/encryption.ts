import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scrypt } from 'node:crypto';
import { pipeline, Readable, Transform } from 'node:stream';
import { Decrypter, type Identity, type Stanza } from 'age-encryption';

/**
 * Archives are age files (https://age-encryption.org/v1) encrypted to a passphrase (the
 * BACKUP_KEY): a scrypt stanza wraps a random file key, the header is authenticated with an
 * HMAC, and the payload is ChaCha20-Poly1305 in 64 KiB chunks, the last one flagged, so any
 * changed byte and any truncation fail authentication. The standard `age -d` opens them.
 *
 * Written here on node:crypto: OpenSSL's ChaCha20-Poly1305 runs at over a gigabyte a second
 * where age-encryption's JavaScript one manages about 120 MB/s on this machine (and much
 * less on a busy one), and scrypt runs on the thread pool, so a server taking a backup keeps
 * answering. Headers are read back with age-encryption's own parser and MAC check, which
 * keeps this writer honest; the tests open archives with Debian's `age` too.
 */

/** age's default work factor: 2^18 iterations (256 MiB for a moment). */
const WORK_FACTOR = 18;
/** Archives asking for more are refused rather than allowed to tie up a gigabyte of memory. */
const MAX_WORK_FACTOR = 20;
const SCRYPT_LABEL = 'age-encryption.org/v1/scrypt';
const CHUNK = 64 * 1024;
const TAG = 16;
/** A header longer than this is not one Clinica wrote. */
const MAX_HEADER = 64 * 1024;

export type ArchiveErrorCode = 'wrong_key' | 'damaged' | 'not_an_archive';

/** Why an archive cannot be read, in words the operator can act on. */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
  constructor(
    readonly code: ArchiveErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const WRONG_KEY = 'the backup key does not open this archive: set BACKUP_KEY to the key it was made with';
export const DAMAGED =
  'the archive is damaged or incomplete: its encryption does not authenticate, so nothing from it was kept';

function deriveKey(passphrase: string, salt: Buffer, logN: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) => {
    scrypt(
      Buffer.from(passphrase, 'utf8'),
      Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]),
      32,
      { N, r: 8, p: 1, maxmem: 129 * N * 8 + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

const base64NoPad = (b: Uint8Array) => Buffer.from(b).toString('base64').replace(/=+$/, '');
const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: string) => Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));

function seal(key: Buffer, nonce: Buffer, plain: Buffer): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** Null when the tag does not authenticate. */
function open(key: Buffer, nonce: Buffer, sealed: Buffer): Buffer | null {
  if (sealed.length < TAG) return null;
  try {
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG)), decipher.final()]);
  } catch {
    return null;
  }
}

/** The STREAM nonce of chunk `n`: an 11-byte big-endian counter and the last-chunk flag. */
function chunkNonce(n: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(n, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** The header and the payload key of a new file encrypted to `passphrase`. */
async function newHeader(passphrase: string): Promise<{ prefix: Buffer; payloadKey: Buffer }> {
  const fileKey = randomBytes(16);
  const salt = randomBytes(16);
  const wrapped = seal(await deriveKey(passphrase, salt, WORK_FACTOR), Buffer.alloc(12), fileKey);
  // One stanza whose 32-byte body fits one line of base64.
  const headerNoMac = Buffer.from(
    `age-encryption.org/v1\n-> scrypt ${base64NoPad(salt)} ${WORK_FACTOR}\n${base64NoPad(wrapped)}\n---`,
  );
  const mac = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header'))
    .update(headerNoMac)
    .digest();
  const nonce = randomBytes(16);
  return {
    prefix: Buffer.concat([headerNoMac, Buffer.from(` ${base64NoPad(mac)}\n`), nonce]),
    payloadKey: hkdf(fileKey, nonce, 'payload'),
  };
}

/** Encrypts `plain` to the passphrase, as a stream of the age file. */
export async function encryptStream(plain: Readable, passphrase: string): Promise<Readable> {
  const { prefix, payloadKey } = await newHeader(passphrase);
  return pipeline(plain, new StreamSealer(payloadKey, prefix), () => {});
}

/**
 * age's STREAM: 64 KiB chunks, each sealed with its counter; a chunk is sealed only once the
 * next byte arrives, so the last one (full or not, empty only for an empty file) carries the
 * last-chunk flag.
 */
class StreamSealer extends Transform {
  private pending: Buffer[] = [];
  private size = 0;
  private counter = 0;

  constructor(
    private readonly key: Buffer,
    prefix: Buffer,
  ) {
    super();
    this.push(prefix);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void) {
    this.pending.push(chunk);
    this.size += chunk.length;
    if (this.size <= CHUNK) {
      done();
      return;
    }
    const all = Buffer.concat(this.pending, this.size);
    let offset = 0;
    while (this.size - offset > CHUNK) {
      this.push(seal(this.key, chunkNonce(this.counter++, false), all.subarray(offset, offset + CHUNK)));
      offset += CHUNK;
    }
    this.pending = [all.subarray(offset)];
    this.size -= offset;
    done();
  }

  override _flush(done: (err?: Error | null) => void) {
    this.push(seal(this.key, chunkNonce(this.counter, true), Buffer.concat(this.pending, this.size)));
    done();
  }
}

/** The reverse of StreamSealer; a chunk that does not authenticate, or a missing end, is damage. */
class StreamOpener extends Transform {
  private pending: Buffer[] = [];
  private size = 0;
  private counter = 0;

  constructor(private readonly key: Buffer) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void) {
    this.pending.push(chunk);
    this.size += chunk.length;
    if (this.size <= CHUNK + TAG) {
      done();
      return;
    }
    const all = Buffer.concat(this.pending, this.size);
    let offset = 0;
    while (this.size - offset > CHUNK + TAG) {
      const plain = open(this.key, chunkNonce(this.counter++, false), all.subarray(offset, offset + CHUNK + TAG));
      if (!plain) {
        done(new ArchiveError('damaged', DAMAGED));
        return;
      }
      this.push(plain);
      offset += CHUNK + TAG;
    }
    this.pending = [all.subarray(offset)];
    this.size -= offset;
    done();
  }

  override _flush(done: (err?: Error | null) => void) {
    const plain = open(this.key, chunkNonce(this.counter, true), Buffer.concat(this.pending, this.size));
    // Only an empty file ends with an empty chunk.
    if (!plain || (plain.length === 0 && this.counter > 0)) {
      done(new ArchiveError('damaged', DAMAGED));
      return;
    }
    this.push(plain);
    done();
  }
}

class PassphraseIdentity implements Identity {
  /** Set when the archive was made with a passphrase, but not this one. */
  refused = false;
  /** Set when the archive holds no passphrase stanza at all (encrypted to age keys). */
  foreign = false;

  constructor(private readonly passphrase: string) {}

  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    const stanza = stanzas.find((s) => s.args[0] === 'scrypt');
    if (!stanza) {
      this.foreign = true;
      return null;
    }
    const [, saltText = '', logNText = ''] = stanza.args;
    const salt = Buffer.from(saltText, 'base64');
    if (
      stanzas.length !== 1 ||
      stanza.args.length !== 3 ||
      salt.length !== 16 ||
      base64NoPad(salt) !== saltText ||
      !/^[1-9][0-9]?$/.test(logNText) ||
      stanza.body.length !== 32
    ) {
      throw new ArchiveError('damaged', 'the archive header is malformed');
    }
    const logN = Number(logNText);
    if (logN > MAX_WORK_FACTOR) throw new ArchiveError('damaged', `the archive asks for scrypt work factor ${logN}`);
    const fileKey = open(await deriveKey(this.passphrase, salt, logN), Buffer.alloc(12), Buffer.from(stanza.body));
    if (!fileKey) this.refused = true;
    return fileKey;
  }
}

/**
 * Splits the age header (through the MAC line) and the payload nonce off the start of the
 * file; answers them and an iterator over the rest.
 */
async function readHeader(archive: Readable) {
  const chunks = archive[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  let end = -1;
  while (end < 0 || head.length < end + 16) {
    const next = await chunks.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
    if (end < 0) {
      const mac = head.indexOf('\n--- ');
      const eol = mac < 0 ? -1 : head.indexOf('\n', mac + 1);
      if (eol >= 0) end = eol + 1;
      else if (head.length > MAX_HEADER) break;
    }
  }
  if (end < 0 || head.length < end + 16) {
    throw new ArchiveError('not_an_archive', 'this file is not a Clinica backup archive (not an age file)');
  }
  return { header: head.subarray(0, end), nonce: head.subarray(end, end + 16), rest: head.subarray(end + 16), chunks };
}

/**
 * Opens an age file with the passphrase. Answers once the header is checked: a wrong key or
 * a foreign file fails here, before any payload is read. A payload that fails to authenticate
 * (a changed byte, a missing end) errors the returned stream with an `ArchiveError('damaged')`.
 */
export async function decryptStream(archive: Readable, passphrase: string): Promise<Readable> {
  const identity = new PassphraseIdentity(passphrase);
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  let opened: Awaited<ReturnType<typeof readHeader>>;
  let fileKey: Uint8Array;
  try {
    opened = await readHeader(archive);
    fileKey = await decrypter.decryptHeader(opened.header);
  } catch (err) {
    archive.destroy();
    if (err instanceof ArchiveError) throw err;
    // The storage failing to deliver the file is not a fault of the file.
    if (archive.errored) throw archive.errored;
    if (identity.refused) throw new ArchiveError('wrong_key', WRONG_KEY);
    if (identity.foreign) {
      throw new ArchiveError(
        'not_an_archive',
        'the archive is encrypted to age keys, not to a passphrase (BACKUP_KEY)',
      );
    }
    if (/HMAC/i.test(String((err as Error)?.message))) throw new ArchiveError('damaged', DAMAGED, { cause: err });
    throw new ArchiveError('not_an_archive', 'this file is not a Clinica backup archive (not an age file)', {
      cause: err,
    });
  }
  const { rest, chunks } = opened;
  async function* payload() {
    try {
      if (rest.length > 0) yield rest;
      while (true) {
        const next = await chunks.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await chunks.return?.();
    }
  }
  return pipeline(
    Readable.from(payload(), { objectMode: false }),
    new StreamOpener(hkdf(fileKey, opened.nonce, 'payload')),
    () => {},
  );
}
