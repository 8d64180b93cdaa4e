import fs from 'node:fs';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptStream } from '../src/modules/backups/encryption.js';
import type { Manifest } from '../src/modules/backups/manifest.js';
import { restoreBackup } from '../src/modules/backups/restore.js';
import { VerificationError } from '../src/modules/backups/restore-documents.js';
import type { RequestContext } from '../src/platform/http/access.js';
import { openStorage } from '../src/platform/storage/open.js';
import type { ObjectStorage } from '../src/platform/storage/storage.js';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { createTestApp, type TestApp } from './support/app.js';
import { clinica } from './support/cli.js';
import { createTestDatabase, DATABASES } from './support/databases.js';
import { FILES, upload } from './support/documents.js';
import { startS3rver, type TestS3Server } from './support/s3.js';
import { skipApache, startApacheDav, type TestWebdavServer } from './support/webdav.js';

/**
 * Backups with remote storage, against real servers: documents on WebDAV (Apache mod_dav),
 * archives on S3-compatible storage (s3rver). The archive then lists the documents instead of
 * holding them, and a restore checks each one is still on the WebDAV server, intact.
 */

const KEY = 'a backup key of the right length';

describe.skipIf(skipApache).each(DATABASES)('backups with remote storage on %s', (kind) => {
  let dav: TestWebdavServer;
  let s3: TestS3Server;
  let t: TestApp;
  let ctx: RequestContext;
  let archive: string;
  let keys: string[];
  let archives: ObjectStorage;
  let documents: ObjectStorage;

  beforeAll(async () => {
    dav = await startApacheDav();
    s3 = await startS3rver();
    t = await createTestApp(kind, { BACKUP_KEY: KEY, STORAGE_URL: dav.url, BACKUP_URL: s3.url });
    const admin = await t.signIn(['admin']);
    ctx = {
      ...SYSTEM_CONTEXT,
      actor: { userId: admin.userId, email: admin.email, roles: ['admin'], patientId: null, sessionId: null },
    };
    const doctor = await t.signIn(['doctor']);
    const patient = await t.createPatient({ firstName: 'Remota' });
    for (const i of [1, 2, 3]) {
      const res = await upload(t, patient.id, doctor.token, { bytes: FILES.pdf(300_000 * i), name: `r${i}.pdf` });
      expect(res.statusCode, res.body).toBe(201);
    }
    const { rows } = await t.database.db.query<{ storage_key: string }>(
      'select storage_key from documents order by storage_key',
    );
    keys = rows.map((r) => r.storage_key);
    const { result } = await t.app.clinica.backups.runNow(ctx);
    archive = result.archive;
    expect(result).toMatchObject({ documents: 3, documentsIncluded: false });
    archives = openStorage(s3.url, '.');
    documents = openStorage(dav.url, '.');
  });
  afterAll(async () => {
    await t?.close();
    await s3?.stop();
    await dav?.stop();
  });

  it('writes the archive to S3, listing the WebDAV documents without holding them', async () => {
    const stored = await archives.stat(archive);
    expect(stored?.size).toBeGreaterThan(0);
    // Smaller than the documents (1.8 MB of random bytes): they are not inside.
    expect(stored?.size).toBeLessThan(1_000_000);
    const list = await clinica(['backup', 'list', '--from', s3.url], { env: { LOG_LEVEL: 'silent' } });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(archive);
    expect(list.stdout).not.toContain(':S3RVER@');
  });

  it('restores from S3, checking each listed document is on the WebDAV server', async () => {
    const target = await createTestDatabase(kind, { migrated: false });
    try {
      const progress: number[] = [];
      const result = await restoreBackup({
        db: target.db,
        target: 'the target',
        source: archives,
        archive,
        documents,
        key: KEY,
        onProgress: (p) => progress.push(p.documentsDone),
      });
      expect(result).toMatchObject({ documents: 3, documentsIncluded: false });
      expect(Math.max(...progress)).toBe(3);
      const { rows } = await target.db.query<{ storage_key: string }>(
        'select storage_key from documents order by storage_key',
      );
      expect(rows.map((r) => r.storage_key)).toEqual(keys);
    } finally {
      await target.drop();
    }
  });

  it('refuses, naming it, when a listed document is gone from the document storage, and keeps nothing', async () => {
    const gone = keys[1] as string;
    const chunks: Buffer[] = [];
    for await (const chunk of await documents.get(gone)) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    await documents.delete(gone);
    const target = await createTestDatabase(kind, { migrated: false });
    try {
      const refused = restoreBackup({
        db: target.db,
        target: 'the target',
        source: archives,
        archive,
        documents,
        key: KEY,
      });
      await expect(refused).rejects.toBeInstanceOf(VerificationError);
      await expect(refused).rejects.toThrow(`1 of the 3 documents the archive lists are not intact`);
      await expect(refused).rejects.toThrow(`${gone} is missing`);
      const { rows } = await target.db.query<{ n: number }>('select count(*)::int as n from documents');
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await target.drop();
      await documents.put(gone, Readable.from([bytes]));
    }
  });

  it('writes to a WebDAV destination too (`--to`), and restores from it', async () => {
    const destination = openStorage(`${dav.url}/backups`, '.');
    const { result } = await t.app.clinica.backups.runNow(ctx, { destination });
    expect((await destination.stat(result.archive))?.size).toBe(result.sizeBytes);
    const target = await createTestDatabase(kind, { migrated: false });
    try {
      const restored = await restoreBackup({
        db: target.db,
        target: 'the target',
        source: destination,
        archive: result.archive,
        documents,
        key: KEY,
      });
      expect(restored).toMatchObject({ archive: result.archive, documents: 3, sizeBytes: result.sizeBytes });
    } finally {
      await target.drop();
    }
  });

  it('keeps the archive on the server as written: its manifest lists each document with its SHA-256', async () => {
    const extract = tar.extract();
    (await decryptStream(await archives.get(archive), KEY)).pipe(extract);
    let manifest: Manifest | null = null;
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      if (entry.header.name === 'manifest.json') manifest = JSON.parse(Buffer.concat(chunks).toString());
      expect(entry.header.name.startsWith('documents/')).toBe(false);
    }
    expect(manifest?.documents).toMatchObject({ storage: 'webdav', included: false, count: 3 });
    const { rows } = await t.database.db.query<{ storage_key: string; sha256: string; size_bytes: number }>(
      'select storage_key, sha256, size_bytes from documents order by storage_key',
    );
    expect(manifest?.documents.items).toEqual(
      rows.map((r) => ({ key: r.storage_key, sha256: r.sha256, size: Number(r.size_bytes) })),
    );
    expect(fs.existsSync(dav.folder)).toBe(true);
  });
});
