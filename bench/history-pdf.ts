/**
 * `npm run bench:history`: the clinical-history PDF of a patient with a long record.
 *
 * 1. Creates a throwaway database on the local PostgreSQL (BENCH_DATABASE_URL is only the
 *    admin connection) with one patient holding 200 encounters (each with a signed SOAP
 *    note), 200 appointments and 120 dental chart entries, and one patient with an empty
 *    record: the baseline, the same request and pipeline with almost nothing to lay out.
 * 2. Starts the real server (`clinica start`) as a child process and signs in as the
 *    results desk.
 * 3. Downloads each history BENCH_RUNS times after two warm-up downloads, alternating the
 *    two patients, and samples the server's resident memory throughout.
 * 4. Writes bench/results/history-pdf-<date>.{json,md} and the docs/performance.md section.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createServices } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { patientInput } from '../test/support/app.js';
import { createPostgresDatabase } from '../test/support/databases.js';
import { writeLongRecord } from '../test/support/history.js';
import {
  benchResources,
  freePort,
  markdownTable,
  procStatusKb,
  recordResults,
  round,
  rssSampler,
  Samples,
  startChild,
  waitReady,
} from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.BENCH_RUNS) > 0 ? Number(process.env.BENCH_RUNS) : 20;
const adminUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const outDirSetting = process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : undefined;
const RECORD = { appointments: 200, encounters: 200, chartEntries: 120 };
const USER = { email: 'bench-results@bench.clinica.local', password: 'bench-password-2026' };

const log = (line: string) => process.stdout.write(`${line}\n`);
const resources = benchResources('history', log);
const { workDir, children } = resources;

async function main() {
  const startedAt = new Date();
  const loadStart = os.loadavg().map((l) => round(l, 2));
  log(`Clinica history PDF benchmark — ${startedAt.toISOString()}, load average ${loadStart.join(' ')}`);
  const database = await createPostgresDatabase({ adminUrl, prefix: 'clinica_bench' });
  resources.database = database;
  const db = await openDatabase({ url: database.url, poolSize: 5 });
  resources.db = db;
  fs.mkdirSync(workDir, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({ DATABASE_URL: database.url, DATA_DIR: workDir, PUBLIC_URL: base, LOG_LEVEL: 'warn' });
  await migrate(db);
  const services = await createServices(config, db);
  const long = await services.patients.create(
    patientInput({ firstName: 'Historia', lastName: 'Larga' }),
    SYSTEM_CONTEXT,
  );
  const empty = await services.patients.create(
    patientInput({ firstName: 'Historia', lastName: 'Vacía' }),
    SYSTEM_CONTEXT,
  );
  const practitioner = await services.practitioners.create(
    { name: 'Dr. Bench', isDentist: true, active: true },
    SYSTEM_CONTEXT,
  );
  const treatment = await services.practitioners.createTreatment(
    { code: 'BENCH', name: 'Revisión', durationMinutes: 30, cost: '30.00', isDental: true, active: true },
    SYSTEM_CONTEXT,
  );
  const doctor = await services.users.create(
    { email: 'bench-doctor@bench.clinica.local', roles: ['doctor'] },
    SYSTEM_CONTEXT,
  );
  await writeLongRecord(db, {
    patientId: long.id,
    practitionerId: practitioner.id,
    treatmentId: treatment.id,
    doctorUserId: doctor.id,
    ...RECORD,
  });
  await services.users.create({ email: USER.email, roles: ['results'], password: USER.password }, SYSTEM_CONTEXT);
  await db.query('analyze');

  const server = startChild(
    'server',
    ['--import', 'tsx', 'src/cli/main.ts', 'start'],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: base,
      DATA_DIR: workDir,
      LOG_LEVEL: 'warn',
    },
    ROOT,
  );
  children.push(server);
  await waitReady(server, `${base}/readyz`);
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(USER),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const headers = { authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}` };
  const rssBefore = procStatusKb(server.pid, 'VmRSS');
  const sampler = rssSampler({ server: server.pid }, 20);

  const download = async (patientId: string) => {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/v1/patients/${patientId}/history.pdf`, { headers });
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok || res.headers.get('content-type') !== 'application/pdf') throw new Error(`history ${res.status}`);
    return { ms: performance.now() - t0, bytes: body.length };
  };
  const first = await download(long.id);
  await download(empty.id);
  await download(long.id);
  const longRuns = new Samples();
  const emptyRuns = new Samples();
  let longBytes = 0;
  let emptyBytes = 0;
  for (let i = 0; i < runs; i++) {
    const a = await download(long.id);
    longRuns.push(a.ms);
    longBytes = a.bytes;
    const b = await download(empty.id);
    emptyRuns.push(b.ms);
    emptyBytes = b.bytes;
  }
  const memory = sampler.stop();
  const peakKb = procStatusKb(server.pid, 'VmHWM');
  const loadEnd = os.loadavg().map((l) => round(l, 2));
  const day = startedAt.toISOString().slice(0, 10);
  const longSummary = longRuns.summary();
  const emptySummary = emptyRuns.summary();
  const result = {
    date: startedAt.toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memGiB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
    },
    loadAverage: { start: loadStart, end: loadEnd },
    record: RECORD,
    firstExportMs: round(first.ms, 1),
    long: { ...longSummary, bytes: longBytes },
    empty: { ...emptySummary, bytes: emptyBytes },
    serverMemory: { rssBeforeMiB: round(rssBefore / 1024, 1), peakMiB: round(peakKb / 1024, 1), sampled: memory },
  };
  const table = markdownTable(
    ['history', 'downloads', 'p50 ms', 'p95 ms', 'max ms', 'size'],
    [
      [
        'empty record (baseline)',
        emptySummary.count,
        emptySummary.p50,
        emptySummary.p95,
        emptySummary.max,
        `${round(emptyBytes / 1024)} kB`,
      ],
      [
        `${RECORD.encounters} encounters with notes, ${RECORD.appointments} appointments, ${RECORD.chartEntries} chart entries`,
        longSummary.count,
        longSummary.p50,
        longSummary.p95,
        longSummary.max,
        `${round(longBytes / 1024)} kB`,
      ],
    ],
    ['l', 'r', 'r', 'r', 'r', 'r'],
  );
  const md = [
    `**${day}**. Machine: ${result.machine.cpu}, ${result.machine.cpus} cores, ${result.machine.memGiB} GiB; Node ${process.version}; PostgreSQL. Load average at start ${loadStart.join(' / ')}, at end ${loadEnd.join(' / ')}.`,
    '',
    table,
    '',
    `- Long history p95 ${longSummary.p95} ms (aim < 1 s: **${longSummary.p95 < 1000 ? 'met' : 'not met'}**); the first export after start took ${round(first.ms)} ms (JIT warm-up).`,
    `- Server memory: ${result.serverMemory.rssBeforeMiB} MiB resident before the exports, peak ${result.serverMemory.peakMiB} MiB.`,
  ].join('\n');
  recordResults(
    ROOT,
    {
      key: 'history-pdf',
      command: 'npm run bench:history',
      title: 'Clinical-history PDF',
      heading: 'History PDF benchmark',
    },
    { day, result, md, outDir: outDirSetting },
  );
  log(`\n${md}\n`);
}

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  if (!resources.interrupted()) log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await resources.cleanup();
}
