import { createCipheriv, createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { openStorage } from '../../src/platform/storage/open.js';
import type { ObjectStorage } from '../../src/platform/storage/storage.js';
import { ACCESS_KEY, BUCKET, SECRET_KEY, startS3rver } from './s3.js';
import { skipApache, startApacheDav, startNpmDav } from './webdav.js';

/**
 * `size` pseudo-random bytes (an AES-CTR key stream, so the same seed gives the same bytes),
 * produced chunk by chunk as they are read: large bodies never sit in memory. `onBytes` sees
 * the count produced so far (a test cuts a connection part-way through).
 */
export function testBody(size: number, seed = 'body', onBytes?: (produced: number) => void): Readable {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(64 * 1024);
  let produced = 0;
  return new Readable({
    read() {
      if (produced >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(zeros.length, size - produced);
      produced += n;
      this.push(cipher.update(zeros.subarray(0, n)));
      onBytes?.(produced);
    },
  });
}

/** Size and SHA-256 of what `testBody(size, seed)` produces. */
export async function expectedOf(size: number, seed = 'body'): Promise<{ size: number; sha256: string }> {
  return digestOf(testBody(size, seed));
}

/** Reads a stream to its end, keeping only its size and SHA-256. */
export async function digestOf(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { size, sha256: hash.digest('hex') };
}

export async function textOf(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function listAll(storage: ObjectStorage, prefix: string): Promise<{ key: string; size: number }[]> {
  const found: { key: string; size: number }[] = [];
  for await (const entry of storage.list(prefix)) found.push(entry);
  return found.sort((a, b) => a.key.localeCompare(b.key));
}

/** A storage under test, with a way around the adapter to the bytes it stored. */
export interface StorageBackend {
  url: string;
  storage: ObjectStorage;
  /** Replaces the stored bytes of `key` behind the adapter's back (damage on the server). */
  tamper(key: string, bytes: Buffer): Promise<void>;
  /** Where the server keeps files, when it is a folder here (to look for leftovers). */
  folder?: string;
  /**
   * Whether a refused upload leaves no partial at all on the server. webdav-server finishes
   * creating the file of an aborted PUT after the adapter's DELETE of it, so one can remain
   * (hidden, and removed by `check()` once stale).
   */
  cleansPartials: boolean;
  stop(): Promise<void>;
}

export interface BackendKind {
  name: string;
  skip: boolean;
  start(): Promise<StorageBackend>;
}

function inFolder(folder: string) {
  return async (key: string, bytes: Buffer) => {
    await fs.promises.writeFile(path.join(folder, ...key.split('/')), bytes);
  };
}

/** Every storage the contract runs against: each is a real server (or folder) started here. */
export const BACKENDS: BackendKind[] = [
  {
    name: 'local folder',
    skip: false,
    async start() {
      const folder = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'clinica-local-'));
      return {
        url: folder,
        storage: openStorage(folder, folder),
        tamper: inFolder(folder),
        folder,
        cleansPartials: true,
        stop: () => fs.promises.rm(folder, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'Apache mod_dav',
    skip: skipApache,
    async start() {
      const server = await startApacheDav();
      return { ...server, storage: openStorage(server.url, ''), tamper: inFolder(server.folder), cleansPartials: true };
    },
  },
  {
    name: 'webdav-server',
    skip: false,
    async start() {
      const server = await startNpmDav();
      return {
        ...server,
        storage: openStorage(server.url, ''),
        tamper: inFolder(server.folder),
        cleansPartials: false,
      };
    },
  },
  {
    name: 's3rver',
    skip: false,
    async start() {
      const server = await startS3rver();
      const client = new S3Client({
        endpoint: server.endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      });
      return {
        ...server,
        storage: openStorage(server.url, ''),
        cleansPartials: true,
        async tamper(key, bytes) {
          await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `clinica/${key}`, Body: bytes }));
        },
        async stop() {
          client.destroy();
          await server.stop();
        },
      };
    },
  },
];
