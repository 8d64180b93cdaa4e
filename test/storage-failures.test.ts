import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../src/platform/storage/open.js';
import { type ObjectStorage, StorageError } from '../src/platform/storage/storage.js';
import { startTcpProxy, type TcpProxy } from './support/broker.js';
import { startS3rver } from './support/s3.js';
import { digestOf, expectedOf, listAll, testBody, textOf } from './support/storage.js';
import { canMountTmpfs, mountTmpfs } from './support/tmpfs.js';
import { PASSWORD, skipApache, startApacheDav, startNpmDav } from './support/webdav.js';

const MB = 1024 * 1024;
// CI runs as root and mounts a real tmpfs; elsewhere a machine that cannot skips the full-disk tests.
const tmpfs = (await canMountTmpfs()) || !!process.env.CI;

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  const err = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  return err as StorageError;
}

interface Remote {
  name: string;
  skip: boolean;
  start(): Promise<{ url: string; stop(): Promise<void> }>;
  /** The same URL with credentials the server refuses. */
  wrongCredentials(url: string): string;
  /** What the server calls the secret, so a message can be checked for leaking it. */
  secret: string;
}

const withPassword = (url: string, password: string) => {
  const u = new URL(url);
  u.password = password;
  return u.toString();
};

const REMOTES: Remote[] = [
  {
    name: 'Apache mod_dav',
    skip: skipApache,
    start: () => startApacheDav(),
    wrongCredentials: (url) => withPassword(url, 'not-the-password'),
    secret: PASSWORD,
  },
  {
    name: 'webdav-server',
    skip: false,
    start: () => startNpmDav(),
    wrongCredentials: (url) => withPassword(url, 'not-the-password'),
    secret: PASSWORD,
  },
  {
    // s3rver checks the access key but not the SigV4 signature, so the wrong credential is the key.
    name: 's3rver',
    skip: false,
    start: () => startS3rver(),
    wrongCredentials: (url) => {
      const u = new URL(url);
      u.username = 'NOT-A-KEY';
      return u.toString();
    },
    secret: 'S3RVER:S3RVER',
  },
];

describe.each(REMOTES)('storage failures: $name', ({ skip, start, wrongCredentials, secret }) => {
  let server: { url: string; stop(): Promise<void> };
  let direct: ObjectStorage;
  let proxy: TcpProxy | null = null;

  beforeAll(async () => {
    if (skip) return;
    server = await start();
    direct = openStorage(server.url, '');
    await direct.check();
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it.skipIf(skip)('reports the server going down mid-upload as unavailable and leaves nothing', async () => {
    proxy = await startTcpProxy(server.url);
    const through = openStorage(proxy.url, '');
    await through.check();
    const cut = proxy;
    let closing: Promise<void> | null = null;
    const body = testBody(16 * MB, 'cut', (produced) => {
      if (produced >= 7 * MB) closing ??= cut.close();
    });
    const err = await failure(through.put('down/upload.bin', body));
    await closing;
    proxy = null;
    expect(err.code).toBe('unavailable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('127.0.0.1');
    expect(err.message).not.toContain(secret);
    expect(await direct.stat('down/upload.bin')).toBeNull();
    expect(await listAll(direct, 'down/')).toEqual([]);
  });

  it.skipIf(skip)('refuses wrong credentials as unauthorized, naming the server but not the password', async () => {
    const wrong = openStorage(wrongCredentials(server.url), '');
    await direct.put('auth/doc.txt', Readable.from(['secret document']));
    for (const attempt of [
      () => wrong.check(),
      () => wrong.put('auth/new.txt', Readable.from(['x'])),
      () => wrong.get('auth/doc.txt'),
      () => wrong.stat('auth/doc.txt'),
    ]) {
      const err = await failure(attempt());
      expect(err.code).toBe('unauthorized');
      expect(err.retryable).toBe(false);
      expect(err.message).toContain(new URL(server.url).host);
      expect(err.message).toContain('***');
      expect(err.message).not.toContain('not-the-password');
      expect(err.message).not.toContain(secret);
    }
    expect(await direct.stat('auth/new.txt')).toBeNull();
  });

  it.skipIf(skip)('fails an interrupted download with an error, never a short file', async () => {
    const size = 32 * MB;
    const expected = await expectedOf(size, 'download');
    await direct.put('cut/download.bin', testBody(size, 'download'));
    for (const check of [undefined, expected]) {
      proxy = await startTcpProxy(server.url);
      const stream = await openStorage(proxy.url, '').get('cut/download.bin', check);
      let received = 0;
      const reading = (async () => {
        for await (const chunk of stream) {
          received += (chunk as Buffer).length;
          if (received >= MB) proxy?.dropAll();
        }
      })();
      const err = await failure(reading);
      expect(err.code).toBe('unavailable');
      expect(received).toBeLessThan(size);
      await proxy.close();
      proxy = null;
    }
    // The file itself is whole: reading it again works.
    expect(await digestOf(await direct.get('cut/download.bin', expected))).toEqual(expected);
  });
});

describe('storage full', () => {
  it.skipIf(skipApache || !tmpfs)('Apache on a full disk answers 507: quota, and nothing is left', async () => {
    const server = await startApacheDav({ diskBytes: 3 * MB });
    try {
      const storage = openStorage(server.url, '');
      await storage.check();
      const err = await failure(storage.put('full/scan.bin', testBody(5 * MB)));
      expect(err.code).toBe('quota');
      expect(err.message).toMatch(/is full/);
      expect(await storage.stat('full/scan.bin')).toBeNull();
      expect(await listAll(storage, '')).toEqual([]);
      // The space the refused upload took is free again.
      await storage.put('full/small.txt', Readable.from(['fits']));
      expect(await textOf(await storage.get('full/small.txt'))).toBe('fits');
    } finally {
      await server.stop();
    }
  });

  it.skipIf(skipApache)('Apache over its LimitRequestBody answers 413: too_large, and nothing is left', async () => {
    const server = await startApacheDav({ limitRequestBody: MB });
    try {
      const storage = openStorage(server.url, '');
      await storage.check();
      const err = await failure(storage.put('limit/scan.bin', testBody(3 * MB)));
      expect(err.code).toBe('too_large');
      expect(await storage.stat('limit/scan.bin')).toBeNull();
      expect(await listAll(storage, '')).toEqual([]);
      await storage.put('limit/small.txt', Readable.from(['fits']));
      expect(await textOf(await storage.get('limit/small.txt'))).toBe('fits');
    } finally {
      await server.stop();
    }
  });

  it('webdav-server past its storage limit: quota, and nothing is left', async () => {
    const server = await startNpmDav({ quotaBytes: 2 * MB });
    try {
      const storage = openStorage(server.url, '');
      await storage.check();
      const err = await failure(storage.put('full/scan.bin', testBody(5 * MB)));
      expect(err.code).toBe('quota');
      expect(await storage.stat('full/scan.bin')).toBeNull();
      expect(await listAll(storage, '')).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  describe('local folder on a full disk', () => {
    let dir: string;
    let unmount: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'clinica-full-'));
      unmount = (await mountTmpfs(dir, 3 * MB))?.unmount;
    });
    afterAll(async () => {
      await unmount?.();
      await fs.promises.rm(dir, { recursive: true, force: true });
    });

    it.skipIf(!tmpfs)('ENOSPC: quota, and nothing is left', async () => {
      const storage = openStorage(dir, dir);
      await storage.check();
      const err = await failure(storage.put('full/scan.bin', testBody(5 * MB)));
      expect(err.code).toBe('quota');
      expect(await storage.stat('full/scan.bin')).toBeNull();
      expect(await listAll(storage, '')).toEqual([]);
      expect(await fs.promises.readdir(path.join(dir, '.partial'))).toEqual([]);
      await storage.put('full/small.txt', Readable.from(['fits']));
      expect(await textOf(await storage.get('full/small.txt'))).toBe('fits');
    });
  });
});
