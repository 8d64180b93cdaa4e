import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { v2 as webdav } from 'webdav-server';
import { mountTmpfs, type Tmpfs } from './tmpfs.js';

/** A WebDAV server started for a test: `url` carries the credentials; `folder` is where it keeps the files. */
export interface TestWebdavServer {
  url: string;
  folder: string;
  stop(): Promise<void>;
}

export const USER = 'clinica';
export const PASSWORD = 'dav-secret-1';

export const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';
/** CI installs Apache (`.ci/run`), so there it must run; elsewhere it may be missing. */
export const skipApache = !fs.existsSync(APACHE) && !process.env.CI;

export interface ApacheOptions {
  /** `LimitRequestBody`: Apache answers 413 to a larger upload. */
  limitRequestBody?: number;
  /** The DAV folder on a tmpfs of this size (a real ENOSPC, answered 507); null when mounting is not allowed. */
  diskBytes?: number;
}

/**
 * Apache httpd with mod_dav and mod_dav_fs, basic auth from an htpasswd file, on 127.0.0.1.
 * Run as root, Apache serves requests as www-data, so the DAV folder belongs to www-data.
 */
export async function startApacheDav(options: ApacheOptions = {}): Promise<TestWebdavServer> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'clinica-apache-'));
  await fs.promises.chmod(dir, 0o755); // www-data must reach the DAV folder inside
  const folder = path.join(dir, 'dav');
  const locks = path.join(dir, 'locks');
  await fs.promises.mkdir(folder);
  await fs.promises.mkdir(locks);
  const asRoot = process.getuid?.() === 0;
  const worker = asRoot ? { uid: Number(await idOf('-u')), gid: Number(await idOf('-g')) } : null;
  let disk: Tmpfs | null = null;
  if (options.diskBytes) {
    disk = await mountTmpfs(folder, options.diskBytes, worker ?? undefined);
    if (!disk) throw new Error('cannot mount a tmpfs here');
  }
  if (worker) for (const d of [folder, locks]) await fs.promises.chown(d, worker.uid, worker.gid);

  const sha1 = createHash('sha1').update(PASSWORD).digest('base64');
  await fs.promises.writeFile(path.join(dir, 'htpasswd'), `${USER}:{SHA}${sha1}\n`);
  const port = await freePort();
  const modules = ['mpm_event', 'authz_core', 'authn_core', 'authn_file', 'authz_user', 'auth_basic', 'dav', 'dav_fs'];
  const conf = [
    `ServerRoot ${dir}`,
    'ServerName 127.0.0.1',
    `Listen 127.0.0.1:${port}`,
    `PidFile ${dir}/httpd.pid`,
    `DefaultRuntimeDir ${dir}`,
    `ErrorLog ${dir}/error.log`,
    'LogLevel warn',
    'StartServers 1',
    'ServerLimit 1',
    'ThreadsPerChild 16',
    'MaxRequestWorkers 16',
    ...(worker ? ['User www-data', 'Group www-data'] : []),
    ...modules.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`),
    `DavLockDB ${locks}/DavLock`,
    `DocumentRoot ${folder}`,
    `<Directory ${folder}>`,
    '  Dav On',
    '  AuthType Basic',
    '  AuthName "Clinica test"',
    `  AuthUserFile ${dir}/htpasswd`,
    '  Require valid-user',
    ...(options.limitRequestBody ? [`  LimitRequestBody ${options.limitRequestBody}`] : []),
    '</Directory>',
  ].join('\n');
  await fs.promises.writeFile(path.join(dir, 'httpd.conf'), `${conf}\n`);

  const child = spawn(APACHE, ['-f', path.join(dir, 'httpd.conf'), '-DFOREGROUND'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await untilListening(port, child, () => fs.promises.readFile(path.join(dir, 'error.log'), 'utf8').catch(() => ''));
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    await disk?.unmount();
    throw err;
  }
  return {
    url: `http://${USER}:${PASSWORD}@127.0.0.1:${port}/clinica`,
    folder: path.join(folder, 'clinica'),
    async stop() {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
      await disk?.unmount();
      await fs.promises.rm(dir, { recursive: true, force: true });
    },
  };
}

export interface WebdavServerOptions {
  /** The `webdav-server` storage manager's limit per user, in bytes (answered 507). */
  quotaBytes?: number;
}

/** The `webdav-server` npm package, files on disk in a temporary folder, one user with basic auth. */
export async function startNpmDav(options: WebdavServerOptions = {}): Promise<TestWebdavServer> {
  const folder = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'clinica-webdav-'));
  const users = new webdav.SimpleUserManager();
  const user = users.addUser(USER, PASSWORD, false);
  const privileges = new webdav.SimplePathPrivilegeManager();
  privileges.setRights(user, '/', ['all']);
  const server = new webdav.WebDAVServer({
    hostname: '127.0.0.1',
    httpAuthentication: new webdav.HTTPBasicAuthentication(users, 'Clinica test'),
    privilegeManager: privileges,
    rootFileSystem: new webdav.PhysicalFileSystem(folder),
    ...(options.quotaBytes ? { storageManager: new webdav.PerUserStorageManager(options.quotaBytes) } : {}),
  });
  // webdav-server takes port 0 for "unset" and listens on 1900: pick a free one.
  const port = await freePort();
  const http = await server.startAsync(port);
  return {
    url: `http://${USER}:${PASSWORD}@127.0.0.1:${port}/clinica`,
    folder: path.join(folder, 'clinica'),
    async stop() {
      http.closeAllConnections();
      await server.stopAsync();
      await fs.promises.rm(folder, { recursive: true, force: true });
    },
  };
}

async function idOf(flag: '-u' | '-g'): Promise<string> {
  const { stdout } = await promisify(execFile)('id', [flag, 'www-data']);
  return stdout.trim();
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function untilListening(port: number, child: ChildProcess, log: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`apache2 exited with ${child.exitCode}: ${await log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`apache2 did not listen on ${port}: ${await log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
