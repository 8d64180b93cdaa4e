/**
 * `npm run bench:backup`: backup and restore throughput of a clinic with 100k patients and
 * 10k documents of 200 kB, and the document download p95 through the API.
 *
 * 1. Checks the free disk space (the documents, the archive and the restored copy need about
 *    three times the documents' size), creates a throwaway database on the local PostgreSQL
 *    (BENCH_DATABASE_URL is only the admin connection), loads 100k synthetic patients with the
 *    seed code and writes 10k PDF-like files of random bytes (incompressible, like most scans
 *    and PDFs) to the local document storage, with their rows (the documents repository).
 * 2. Runs `clinica backup` as a child process (the real command, BACKUP_URL in the work folder)
 *    and samples its memory; then `clinica restore` of that archive into a second fresh
 *    database and an empty document folder, the same way.
 * 3. Starts the real server (`clinica start`) on the source and a bare Fastify route serving
 *    the same files from disk (this file with --serve-files: no auth, no audit, no database,
 *    no checksum), and downloads the same random documents from both with BENCH_CLIENTS
 *    concurrent clients, alternating rounds.
 * 4. Writes bench/results/backup-<date>.{json,md} and the docs/performance.md section. The
 *    databases, children and work folder are removed at the end, also on failure or Ctrl-C.
 *
 * Settings: BENCH_DATABASE_URL, BENCH_PATIENTS (100000), BENCH_DOCUMENTS (10000),
 * BENCH_DOCUMENT_KB (200), BENCH_CLIENTS (8), BENCH_DOWNLOADS (2000 per server),
 * BENCH_OUT=<dir> (write the results there and leave docs/performance.md alone).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createServices } from '../src/app.js';
import { seedPatients } from '../src/cli/seed.js';
import { loadConfig } from '../src/config.js';
import { insertDocument } from '../src/modules/documents/documents.repository.js';
import { type Database, openDatabase } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { createPostgresDatabase, type PostgresDatabase } from '../test/support/databases.js';
import {
  benchResources,
  dropBenchDatabase,
  freePort,
  markdownTable,
  recordResults,
  round,
  rssSampler,
  Samples,
  startChild,
  waitReady,
} from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const setting = (name: string, fallback: number) =>
  Number(process.env[name]) > 0 ? Number(process.env[name]) : fallback;
const SETTINGS = {
  patients: setting('BENCH_PATIENTS', 100_000),
  documents: setting('BENCH_DOCUMENTS', 10_000),
  documentBytes: setting('BENCH_DOCUMENT_KB', 200) * 1000,
  clients: setting('BENCH_CLIENTS', 8),
  downloads: setting('BENCH_DOWNLOADS', 2000),
};
const adminUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const outDirSetting = process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : undefined;
const KEY = 'bench backup key, long enough';
const USER = { email: 'bench-doctor@bench.clinica.local', password: 'bench-password-2026' };
const MB = 1_000_000;

const log = (line: string) => process.stdout.write(`${line}\n`);

// The baseline server: the same files, straight from disk. ------------------------------------
if (process.argv.includes('--serve-files')) {
  const { default: Fastify } = await import('fastify');
  const root = process.env.FILES_DIR as string;
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get<{ Params: { '*': string } }>('/files/*', async (req, reply) => {
    const file = path.join(root, ...req.params['*'].split('/'));
    const { size } = await fs.promises.stat(file);
    return reply.type('application/pdf').header('content-length', size).send(fs.createReadStream(file));
  });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
} else {
  const resources: Resources = benchResources('backup', log);
  // The restore's database too, whenever the run stops.
  const cleanup = resources.cleanup.bind(resources);
  resources.cleanup = async () => {
    await dropBenchDatabase(resources.restored, log);
    resources.restored = undefined;
    await cleanup();
  };
  try {
    await main(resources);
  } catch (err) {
    process.exitCode = 1;
    if (!resources.interrupted())
      log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await resources.cleanup();
  }
}

type Resources = ReturnType<typeof benchResources> & { restored?: PostgresDatabase };

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...extra };
}

/** Runs a `clinica` command to its end, sampling its memory; answers wall time, peak RSS and output. */
async function runCommand(resources: Resources, name: string, args: string[], env: Record<string, string>) {
  const started = performance.now();
  const child = startChild(name, ['--import', 'tsx', 'src/cli/main.ts', ...args], childEnv(env), ROOT);
  resources.children.push(child);
  const sampler = rssSampler({ [name]: child.pid }, 100);
  const code = await child.exited;
  const seconds = (performance.now() - started) / 1000;
  const peak = sampler.stop()[name] ?? 0;
  if (code !== 0) throw new Error(`${name} exited with ${code}:\n${child.output()}`);
  return { seconds, peakMiB: peak, output: child.output() };
}

async function writeDocuments(db: Database, documentsDir: string) {
  const { rows: patients } = await db.query<{ id: string; patient_number: string }>(
    'select id, patient_number from patients order by patient_number limit $1',
    [SETTINGS.documents],
  );
  const header = Buffer.from('%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n', 'latin1');
  const trailer = Buffer.from('\n%%EOF\n');
  const ids: { patientId: string; id: string }[] = [];
  let bytes = 0;
  for (let i = 0; i < SETTINGS.documents; i += 250) {
    const batch: {
      patient: { id: string; patient_number: string };
      id: string;
      storageKey: string;
      content: Buffer;
    }[] = [];
    for (let j = i; j < Math.min(i + 250, SETTINGS.documents); j++) {
      const patient = patients[j % patients.length] as { id: string; patient_number: string };
      const content = Buffer.concat([
        header,
        randomBytes(SETTINGS.documentBytes - header.length - trailer.length),
        trailer,
      ]);
      const id = randomUUID();
      const storageKey = `patients/${patient.patient_number}/${id}.pdf`;
      const file = path.join(documentsDir, ...storageKey.split('/'));
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.writeFile(file, content);
      batch.push({ patient, id, storageKey, content });
      bytes += content.length;
    }
    await db.transaction(async (tx) => {
      for (const d of batch) {
        await insertDocument(tx, {
          patientId: d.patient.id,
          id: d.id,
          category: 'upload',
          title: `Informe ${d.id.slice(0, 8)}`,
          fileName: 'informe.pdf',
          contentType: 'application/pdf',
          sizeBytes: d.content.length,
          sha256: createHash('sha256').update(d.content).digest('hex'),
          storageKey: d.storageKey,
          authorId: null,
          source: null,
        });
        ids.push({ patientId: d.patient.id, id: d.id });
      }
    });
  }
  return { ids, bytes };
}

/** `count` downloads by `clients` concurrent clients, each of a full body; answers latencies. */
async function download(urls: string[], headers: Record<string, string>, clients: number) {
  const samples = new Samples();
  let next = 0;
  let bytes = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < urls.length) {
        const url = urls[next++] as string;
        const t0 = performance.now();
        const res = await fetch(url, { headers });
        const body = await res.arrayBuffer();
        if (!res.ok) throw new Error(`${url}: ${res.status}`);
        samples.push(performance.now() - t0);
        bytes += body.byteLength;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    ...samples.summary(),
    perSecond: round(urls.length / seconds, 1),
    mbPerSecond: round(bytes / MB / seconds, 1),
  };
}

async function main(resources: Resources) {
  const startedAt = new Date();
  const loadStart = os.loadavg().map((l) => round(l, 2));
  log(`Clinica backup benchmark — ${startedAt.toISOString()}, load average ${loadStart.join(' ')}`);
  const { workDir, children } = resources;
  fs.mkdirSync(workDir, { recursive: true });
  const documentsTotal = SETTINGS.documents * SETTINGS.documentBytes;
  const disk = fs.statfsSync(workDir);
  const freeBytes = disk.bavail * disk.bsize;
  log(
    `Free disk space in ${workDir}: ${round(freeBytes / 1e9, 1)} GB; about ${round((3.2 * documentsTotal) / 1e9, 1)} GB needed.`,
  );
  if (freeBytes < 3.2 * documentsTotal + 2e9) throw new Error('not enough free disk space for this benchmark');

  const sourceDir = path.join(workDir, 'source');
  const restoreDir = path.join(workDir, 'restored');
  const backupsDir = path.join(workDir, 'backups');
  const database = await createPostgresDatabase({ adminUrl, prefix: 'clinica_bench' });
  resources.database = database;
  const db = await openDatabase({ url: database.url, poolSize: 5 });
  resources.db = db;
  const config = loadConfig({ DATABASE_URL: database.url, DATA_DIR: sourceDir, LOG_LEVEL: 'warn' });
  await migrate(db);
  const services = await createServices(config, db);
  let t0 = performance.now();
  const patients = await seedPatients(services, SETTINGS.patients, process.stdout.isTTY);
  log(`Seeded ${patients} patients in ${round((performance.now() - t0) / 1000, 1)} s.`);
  t0 = performance.now();
  const documents = await writeDocuments(db, path.join(sourceDir, 'documents'));
  log(
    `Wrote ${documents.ids.length} documents (${round(documents.bytes / 1e9, 2)} GB) in ${round((performance.now() - t0) / 1000, 1)} s.`,
  );
  await services.users.create({ email: USER.email, roles: ['doctor'], password: USER.password }, SYSTEM_CONTEXT);
  await services.audit.drain();
  await db.query('analyze');
  const { rows: sizes } = await db.query<{ bytes: number }>('select pg_database_size(current_database()) as bytes');
  const databaseBytes = Number(sizes[0]?.bytes ?? 0);

  // Backup --------------------------------------------------------------------------------
  const env = { DATABASE_URL: database.url, DATA_DIR: sourceDir, BACKUP_URL: backupsDir, BACKUP_KEY: KEY };
  log('Running clinica backup…');
  const backup = await runCommand(resources, 'backup', ['backup'], env);
  const { rows: runs } = await db.query<{
    archive: string;
    size_bytes: number;
    raw_bytes: number;
    duration_ms: number;
    rows: number;
    tables: number;
  }>(`select archive, size_bytes, raw_bytes, duration_ms, rows, tables from backup_runs where status = 'succeeded'`);
  const run = runs[0];
  if (!run) throw new Error(`no successful backup recorded:\n${backup.output}`);
  const archiveBytes = Number(run.size_bytes);
  // The command's own summary (its progress lines left out).
  log(backup.output.replace(/^ {2}(database|documents):.*\n/gm, '').trim());
  log(
    `Backup: ${round(archiveBytes / MB)} MB in ${round(backup.seconds, 1)} s (${round(Number(run.duration_ms) / 1000, 1)} s in the service).`,
  );

  // Restore -------------------------------------------------------------------------------
  const restored = await createPostgresDatabase({ adminUrl, prefix: 'clinica_bench' });
  resources.restored = restored;
  log('Running clinica restore into a fresh database…');
  const restore = await runCommand(resources, 'restore', ['restore', run.archive, '--from', backupsDir], {
    DATABASE_URL: restored.url,
    DATA_DIR: restoreDir,
    BACKUP_KEY: KEY,
  });
  log(restore.output.replace(/^ {2}(database|verifying|documents):.*\n/gm, '').trim());
  log(`Restore: ${round(restore.seconds, 1)} s.`);
  await dropBenchDatabase(restored, log);
  resources.restored = undefined;
  fs.rmSync(restoreDir, { recursive: true, force: true });

  // Downloads -----------------------------------------------------------------------------
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = startChild(
    'server',
    ['--import', 'tsx', 'src/cli/main.ts', 'start'],
    childEnv({
      DATABASE_URL: database.url,
      DATA_DIR: sourceDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: base,
    }),
    ROOT,
  );
  children.push(server);
  const filesPort = await freePort();
  const files = startChild(
    'files',
    ['--import', 'tsx', 'bench/backup.ts', '--serve-files'],
    childEnv({ PORT: String(filesPort), FILES_DIR: path.join(sourceDir, 'documents') }),
    ROOT,
  );
  children.push(files);
  await waitReady(server, `${base}/readyz`);
  await waitReady(files, `http://127.0.0.1:${filesPort}/healthz`);
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(USER),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const headers = { authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}` };
  const { rows: keys } = await db.query<{ patient_id: string; id: string; storage_key: string }>(
    'select patient_id, id, storage_key from documents',
  );
  const pick = Array.from({ length: SETTINGS.downloads }, () => keys[Math.floor(Math.random() * keys.length)]) as {
    patient_id: string;
    id: string;
    storage_key: string;
  }[];
  const apiUrls = pick.map((d) => `${base}/api/v1/patients/${d.patient_id}/documents/${d.id}/content`);
  const fileUrls = pick.map((d) => `http://127.0.0.1:${filesPort}/files/${d.storage_key}`);
  // Warm-up, then two rounds each, alternating (ABBA) so drift in the machine's load is shared.
  await download(apiUrls.slice(0, 200), headers, SETTINGS.clients);
  await download(fileUrls.slice(0, 200), {}, SETTINGS.clients);
  const half = Math.floor(pick.length / 2);
  const apiRuns = [] as Awaited<ReturnType<typeof download>>[];
  const fileRuns = [] as Awaited<ReturnType<typeof download>>[];
  apiRuns.push(await download(apiUrls.slice(0, half), headers, SETTINGS.clients));
  fileRuns.push(await download(fileUrls.slice(0, half), {}, SETTINGS.clients));
  fileRuns.push(await download(fileUrls.slice(half), {}, SETTINGS.clients));
  apiRuns.push(await download(apiUrls.slice(half), headers, SETTINGS.clients));
  const merge = (rs: Awaited<ReturnType<typeof download>>[]) => ({
    p50: round(Math.max(...rs.map((r) => r.p50)), 1),
    p95: round(Math.max(...rs.map((r) => r.p95)), 1),
    p99: round(Math.max(...rs.map((r) => r.p99)), 1),
    perSecond: round(rs.reduce((n, r) => n + r.perSecond, 0) / rs.length, 1),
    mbPerSecond: round(rs.reduce((n, r) => n + r.mbPerSecond, 0) / rs.length, 1),
    rounds: rs,
  });
  const api = merge(apiRuns);
  const baseline = merge(fileRuns);

  // Results -------------------------------------------------------------------------------
  const loadEnd = os.loadavg().map((l) => round(l, 2));
  const day = startedAt.toISOString().slice(0, 10);
  const dataBytes = Number(run.raw_bytes);
  const result = {
    date: startedAt.toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memGiB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      freeDiskGB: round(freeBytes / 1e9, 1),
    },
    loadAverage: { start: loadStart, end: loadEnd },
    settings: SETTINGS,
    data: {
      patients,
      documents: documents.ids.length,
      documentBytes: documents.bytes,
      postgresDatabaseBytes: databaseBytes,
      tables: run.tables,
      rows: Number(run.rows),
    },
    backup: {
      archive: run.archive,
      archiveBytes,
      tarBytes: dataBytes,
      wallSeconds: round(backup.seconds, 2),
      serviceSeconds: round(Number(run.duration_ms) / 1000, 2),
      archiveMBps: round(archiveBytes / MB / backup.seconds, 1),
      peakRssMiB: backup.peakMiB,
    },
    restore: {
      wallSeconds: round(restore.seconds, 2),
      archiveMBps: round(archiveBytes / MB / restore.seconds, 1),
      peakRssMiB: restore.peakMiB,
    },
    downloads: { clients: SETTINGS.clients, requests: SETTINGS.downloads, api, baseline },
  };
  const mb = (b: number) => `${round(b / MB).toLocaleString('en-US')} MB`;
  const throughput = markdownTable(
    ['step', 'archive', 'time', 'MB/s', 'peak memory'],
    [
      [
        '`clinica backup`',
        mb(archiveBytes),
        `${round(backup.seconds, 1)} s`,
        result.backup.archiveMBps,
        `${backup.peakMiB} MiB`,
      ],
      [
        '`clinica restore` (verified)',
        mb(archiveBytes),
        `${round(restore.seconds, 1)} s`,
        result.restore.archiveMBps,
        `${restore.peakMiB} MiB`,
      ],
    ],
    ['l', 'r', 'r', 'r', 'r'],
  );
  const downloads = markdownTable(
    ['download of a 200 kB document', 'p50 ms', 'p95 ms', 'p99 ms', 'files/s', 'MB/s'],
    [
      [
        'bare Fastify route, file from disk (baseline)',
        baseline.p50,
        baseline.p95,
        baseline.p99,
        baseline.perSecond,
        baseline.mbPerSecond,
      ],
      [
        '`GET /api/v1/patients/{id}/documents/{docId}/content`',
        api.p50,
        api.p95,
        api.p99,
        api.perSecond,
        api.mbPerSecond,
      ],
    ],
    ['l', 'r', 'r', 'r', 'r', 'r'],
  );
  const md = [
    `**${day}**. Machine: ${result.machine.cpu}, ${result.machine.cpus} cores, ${result.machine.memGiB} GiB; Node ${process.version}; PostgreSQL on the same machine, local document storage. Load average at start ${loadStart.join(' / ')}, at end ${loadEnd.join(' / ')}.`,
    '',
    `Data: ${patients.toLocaleString('en-US')} patients (${Number(run.rows).toLocaleString('en-US')} rows in ${run.tables} tables, PostgreSQL database ${mb(databaseBytes)}) and ${documents.ids.length.toLocaleString('en-US')} documents of ${SETTINGS.documentBytes / 1000} kB (${mb(documents.bytes)}, random bytes: incompressible). Tar stream before encryption ${mb(dataBytes)}.`,
    '',
    throughput,
    '',
    'Both commands run as child processes, start-up and key derivation (scrypt) included; the restore loads every table in one transaction, reads each back to check its SHA-256 and writes every document checking its SHA-256.',
    '',
    downloads,
    '',
    `${SETTINGS.clients} concurrent clients, ${SETTINGS.downloads} random documents per server (after a warm-up), rounds alternated; p50/p95/p99 are the worse of the two rounds. The API adds the bearer-token check, the patient-reach check, the document row, the audit entry and the SHA-256 check while streaming.`,
  ].join('\n');
  recordResults(
    ROOT,
    {
      key: 'backup',
      command: 'npm run bench:backup',
      title: 'Backups, restores and document downloads',
      heading: 'Backup and restore benchmark',
    },
    { day, result, md, outDir: outDirSetting },
  );
  log(`\n${md}\n`);
}
