/**
 * `npm run bench`: the patient API under load, next to a baseline measured in the same run.
 *
 * 1. Creates a throwaway database `clinica_bench_<ts>` on the local PostgreSQL
 *    (BENCH_DATABASE_URL is only the admin connection), migrates it, loads 100k synthetic
 *    patients with the seed code, creates an admissions user.
 * 2. Starts two child processes: the real server (`clinica start`) and bench/baseline.ts
 *    (a bare Fastify route with the same pool, SQL and mapping, without auth or audit).
 * 3. Runs autocannon (32 connections) against both, interleaved in rounds (ABBA order),
 *    for a read by id over a few thousand random existing patients and a name search.
 * 4. Writes bench/results/<date>-patients-api.{json,md}, prints the table, and updates the
 *    generated part of docs/performance.md. The database, the children and the temporary
 *    data folder are removed at the end, also on failure or Ctrl-C.
 *
 * Settings (environment): BENCH_DATABASE_URL, BENCH_PATIENTS (100000), BENCH_CONNECTIONS (32),
 * BENCH_DURATION (seconds per run, 15), BENCH_ROUNDS (2), BENCH_WARMUP (seconds, 5),
 * BENCH_IDS (4000). For diagnosis: BENCH_KINDS (by-id,search), BENCH_VARIANTS (e.g.
 * `noaudit,jwtcache`: more copies of the real server with a part switched off, see
 * bench/variant-server.ts), BENCH_CPU_PROF=1 (V8 CPU profiles of the servers, kept in
 * bench/.work/), BENCH_OUT=<dir> (write the results there and leave docs/performance.md alone).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import autocannon, { type Instance, type Result } from 'autocannon';
import pg from 'pg';
import { createServices } from '../src/app.js';
import { seedPatients } from '../src/cli/seed.js';
import { loadConfig } from '../src/config.js';
import { sealAuditTrail } from '../src/platform/audit/seal.js';
import { type Database, openDatabase } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { createPostgresDatabase, type PostgresDatabase } from '../test/support/databases.js';
import {
  type Child,
  cleanUpOnInterrupt,
  cpuSeconds,
  dropBenchDatabase,
  freePort,
  intEnv,
  markdownTable,
  procStatusKb,
  round,
  rssSampler,
  Samples,
  sleep,
  startChild,
  stopChild,
  updatePerformanceSection,
  waitReady,
} from './lib.js';

type Kind = 'by-id' | 'search';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const settings = {
  adminUrl: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  patients: intEnv('BENCH_PATIENTS', 100_000),
  connections: intEnv('BENCH_CONNECTIONS', 32),
  durationSeconds: intEnv('BENCH_DURATION', 15),
  rounds: intEnv('BENCH_ROUNDS', 2),
  warmupSeconds: intEnv('BENCH_WARMUP', 5),
  ids: intEnv('BENCH_IDS', 4_000),
  cpuProfile: process.env.BENCH_CPU_PROF === '1',
  kinds: (process.env.BENCH_KINDS || 'by-id,search')
    .split(',')
    .filter((k): k is Kind => k === 'by-id' || k === 'search'),
  variants: (process.env.BENCH_VARIANTS || '').split(',').filter(Boolean),
  outDir: process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : undefined,
};
/** Common first names of the synthetic data, as a clerk would type them (accents and all). */
const SEARCH_TERMS = ['María', 'José', 'Carmen', 'Antonio', 'Lucía', 'Manuel', 'Javier', 'Elena'];
const USER = { email: 'bench-admissions@bench.clinica.local', password: 'bench-password-2026' };
const POOL_SIZE = 20;

const log = (line: string) => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// Everything that must be undone, whatever happens.

const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const workDir = path.join(ROOT, 'bench', '.work', stamp);
const children: Child[] = [];
let database: PostgresDatabase | undefined;
let seedDb: Database | undefined;
let statsClient: pg.Client | undefined;
let sealDb: Database | undefined;
let running: Instance | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    running?.stop();
    await Promise.all(children.map((c) => stopChild(c)));
    await seedDb?.close().catch(() => {});
    await statsClient?.end().catch(() => {});
    await sealDb?.close().catch(() => {});
    await dropBenchDatabase(database, log);
    if (!settings.cpuProfile) fs.rmSync(workDir, { recursive: true, force: true });
  })();
  return cleaning;
}
const interrupted = cleanUpOnInterrupt(children, cleanup, log);

// ---------------------------------------------------------------------------------------------
// Measurement.

interface Target {
  name: string;
  child: Child;
  base: string;
  /** Path prefix of the patient routes. */
  prefix: string;
  headers: Record<string, string>;
}

interface RunResult {
  target: string;
  kind: Kind;
  round: number;
  seconds: number;
  requests2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  reqPerSec: number;
  latency: ReturnType<Samples['summary']>;
  autocannonLatency: { p50: number; p90: number; p97_5: number; p99: number };
  peakRssMiB: number;
  appCpuSeconds: number;
  dbCpuSeconds: number;
  loadavg: number[];
  samples: Samples;
}

let ids: string[] = [];

function pathFor(target: Target, kind: Kind): () => string {
  if (kind === 'by-id') return () => `${target.prefix}/patients/${ids[Math.floor(Math.random() * ids.length)]}`;
  const queries = SEARCH_TERMS.map((t) => `${target.prefix}/patients?q=${encodeURIComponent(t)}&limit=20`);
  return () => queries[Math.floor(Math.random() * queries.length)] as string;
}

/** CPU seconds used so far by each client backend connected to the bench database. */
async function backendCpu(): Promise<Map<number, number>> {
  const { rows } = await statsClient!.query<{ pid: number }>(
    `select pid from pg_stat_activity
     where datname = $1 and backend_type = 'client backend' and pid <> pg_backend_pid()`,
    [database?.name],
  );
  return new Map(rows.map((r) => [r.pid, cpuSeconds(r.pid)]));
}

function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}

async function load(target: Target, kind: Kind, seconds: number, roundNo: number): Promise<RunResult> {
  if (interrupted()) throw new Error('interrupted');
  const samples = new Samples();
  const nextPath = pathFor(target, kind);
  const appBefore = cpuSeconds(target.child.pid);
  const dbBefore = await backendCpu();
  const rss = rssSampler({ server: target.child.pid });
  const result = await new Promise<Result>((resolve, reject) => {
    running = autocannon(
      {
        url: target.base,
        connections: settings.connections,
        duration: seconds,
        headers: target.headers,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: nextPath() }) }],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    running.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) samples.push(ms);
    });
  });
  running = undefined;
  const peak = rss.stop();
  const appCpu = cpuSeconds(target.child.pid) - appBefore;
  const dbCpu = cpuDelta(dbBefore, await backendCpu());
  return {
    target: target.name,
    kind,
    round: roundNo,
    seconds: result.duration,
    requests2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    reqPerSec: round(result['2xx'] / result.duration, 1),
    latency: samples.summary(),
    autocannonLatency: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
    },
    peakRssMiB: peak.server ?? 0,
    appCpuSeconds: round(appCpu, 2),
    dbCpuSeconds: round(dbCpu, 2),
    loadavg: os.loadavg().map((l) => round(l, 2)),
    samples,
  };
}

/**
 * Seals what the last run left unsealed (the real server seals every 10 s), so that work
 * does not leak into the next run; the real server's own sealing during a run is measured.
 */
async function settle() {
  await sealAuditTrail(sealDb!);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { rows } = await statsClient!.query<{ n: number }>(
      'select count(*)::int as n from audit_events where seal_id is null',
    );
    if ((rows[0]?.n ?? 0) === 0) break;
    await sleep(500);
  }
  await sleep(1_000);
}

function fmtRun(r: RunResult) {
  return (
    `${`${r.target} ${r.kind}`.padEnd(16)} round ${r.round}: ${String(Math.round(r.reqPerSec)).padStart(6)} req/s, ` +
    `p50 ${r.latency.p50} ms, p95 ${r.latency.p95} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, ` +
    `errors ${r.errors}, peak RSS ${r.peakRssMiB} MiB, load ${r.loadavg.join(' ')}`
  );
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const startedAt = new Date();
  const loadStart = os.loadavg().map((l) => round(l, 2));
  log(`Clinica patient API benchmark — ${startedAt.toISOString()}, load average ${loadStart.join(' ')}`);

  // 1. A fresh database with 100k patients and a user.
  database = await createPostgresDatabase({ adminUrl: settings.adminUrl, prefix: 'clinica_bench' });
  const benchUrl = database.url;
  seedDb = await openDatabase({ url: benchUrl, poolSize: POOL_SIZE });
  const postgresVersion = (await seedDb.query<{ version: string }>('select version()')).rows[0]!.version;
  log(`Created database ${database.name} (${postgresVersion.split(' on ')[0]}).`);
  fs.mkdirSync(workDir, { recursive: true });

  const [realPort, basePort] = [await freePort(), await freePort()];
  const realBase = `http://127.0.0.1:${realPort}`;
  const baseBase = `http://127.0.0.1:${basePort}`;
  const config = loadConfig({
    DATABASE_URL: benchUrl,
    DATA_DIR: workDir,
    PUBLIC_URL: realBase,
    LOG_LEVEL: 'warn',
  });
  await migrate(seedDb);
  const services = await createServices(config, seedDb);
  log(`Loading ${settings.patients} patients…`);
  const seedStart = performance.now();
  const inserted = await seedPatients(services, settings.patients, process.stdout.isTTY);
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const seed = { patients: inserted, seconds: round(seedSeconds, 1), perSecond: Math.round(inserted / seedSeconds) };
  log(`Bulk-inserted ${inserted} patients with seedPatients in ${seed.seconds} s (${seed.perSecond}/s).`);
  await seedDb.query('analyze');
  await services.users.create({ email: USER.email, roles: ['admissions'], password: USER.password }, SYSTEM_CONTEXT);
  ids = (
    await seedDb.query<{ id: string }>('select id from patients order by random() limit $1', [settings.ids])
  ).rows.map((r) => r.id);
  await seedDb.close();
  seedDb = undefined;

  // 2. The servers, each its own process: the real one, the baseline, and any diagnostic variants.
  const childEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    DATABASE_URL: benchUrl,
  };
  const realEnv = {
    ...childEnv,
    HOST: '127.0.0.1',
    PUBLIC_URL: realBase,
    DATA_DIR: workDir,
    LOG_LEVEL: 'warn',
    ACCESS_TOKEN_TTL_SECONDS: '86400',
    ADMIN_EMAIL: 'bench-admin@bench.clinica.local',
    ADMIN_PASSWORD: 'bench-admin-password-2026',
  };
  const profileArgs = (name: string) =>
    settings.cpuProfile ? ['--cpu-prof', '--cpu-prof-dir', path.join(workDir, 'profile', name)] : [];
  const real = startChild(
    'real',
    [...profileArgs('real'), '--import', 'tsx', 'src/cli/main.ts', 'start'],
    { ...realEnv, PORT: String(realPort) },
    ROOT,
  );
  children.push(real);
  const baseline = startChild(
    'baseline',
    [...profileArgs('baseline'), '--import', 'tsx', 'bench/baseline.ts'],
    { ...childEnv, PORT: String(basePort) },
    ROOT,
  );
  children.push(baseline);
  const variants: { name: string; child: Child; base: string }[] = [];
  for (const v of settings.variants) {
    const port = await freePort();
    // PUBLIC_URL stays the real server's: it is the tokens' issuer.
    const child = startChild(
      `real+${v}`,
      [...profileArgs(v), '--import', 'tsx', 'bench/variant-server.ts'],
      { ...realEnv, PORT: String(port), BENCH_VARIANT: v },
      ROOT,
    );
    children.push(child);
    variants.push({ name: `real+${v}`, child, base: `http://127.0.0.1:${port}` });
  }
  // One at a time: they all migrate the same database on start.
  await waitReady(real, `${realBase}/healthz`);
  await waitReady(baseline, `${baseBase}/healthz`);
  for (const v of variants) await waitReady(v.child, `${v.base}/healthz`);

  const login = await fetch(`${realBase}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(USER),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const auth = { authorization: `Bearer ${accessToken}` };
  const targets: Target[] = [
    { name: 'baseline', child: baseline, base: baseBase, prefix: '', headers: {} },
    { name: 'real', child: real, base: realBase, prefix: '/api/v1', headers: auth },
    ...variants.map((v) => ({ ...v, prefix: '/api/v1', headers: auth })),
  ];
  const byName = (name: string) => targets.find((t) => t.name === name)!;

  // All answer the same thing, so the comparison is of the same work.
  const fetchJson = async (t: Target, p: string) => {
    const res = await fetch(`${t.base}${t.prefix}${p}`, { headers: t.headers });
    if (!res.ok) throw new Error(`${t.name} ${p}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  for (const probe of [`/patients/${ids[0]}`, `/patients?q=${encodeURIComponent(SEARCH_TERMS[0]!)}&limit=20`]) {
    const expected = await fetchJson(byName('baseline'), probe);
    for (const t of targets.slice(1)) {
      if (!isDeepStrictEqual(await fetchJson(t, probe), expected)) {
        throw new Error(`${t.name} and the baseline answer ${probe} differently`);
      }
    }
  }
  log('All servers answer identical JSON for a read and a search.');

  statsClient = new pg.Client({ connectionString: benchUrl });
  await statsClient.connect();
  sealDb = await openDatabase({ url: benchUrl, poolSize: 2 });

  // 3. Load: a short warm-up of each (discarded), then rounds in ABBA order.
  const kinds = settings.kinds;
  log(`Warm-up: ${settings.warmupSeconds} s per server and route…`);
  for (const kind of kinds) {
    for (const t of targets) await load(t, kind, settings.warmupSeconds, 0);
  }
  await settle();

  const runs: RunResult[] = [];
  for (let r = 1; r <= settings.rounds; r++) {
    const order = r % 2 === 1 ? targets : [...targets].reverse();
    for (const kind of kinds) {
      for (const t of kind === kinds[0] ? order : [...order].reverse()) {
        const run = await load(t, kind, settings.durationSeconds, r);
        runs.push(run);
        log(fmtRun(run));
        await settle();
      }
    }
  }
  const hwm = Object.fromEntries(targets.map((t) => [t.name, round(procStatusKb(t.child.pid, 'VmHWM') / 1024, 1)]));
  const auditRows = (await statsClient.query<{ n: number }>('select count(*)::int as n from audit_events')).rows[0]?.n;

  // 4. Aggregate and record.
  const runsOf = (kind: Kind, target: string) => runs.filter((x) => x.kind === kind && x.target === target);
  const rpsOf = (mine: RunResult[]) =>
    mine.reduce((s, x) => s + x.requests2xx, 0) / mine.reduce((s, x) => s + x.seconds, 0);
  const scenarios = kinds.flatMap((kind) =>
    targets.map((t) => {
      const mine = runsOf(kind, t.name);
      const base = runsOf(kind, 'baseline');
      const all = new Samples();
      for (const x of mine) all.append(x.samples);
      const ok = mine.reduce((s, x) => s + x.requests2xx, 0);
      return {
        name: `${t.name} ${kind === 'by-id' ? 'GET /patients/{id}' : 'search ?q=<name>&limit=20'}`,
        target: t.name,
        kind,
        reqPerSec: round(rpsOf(mine), 1),
        reqPerSecByRound: mine.map((x) => x.reqPerSec),
        vsBaseline: round(rpsOf(mine) / rpsOf(base), 3),
        vsBaselineByRound: mine.map((x, i) => round(x.reqPerSec / base[i]!.reqPerSec, 3)),
        latencyMs: all.summary(),
        autocannonLatencyMsByRound: mine.map((x) => x.autocannonLatency),
        requests2xx: ok,
        non2xx: mine.reduce((s, x) => s + x.non2xx, 0),
        errors: mine.reduce((s, x) => s + x.errors, 0),
        timeouts: mine.reduce((s, x) => s + x.timeouts, 0),
        peakRssMiB: Math.max(...mine.map((x) => x.peakRssMiB)),
        appCpuUsPerRequest: round((mine.reduce((s, x) => s + x.appCpuSeconds, 0) / ok) * 1e6),
        dbCpuUsPerRequest: round((mine.reduce((s, x) => s + x.dbCpuSeconds, 0) / ok) * 1e6),
        loadavgByRound: mine.map((x) => x.loadavg),
      };
    }),
  );
  const aims = Object.fromEntries(
    kinds.map((kind) => {
      const s = scenarios.find((x) => x.kind === kind && x.target === 'real')!;
      const a = {
        throughputRatio: s.vsBaseline,
        throughputMet: s.vsBaseline >= 0.6,
        p95Ms: s.latencyMs.p95,
        p95Met: s.latencyMs.p95 < 20,
      };
      return [kind, a];
    }),
  );

  const cpus = os.cpus();
  const date = startedAt.toISOString().slice(0, 10);
  const machine = {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: postgresVersion,
    autocannon: (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/autocannon/package.json'), 'utf8')) as {
        version: string;
      }
    ).version,
  };
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const loadEnd = os.loadavg().map((l) => round(l, 2));
  const report = {
    benchmark: 'patients-api',
    date: startedAt.toISOString(),
    commit,
    machine,
    loadavg: { start: loadStart, end: loadEnd },
    settings: {
      patients: settings.patients,
      connections: settings.connections,
      durationSeconds: settings.durationSeconds,
      rounds: settings.rounds,
      warmupSeconds: settings.warmupSeconds,
      distinctIds: ids.length,
      searchTerms: SEARCH_TERMS,
      poolSize: POOL_SIZE,
      variants: settings.variants,
      order: 'rounds in ABBA order (server order reversed every round and between routes)',
    },
    seed,
    scenarios,
    aims,
    peakRssMiB: { ...hwm, note: 'VmHWM of each server process over its whole life (includes start-up)' },
    auditRowsWritten: auditRows,
    notes: [
      'Percentiles are computed from every 2xx response time (autocannon "response" event, nearest rank); autocannon itself reports p50/p90/p97.5/p99 only, in whole milliseconds (kept as autocannonLatencyMsByRound).',
      'autocannon (in the runner process), the servers and PostgreSQL share the same 2-core machine: req/s is bounded by total CPU, so the ratio to the baseline is in effect a ratio of CPU cost per request.',
      'CPU µs/request: user+system CPU of the server process and of its PostgreSQL client backends (from /proc) divided by 2xx responses; the real server figure includes its audit sealer.',
    ],
  };

  const table = markdownTable(
    [
      'Scenario',
      'req/s',
      'vs baseline',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'non-2xx',
      'errors',
      'peak RSS MiB',
      'app CPU µs/req',
      'DB CPU µs/req',
    ],
    scenarios.map((s) => [
      s.name,
      Math.round(s.reqPerSec),
      `${Math.round(s.vsBaseline * 100)} %`,
      s.latencyMs.p50,
      s.latencyMs.p95,
      s.latencyMs.p99,
      s.non2xx,
      s.errors + s.timeouts,
      s.peakRssMiB,
      s.appCpuUsPerRequest,
      s.dbCpuUsPerRequest,
    ]),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
  const label: Record<Kind, string> = { 'by-id': 'Read by id', search: 'Name search' };
  const verdicts = kinds.map((kind) => {
    const a = aims[kind]!;
    return (
      `- ${label[kind]}: ${Math.round(a.throughputRatio * 100)} % of the baseline's throughput ` +
      `(aim ≥ 60 %: ${a.throughputMet ? '**met**' : '**not met**'}), p95 ${a.p95Ms} ms ` +
      `(aim < 20 ms: ${a.p95Met ? '**met**' : '**not met**'}).`
    );
  });
  const perRound = scenarios
    .filter((s) => s.target !== 'baseline')
    .map((s) => `${s.name} ${s.vsBaselineByRound.join(', ')}`)
    .join('; ');
  const machineLine =
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}; ` +
    `${postgresVersion.split(' on ')[0]}; autocannon ${machine.autocannon}`;
  const summary = [
    `**${date}**, commit ${commit}. Machine: ${machineLine}.`,
    `Load average (1/5/15 min) at start ${loadStart.join(' / ')}, at end ${loadEnd.join(' / ')}: the machine was shared with other work.`,
    `${inserted} patients bulk-loaded with seedPatients in ${seed.seconds} s (${seed.perSecond} patients/s). ` +
      `${settings.connections} connections, ${settings.rounds} × ${settings.durationSeconds} s per scenario ` +
      `after a ${settings.warmupSeconds} s warm-up, over ${ids.length} random patient ids and ${SEARCH_TERMS.length} first names.`,
    '',
    table,
    '',
    `Throughput relative to the baseline, round by round: ${perRound}. ` +
      `Peak RSS over each server's life (VmHWM): ${Object.entries(hwm)
        .map(([k, v]) => `${k} ${v} MiB`)
        .join(', ')}. Audit rows written: ${auditRows}.`,
    '',
    ...verdicts,
  ].join('\n');

  const official = !settings.outDir;
  const resultsDir = settings.outDir ?? path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const jsonPath = path.join(resultsDir, `${date}-patients-api.json`);
  const mdPath = path.join(resultsDir, `${date}-patients-api.md`);
  fs.writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(
    mdPath,
    `# Patient API benchmark, ${date}\n\n${summary}\n\nRaw figures: ${path.basename(jsonPath)}.\n`,
  );
  if (official)
    updatePerformanceSection(
      ROOT,
      { key: 'patients-api', command: 'npm run bench', title: 'Patient API (issue: platform foundation)' },
      summary,
      path.basename(jsonPath),
    );

  log(`\n${summary}\n`);
  log(
    `Wrote ${path.relative(ROOT, jsonPath)}, ${path.relative(ROOT, mdPath)}${official ? ' and docs/performance.md' : ''}.`,
  );
  if (settings.cpuProfile) log(`CPU profiles (written when the servers stop): ${path.join(workDir, 'profile')}`);
}

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  if (!interrupted()) log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await cleanup();
}
