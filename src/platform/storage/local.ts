import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStorage, PutOptions, StoredObject } from './storage.js';
import { StorageError } from './storage.js';
import { checkKey, HashingStream, PARTIAL_FOLDER, readerOf, STALE_PARTIAL_MS } from './streams.js';

/** Objects as files under a folder: the default, in DATA_DIR. */
export class LocalStorage implements ObjectStorage {
  readonly kind = 'local';

  constructor(private readonly root: string) {}

  get location(): string {
    return this.root;
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    const target = this.pathOf(key);
    const partial = path.join(this.root, PARTIAL_FOLDER, randomUUID());
    const hashing = new HashingStream(options.maxBytes);
    try {
      await fs.promises.mkdir(path.dirname(partial), { recursive: true });
      await pipeline(body, hashing, fs.createWriteStream(partial, { flush: true }));
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      await fs.promises.rename(partial, target);
    } catch (err) {
      await fs.promises.rm(partial, { force: true });
      throw asStorageError(err, key);
    }
    return { key, size: hashing.size, sha256: hashing.digest() };
  }

  async get(key: string, expected?: { size: number; sha256: string }): Promise<Readable> {
    const file = this.pathOf(key);
    const handle = await fs.promises.open(file, 'r').catch((err: unknown) => {
      throw asStorageError(err, key);
    });
    return readerOf(handle.createReadStream(), key, expected, (err) => asStorageError(err, key));
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const s = await fs.promises.stat(this.pathOf(key));
      return s.isFile() ? { size: s.size } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw asStorageError(err, key);
    }
  }

  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.pathOf(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<{ key: string; size: number }> {
    // Start at the deepest folder the prefix names: no need to walk the rest of the tree.
    const folder = prefix.includes('/') ? this.pathOf(prefix.slice(0, prefix.lastIndexOf('/'))) : this.root;
    const entries = await fs.promises.readdir(folder, { recursive: true, withFileTypes: true }).catch((err) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw asStorageError(err, prefix);
    });
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const key = path.relative(this.root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
      if (key.startsWith(`${PARTIAL_FOLDER}/`) || !key.startsWith(prefix)) continue;
      const { size } = await fs.promises.stat(path.join(entry.parentPath, entry.name));
      yield { key, size };
    }
  }

  async check(): Promise<void> {
    await fs.promises.mkdir(this.root, { recursive: true });
    await fs.promises.access(this.root, fs.constants.W_OK).catch((err: unknown) => {
      throw new StorageError('unauthorized', `cannot write to ${this.root}`, { cause: err });
    });
    // Partials a crash left behind (a temporary file on the same disk, beside the objects, so
    // the final rename is atomic).
    const partials = path.join(this.root, PARTIAL_FOLDER);
    for (const name of await fs.promises.readdir(partials).catch(() => [])) {
      const file = path.join(partials, name);
      const stat = await fs.promises.stat(file).catch(() => null); // moved into place meanwhile
      if (stat && Date.now() - stat.mtimeMs > STALE_PARTIAL_MS) await fs.promises.rm(file, { force: true });
    }
  }

  private pathOf(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }
}

function asStorageError(err: unknown, key: string): StorageError {
  if (err instanceof StorageError) return err;
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return new StorageError('not_found', `no object ${key}`, { cause: err });
    case 'ENOSPC':
    case 'EDQUOT':
      return new StorageError('quota', 'the document storage is full', { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new StorageError('unauthorized', `no permission to write ${key}`, { cause: err });
    default:
      return new StorageError('unavailable', `storage error on ${key}: ${(err as Error).message}`, { cause: err });
  }
}
