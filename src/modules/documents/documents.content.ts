import { Readable, Transform, type TransformCallback } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import { DomainError } from '../../platform/http/errors.js';

/** What a file is, judged by its first bytes: never by its name or the client's say-so. */
export interface Sniffed {
  contentType: string;
  /** The extension of its storage key and of its file name. */
  ext: string;
  /** Plain text has no signature: the whole content must be UTF-8 without NUL bytes. */
  text: boolean;
}

const SIGNED: Record<string, { ext: string; names: string[] }> = {
  'application/pdf': { ext: 'pdf', names: ['pdf'] },
  'image/png': { ext: 'png', names: ['png'] },
  'image/jpeg': { ext: 'jpg', names: ['jpg', 'jpeg'] },
};
const TEXT: Sniffed = { contentType: 'text/plain', ext: 'txt', text: true };

/** Bytes enough for every signature file-type knows. */
export const SNIFF_BYTES = 4100;

const ALLOWED = 'PDF, PNG, JPEG or plain text (UTF-8)';

export const unsupportedType = (found: string) =>
  new DomainError('UNSUPPORTED_DOCUMENT_TYPE', 415, `The file is ${found}; only ${ALLOWED} files are accepted.`, {
    code: 'unsupported_type',
    allowed: ['application/pdf', 'image/png', 'image/jpeg', 'text/plain'],
  });

const notText = () => unsupportedType('neither a known file type nor UTF-8 text (it has binary content)');

/** Decides the type from the head of the file (SNIFF_BYTES, or all of a shorter file). */
export async function sniff(head: Buffer): Promise<Sniffed> {
  const found = await fileTypeFromBuffer(head);
  if (found) {
    const allowed = SIGNED[found.mime];
    if (!allowed) throw unsupportedType(`${found.mime} (.${found.ext})`);
    return { contentType: found.mime, ext: allowed.ext, text: false };
  }
  // The head may end inside a character: streaming mode leaves that for the rest to finish.
  if (head.includes(0) || !validUtf8(head, true)) throw notText();
  return TEXT;
}

function validUtf8(bytes: Buffer, partial: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: partial });
    return true;
  } catch {
    return false;
  }
}

/** Passes text through while checking all of it is UTF-8 without NUL bytes; fails (415) otherwise. */
export class TextCheck extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
    try {
      if (chunk.includes(0)) throw notText();
      this.decoder.decode(chunk, { stream: true });
    } catch (err) {
      done(err instanceof DomainError ? err : notText());
      return;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback) {
    try {
      this.decoder.decode();
    } catch {
      done(notText());
      return;
    }
    done();
  }
}

/**
 * Reads the first `size` bytes of `stream` (fewer when it is shorter) without losing any:
 * answers them and a stream of the whole content, head included, that reads on from where
 * the head stopped. Nothing beyond the head is held in memory.
 */
export async function readHead(stream: Readable, size: number): Promise<{ head: Buffer; whole: Readable }> {
  // A part cut short can fail before anyone listens: its error is kept on the stream.
  if (stream.errored) throw stream.errored;
  if (stream.destroyed) throw new Error('the file part was closed before it was read');
  const chunks: Buffer[] = [];
  let total = 0;
  const ended = await new Promise<boolean>((resolve, reject) => {
    const finish = (value: boolean) => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', reject);
      resolve(value);
    };
    const onEnd = () => finish(true);
    const onReadable = () => {
      for (let chunk = stream.read(); chunk !== null; chunk = total < size ? stream.read() : null) {
        chunks.push(chunk);
        total += chunk.length;
      }
      if (total >= size) finish(false);
      else if (stream.readableEnded) finish(true);
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.once('error', reject);
  });
  const head = Buffer.concat(chunks);
  const whole = Readable.from(
    (async function* () {
      if (head.length > 0) yield head;
      if (!ended) yield* stream;
    })(),
    { objectMode: false },
  );
  return { head, whole };
}

/**
 * Passes a download through and tells when its first bytes are ready to leave. The storage
 * holds back a checked file's last chunk until it has verified it, so a file of one chunk is
 * fully checked before its response starts, and damage found there answers as a problem.
 */
export class FirstBytes extends Transform {
  private settle: (err: Error | null) => void = () => {};
  /** Resolves when the first bytes are ready to leave (null), or with the error that came first. */
  readonly started = new Promise<Error | null>((resolve) => {
    this.settle = resolve;
  });

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
    this.settle(null);
    done(null, chunk);
  }

  override _flush(done: TransformCallback) {
    this.settle(null);
    done();
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void) {
    this.settle(err ?? new Error('the download was stopped'));
    done(err);
  }
}

/** The name a download gets: the client's name, made safe, ending in the extension of its real type. */
export function fileNameFor(original: string | undefined, sniffed: Sniffed): string {
  const cleaned = (original ?? '')
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cs}\\/:*?"<>|]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 ? cleaned.slice(dot + 1) : '';
  const names = sniffed.text ? ['txt'] : (SIGNED[sniffed.contentType]?.names ?? [sniffed.ext]);
  const stem = (/^[a-z0-9]{1,5}$/i.test(ext) ? cleaned.slice(0, dot) : cleaned).slice(0, 200).trim();
  return `${stem || 'document'}.${names.includes(ext.toLowerCase()) ? ext : sniffed.ext}`;
}

/** `attachment; filename*=UTF-8''...` (RFC 6266 / RFC 8187): any name, safely quoted. */
export function attachmentHeader(fileName: string): string {
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename*=UTF-8''${encoded}`;
}
