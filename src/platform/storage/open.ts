import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStorage } from './local.js';
import { S3Storage } from './s3.js';
import type { ObjectStorage } from './storage.js';
import { redactUrl } from './streams.js';
import { WebdavStorage } from './webdav.js';

/**
 * The storage a URL names (see `STORAGE_URL` in the README); without one, `defaultFolder`.
 * - `/path`, `./path` or `file:///path`: a local folder;
 * - `http://` or `https://`: a WebDAV folder (user and password in the URL);
 * - `s3://bucket/prefix` (AWS, credentials from the usual AWS variables) or
 *   `s3+http(s)://key:secret@host:port/bucket/prefix`: S3-compatible storage.
 */
export function openStorage(url: string | undefined, defaultFolder: string): ObjectStorage {
  if (!url) return new LocalStorage(path.resolve(defaultFolder));
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return new LocalStorage(path.resolve(url));
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`the storage URL ${redactUrl(url)} is not a valid URL (escape reserved characters in passwords)`);
  }
  switch (parsed.protocol) {
    case 'file:':
      return new LocalStorage(fileURLToPath(parsed));
    case 'http:':
    case 'https:':
      if (!parsed.hostname) throw new Error(`the WebDAV URL ${redactUrl(url)} names no server`);
      return new WebdavStorage(url);
    case 's3:':
    case 's3+http:':
    case 's3+https:':
      return new S3Storage(url);
    default:
      throw new Error(
        `unsupported storage URL ${redactUrl(url)}: use a folder, http(s):// for WebDAV, s3:// or s3+http(s):// for S3`,
      );
  }
}
