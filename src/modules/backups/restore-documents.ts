import { pipeline, Readable } from 'node:stream';
import { type ObjectStorage, StorageError } from '../../platform/storage/storage.js';
import { ByteCounter } from './tar.js';

/** What was loaded does not read back as the archive says: nothing is kept. */
export class VerificationError extends Error {
  override name = 'VerificationError';
}

export interface ExpectedDocument {
  key: string;
  size: number;
  sha256: string;
}

/** Documents up to this size are read into memory and written several at a time. */
const BUFFERED_BYTES = 8 * 1024 * 1024;
const PARALLEL = 8;

/**
 * Writes the archive's documents into the document storage, each checked against its size
 * and SHA-256. Storing a file costs more in round trips (a folder, a rename, a flush to disk,
 * or an HTTP request) than in bytes, so small files are written several at a time while the
 * archive goes on being decrypted; large ones stream through one by one. Memory stays under
 * PARALLEL x BUFFERED_BYTES.
 */
export class DocumentWriter {
  /** Keys written or being written: what to remove if the restore fails. */
  readonly written: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown = null;

  constructor(
    private readonly storage: ObjectStorage,
    private readonly onBytes: (bytes: number) => void,
    private readonly onStored: () => void,
  ) {}

  async write(expected: ExpectedDocument, entry: AsyncIterable<unknown>): Promise<void> {
    this.throwIfFailed();
    this.written.push(expected.key);
    if (expected.size > BUFFERED_BYTES) {
      let counted = 0;
      const counter = new ByteCounter((total) => {
        this.onBytes(total - counted);
        counted = total;
      });
      await this.store(
        expected,
        pipeline(Readable.from(entry), counter, () => {}),
      );
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of entry) {
      chunks.push(chunk as Buffer);
      this.onBytes((chunk as Buffer).length);
    }
    while (this.inFlight.size >= PARALLEL) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const stored: Promise<void> = this.store(expected, Readable.from(chunks))
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => this.inFlight.delete(stored));
    this.inFlight.add(stored);
  }

  /** Waits for the writes in flight; throws the first failure. */
  async finish(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  /** Waits for the writes in flight, whatever their outcome (before removing them). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async store(expected: ExpectedDocument, body: Readable): Promise<void> {
    const stored = await this.storage.put(expected.key, body);
    if (stored.size !== expected.size || stored.sha256 !== expected.sha256) {
      throw new VerificationError(`document ${expected.key} does not match its size and SHA-256 in the archive`);
    }
    this.onStored();
  }

  private throwIfFailed() {
    if (this.failure) throw this.failure;
  }
}

/**
 * With remote document storage the archive lists the files: each must be there, intact.
 * Answers the problems found, by key.
 */
export async function checkListedDocuments(
  storage: ObjectStorage,
  items: ExpectedDocument[],
  onBytes: (bytes: number) => void,
  onChecked: () => void,
): Promise<string[]> {
  const problems: string[] = [];
  for (const doc of items) {
    try {
      const stream = await storage.get(doc.key, { size: doc.size, sha256: doc.sha256 });
      for await (const chunk of stream) onBytes((chunk as Buffer).length);
    } catch (err) {
      if (!(err instanceof StorageError) || !['not_found', 'integrity'].includes(err.code)) throw err;
      problems.push(err.code === 'not_found' ? `${doc.key} is missing` : `${doc.key} is damaged`);
    }
    onChecked();
  }
  return problems;
}
