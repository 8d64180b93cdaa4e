import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import type { Pack } from 'tar-stream';

/** Small promise wrappers over tar-stream's packer, which waits for its reader (backpressure). */

/** Adds an entry held in memory; resolves once the packer has taken it. */
export function addEntry(pack: Pack, name: string, data: Buffer, mtime: Date): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, size: data.length, mtime, mode: 0o600 }, data, (err) => (err ? reject(err) : resolve()));
  });
}

/** Adds an entry of known size from a stream, without holding it in memory. */
export async function addStreamEntry(
  pack: Pack,
  name: string,
  size: number,
  body: Readable,
  mtime: Date,
  onChunk?: (bytes: number) => void,
): Promise<void> {
  let settle!: (err?: Error | null) => void;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  // Keeps a rejection that comes while the body is still being read from going unhandled.
  finished.catch(() => {});
  const sink = pack.entry({ name, size, mtime, mode: 0o600 }, (err) => settle(err));
  try {
    for await (const chunk of body) {
      onChunk?.((chunk as Buffer).length);
      if (!sink.write(chunk as Buffer)) await once(sink as unknown as NodeJS.EventEmitter, 'drain');
    }
  } catch (err) {
    sink.destroy(err as Error);
    throw err;
  }
  (sink as unknown as { end(): void }).end();
  await finished;
}

/** Counts the bytes that pass. */
export class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly onBytes?: (total: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void) {
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    done(null, chunk);
  }
}
