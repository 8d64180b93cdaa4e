import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createClient, type FileStat, type WebDAVClient } from 'webdav';
import type { ObjectStorage, PutOptions, StoredObject } from './storage.js';
import { StorageError } from './storage.js';
import {
  checkKey,
  codeForStatus,
  HashingStream,
  PARTIAL_FOLDER,
  readerOf,
  redactUrl,
  remoteError,
  STALE_PARTIAL_MS,
} from './streams.js';

/** How long a failed put waits for the removal of its partial upload. */
const CLEANUP_MS = 10_000;
/** Folders remembered as existing, at most. */
const KNOWN_FOLDERS = 10_000;

/**
 * Objects as files under a WebDAV folder: the URL's path is the root, so Nextcloud's
 * `https://cloud.example/remote.php/dav/files/USER/Clinica` works as it is. User and password
 * come from the URL (basic auth).
 *
 * A put streams the body (chunked, never held in memory) to `<root>/.partial/<uuid>` and then
 * MOVEs it over the key, so a reader sees the old file or the new one, never half of one.
 * Missing folders are created (MKCOL) as needed, the root included.
 */
export class WebdavStorage implements ObjectStorage {
  readonly kind = 'webdav';
  readonly location: string;
  private readonly client: WebDAVClient;
  private readonly root: URL;
  private partialFolder: Promise<void> | null = null;
  private readonly folders = new Set<string>();

  constructor(url: string) {
    this.location = redactUrl(url);
    const root = new URL(url);
    const username = decodeURIComponent(root.username);
    const password = decodeURIComponent(root.password);
    root.username = '';
    root.password = '';
    root.search = '';
    root.hash = '';
    root.pathname = root.pathname.replace(/\/+$/, '');
    this.root = root;
    this.client = createClient(root.toString(), username || password ? { username, password } : {});
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    const target = pathOf(key);
    const partial = `/${PARTIAL_FOLDER}/${randomUUID()}`;
    const hashing = new HashingStream(options.maxBytes);
    try {
      this.partialFolder ??= this.makeCollection(PARTIAL_FOLDER).catch((err) => {
        this.partialFolder = null;
        throw err;
      });
      await this.partialFolder;
      await this.send(partial, body, hashing, options.contentType);
      await this.moveInto(partial, target);
    } catch (err) {
      if (statusOf(err) === 409) this.partialFolder = null; // .partial removed behind our back
      // Best effort, and bounded: when the server is gone or slow the partial stays in .partial,
      // out of every listing, until a `check()` finds it stale.
      await this.client.deleteFile(partial, { signal: AbortSignal.timeout(CLEANUP_MS) }).catch(() => {});
      throw this.error(err, key);
    }
    return { key, size: hashing.size, sha256: hashing.digest() };
  }

  async get(key: string, expected?: { size: number; sha256: string }): Promise<Readable> {
    const response = await this.client.customRequest(pathOf(key), { method: 'GET' }).catch((err: unknown) => {
      throw this.error(err, key);
    });
    // The client runs on node-fetch, whose body is a Node stream.
    const { body } = response as unknown as { body: Readable };
    return readerOf(body, key, expected, (err) => this.error(err, key));
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const found = (await this.client.stat(pathOf(key))) as FileStat;
      return found.type === 'file' ? { size: found.size } : null;
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw this.error(err, key);
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.deleteFile(pathOf(key)).catch((err: unknown) => {
      if (statusOf(err) !== 404) throw this.error(err, key);
    });
  }

  async *list(prefix: string): AsyncIterable<{ key: string; size: number }> {
    // Start at the deepest folder the prefix names: no need to walk the rest of the tree.
    const folder = prefix.includes('/') ? checkKey(prefix.slice(0, prefix.lastIndexOf('/'))) : '';
    yield* this.walk(folder, prefix);
  }

  /** Depth 1 PROPFIND on each folder: servers often refuse `Depth: infinity`. */
  private async *walk(folder: string, prefix: string): AsyncIterable<{ key: string; size: number }> {
    let entries: FileStat[];
    try {
      entries = await this.client.getDirectoryContents(`/${folder}`);
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw this.error(err, folder || prefix);
    }
    for (const entry of entries) {
      if (entry.basename.startsWith('.')) continue; // .partial and other hidden files are not objects
      const key = entry.filename.replace(/^\/+/, '');
      if (entry.type === 'directory') {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.walk(key, prefix);
      } else if (key.startsWith(prefix)) {
        yield { key, size: entry.size };
      }
    }
  }

  /** The root must be reachable with the credentials given; it is created when missing. */
  async check(): Promise<void> {
    try {
      await this.client.stat('/');
    } catch (err) {
      if (statusOf(err) !== 404) throw this.error(err, '/');
      await this.makeCollection('').catch((e: unknown) => {
        throw this.error(e, '/');
      });
    }
    await this.removeStalePartials();
  }

  /** Partials a crash or a server finishing an aborted PUT after our DELETE left behind. */
  private async removeStalePartials(): Promise<void> {
    const entries = await this.client.getDirectoryContents(`/${PARTIAL_FOLDER}`).catch((err: unknown) => {
      if (statusOf(err) === 404) return [];
      throw this.error(err, PARTIAL_FOLDER);
    });
    for (const entry of entries) {
      if (Date.now() - Date.parse(entry.lastmod) > STALE_PARTIAL_MS) {
        await this.client.deleteFile(entry.filename).catch(() => {});
      }
    }
  }

  /** PUTs the body, hashed on the way, to `path`; a failure on either side stops both. */
  private async send(path: string, body: Readable, hashing: HashingStream, contentType?: string): Promise<void> {
    const abort = new AbortController();
    const source = pipeline(body, hashing);
    source.catch(() => {}); // awaited below; an early failure must not count as unhandled meanwhile
    try {
      await this.client.customRequest(path, {
        method: 'PUT',
        data: hashing,
        headers: { 'Content-Type': contentType ?? 'application/octet-stream' },
        signal: abort.signal,
      });
    } catch (err) {
      // The server may answer (401, 507 ...) before reading the whole body: stop sending.
      abort.abort();
      hashing.destroy();
      await source.catch(() => {});
      throw hashing.errored instanceof StorageError ? hashing.errored : err;
    }
    await source;
  }

  /**
   * MOVE with overwrite into the key's folder, created first (servers answer a MOVE into a
   * missing folder with 409 or 500). Folders known to exist are remembered; when one has gone
   * since, the move fails, the folder is created again and the move retried once.
   */
  private async moveInto(from: string, to: string): Promise<void> {
    const folder = to.slice(1, to.lastIndexOf('/'));
    if (folder && !this.folders.has(folder)) {
      await this.makeCollection(folder);
      if (this.folders.size >= KNOWN_FOLDERS) this.folders.clear();
      this.folders.add(folder);
    }
    try {
      await this.client.moveFile(from, to, { overwrite: true });
    } catch (err) {
      const status = statusOf(err);
      if (!folder || (status !== 409 && status !== 500)) throw err;
      this.folders.delete(folder);
      await this.makeCollection(folder);
      await this.client.moveFile(from, to, { overwrite: true });
    }
  }

  /** MKCOL on `folder` (relative to the root; '' is the root), creating missing parents first. */
  private async makeCollection(folder: string): Promise<void> {
    const segments = folder ? folder.split('/').map(encodeURIComponent) : [];
    await this.mkcol([this.root.pathname, ...segments].join('/'));
  }

  private async mkcol(pathname: string): Promise<void> {
    const url = new URL(this.root);
    url.pathname = `${pathname}/`;
    try {
      await this.client.customRequest('', { method: 'MKCOL', url: url.toString() });
    } catch (err) {
      const status = statusOf(err);
      if (status === 405) return; // already there
      const parent = pathname.slice(0, pathname.lastIndexOf('/'));
      if (status !== 409 || !parent) throw err;
      await this.mkcol(parent);
      await this.mkcol(pathname);
    }
  }

  private error(err: unknown, key: string): StorageError {
    if (err instanceof StorageError) return err;
    const where = `the WebDAV storage at ${this.location}`;
    const status = statusOf(err);
    if (status !== undefined) return remoteError(codeForStatus(status), where, key, `HTTP ${status}`, err);
    return remoteError('unavailable', where, key, (err as Error).message, err);
  }
}

function pathOf(key: string): string {
  return `/${checkKey(key)}`;
}

/** The webdav client throws errors carrying the response status. */
function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}
