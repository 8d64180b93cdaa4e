/**
 * `npm run bench:events`: how long a committed change takes to reach the mail server as an
 * e-mail, through RabbitMQ, next to a baseline measured in the same run.
 *
 * 1. Creates two throwaway databases on the local PostgreSQL (BENCH_DATABASE_URL is only the
 *    admin connection) and bulk-inserts the users the events are about.
 * 2. Starts an SMTP server (smtp-server) in this process and, as child processes, the real
 *    thing: `clinica start` (relays the outbox to RabbitMQ) and `clinica worker` (consumes
 *    and e-mails) on the first database; the baseline: `clinica start` without AMQP_URL on
 *    the second, which drains the outbox straight into the mailer in its own process.
 * 3. Commits `user.created` events (each sends a welcome e-mail) one per transaction at a
 *    steady rate, noting the time right after each commit, and notes each e-mail's arrival
 *    by the event id in its Message-ID: latency is arrival − commit, on this process's clock.
 *    The two targets alternate in ABBA order (half the events each time). Then a burst, as
 *    fast as the writers can commit, gives the sustained events/s.
 * 4. Checks that every event arrived exactly once, writes bench/results/events-<date>.{json,md}
 *    and rewrites the generated part of docs/performance.md. Databases, queues and children
 *    are removed at the end, also on failure or Ctrl-C.
 *
 * Settings (environment): BENCH_DATABASE_URL, BENCH_AMQP_URL, BENCH_EVENTS (10000 per target),
 * BENCH_EVENTS_RATE (per second, 100), BENCH_EVENTS_BURST (3000), BENCH_OUT=<dir> (write the
 * results there and leave docs/performance.md alone).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { type Database, openDatabase } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import { appendEvent } from '../src/platform/events/outbox.js';
import { deleteTopology } from '../test/support/broker.js';
import { createPostgresDatabase, type PostgresDatabase } from '../test/support/databases.js';
import {
  type Child,
  cleanUpOnInterrupt,
  cpuSeconds,
  dropBenchDatabase,
  freePort,
  intEnv,
  markdownTable,
  round,
  Samples,
  sleep,
  startChild,
  stopChild,
  updatePerformanceSection,
  waitReady,
} from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const settings = {
  adminUrl: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  amqpUrl: process.env.BENCH_AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
  events: intEnv('BENCH_EVENTS', 10_000),
  rate: intEnv('BENCH_EVENTS_RATE', 100),
  burst: intEnv('BENCH_EVENTS_BURST', 3_000),
  warmup: 200,
  outDir: process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : undefined,
};
// The production defaults, spelled out: the topology's retry queues are named after them.
const MAX_ATTEMPTS = 8;
const RETRY_BASE_MS = 2000;
const WRITERS = 16;
/** A run ends when every event has arrived, or when nothing arrived for this long. */
const STALL_MS = 30_000;

const log = (line: string) => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// Everything that must be undone, whatever happens.

const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const workDir = path.join(ROOT, 'bench', '.work', `events-${stamp}`);
const prefix = `bench_${randomBytes(4).toString('hex')}`;
const children: Child[] = [];
const databases: PostgresDatabase[] = [];
const pools: Database[] = [];
let mailServer: SMTPServer | undefined;
let topologyDeclared = false;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all(children.map((c) => stopChild(c)));
    for (const p of pools) await p.close().catch(() => {});
    for (const d of databases) await dropBenchDatabase(d, log);
    if (topologyDeclared) {
      await deleteTopology(settings.amqpUrl, prefix, ['mailer'], MAX_ATTEMPTS, RETRY_BASE_MS).catch((err) =>
        log(`Could not delete the queues of ${prefix}: ${String(err)}`),
      );
    }
    await new Promise<void>((resolve) => (mailServer ? mailServer.close(() => resolve()) : resolve()));
    fs.rmSync(workDir, { recursive: true, force: true });
  })();
  return cleaning;
}
const interrupted = cleanUpOnInterrupt(children, cleanup, log);

// ---------------------------------------------------------------------------------------------
// The mailbox: arrival time of each e-mail, by the event id at the start of its Message-ID.

const arrivals = new Map<string, number[]>();
let unmatched = 0;
const MESSAGE_ID = /^Message-ID:\s*<([0-9a-f-]{36})\./im;

async function startMailbox(): Promise<string> {
  mailServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const at = performance.now();
        const id = MESSAGE_ID.exec(Buffer.concat(chunks).toString('latin1'))?.[1];
        if (id) {
          const seen = arrivals.get(id);
          if (seen) seen.push(at);
          else arrivals.set(id, [at]);
        } else {
          unmatched += 1;
        }
        callback();
      });
    },
  });
  mailServer.on('error', () => {});
  await new Promise<void>((resolve) => mailServer?.listen(0, '127.0.0.1', resolve));
  return `smtp://127.0.0.1:${(mailServer.server.address() as AddressInfo).port}`;
}

// ---------------------------------------------------------------------------------------------
// Targets and runs.

interface Target {
  name: 'rabbitmq' | 'in-process';
  description: string;
  db: Database;
  /** Users not yet used by an event. */
  users: string[];
  processes: Child[];
}

interface RunResult {
  target: string;
  kind: 'steady' | 'burst' | 'warm-up';
  events: number;
  offeredPerSec: number | null;
  committedPerSec: number;
  deliveredPerSec: number;
  arrived: number;
  lost: number;
  duplicates: number;
  latency: ReturnType<Samples['summary']>;
  cpuUsPerEvent: Record<string, number>;
  loadavg: number[];
  samples: Samples;
}

async function createUsers(db: Database, n: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `insert into users (id, email, roles)
     select gen_random_uuid(), 'bench-' || i || '@bench.clinica.local', array['doctor'] from generate_series(1, $1) i
     returning id`,
    [n],
  );
  return rows.map((r) => r.id);
}

/** Commits `count` events, at `rate` per second or as fast as WRITERS allow, and waits for their e-mails. */
async function run(target: Target, kind: RunResult['kind'], count: number, rate: number | null): Promise<RunResult> {
  if (interrupted()) throw new Error('interrupted');
  const users = target.users.splice(0, count);
  if (users.length < count) throw new Error(`${target.name} ran out of users`);
  const commits = new Map<string, number>();
  const cpuBefore = target.processes.map((p) => cpuSeconds(p.pid));
  const started = performance.now();
  let next = 0;
  const writer = async () => {
    for (let i = next++; i < count; i = next++) {
      if (rate) {
        const due = started + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
      const userId = users[i] as string;
      const id = await target.db.transaction((tx) =>
        appendEvent(tx, { type: 'user.created', aggregateId: userId, payload: { userId } }),
      );
      commits.set(id, performance.now());
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  const committedAt = performance.now();

  let arrived = 0;
  let lastProgress = performance.now();
  while (arrived < count && performance.now() - lastProgress < STALL_MS) {
    await sleep(50);
    let now = 0;
    for (const id of commits.keys()) if (arrivals.has(id)) now += 1;
    if (now > arrived) lastProgress = performance.now();
    arrived = now;
  }
  // Anything still to come is a duplicate; give it a moment to show.
  await sleep(1_000);

  const samples = new Samples();
  let duplicates = 0;
  let lastArrival = started;
  for (const [id, committed] of commits) {
    const times = arrivals.get(id);
    if (!times) continue;
    duplicates += times.length - 1;
    const first = Math.min(...times);
    samples.push(first - committed);
    lastArrival = Math.max(lastArrival, first);
  }
  const cpuAfter = target.processes.map((p) => cpuSeconds(p.pid));
  return {
    target: target.name,
    kind,
    events: count,
    offeredPerSec: rate,
    committedPerSec: round(count / ((committedAt - started) / 1000), 1),
    deliveredPerSec: round(arrived / ((lastArrival - started) / 1000), 1),
    arrived,
    lost: count - arrived,
    duplicates,
    latency: samples.summary(),
    cpuUsPerEvent: Object.fromEntries(
      target.processes.map((p, i) => [p.name, round((((cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0)) / count) * 1e6)]),
    ),
    loadavg: os.loadavg().map((l) => round(l, 2)),
    samples,
  };
}

const fmtRun = (r: RunResult) =>
  `${`${r.target} ${r.kind}`.padEnd(22)} ${r.events} events: p50 ${r.latency.p50} ms, p95 ${r.latency.p95} ms, ` +
  `p99 ${r.latency.p99} ms, delivered ${r.deliveredPerSec}/s, lost ${r.lost}, duplicates ${r.duplicates}, ` +
  `load ${r.loadavg.join(' ')}`;

// ---------------------------------------------------------------------------------------------

async function main() {
  const startedAt = new Date();
  const loadStart = os.loadavg().map((l) => round(l, 2));
  log(`Clinica events benchmark — ${startedAt.toISOString()}, load average ${loadStart.join(' ')}`);
  fs.mkdirSync(workDir, { recursive: true });
  const smtpUrl = await startMailbox();

  const usersPerTarget = settings.events + settings.burst + settings.warmup;
  const base = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', LOG_LEVEL: 'warn' };
  const cli = ['--import', 'tsx', 'src/cli/main.ts'];
  const targets: Target[] = [];
  let postgresVersion = '';
  for (const name of ['rabbitmq', 'in-process'] as const) {
    const database = await createPostgresDatabase({ adminUrl: settings.adminUrl, prefix: 'clinica_bench' });
    databases.push(database);
    const db = await openDatabase({ url: database.url, poolSize: WRITERS + 2 });
    pools.push(db);
    await migrate(db);
    postgresVersion ||= (await db.query<{ version: string }>('select version()')).rows[0]?.version ?? '';
    const users = await createUsers(db, usersPerTarget);
    const port = await freePort();
    const env = {
      ...base,
      DATABASE_URL: database.url,
      SMTP_URL: smtpUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: path.join(workDir, name),
      EVENTS_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      EVENTS_RETRY_BASE_MS: String(RETRY_BASE_MS),
    };
    const processes: Child[] = [];
    if (name === 'rabbitmq') {
      const brokerEnv = { ...env, AMQP_URL: settings.amqpUrl, AMQP_PREFIX: prefix };
      const relay = startChild('relay', [...cli, 'start'], brokerEnv, ROOT);
      children.push(relay);
      processes.push(relay);
      topologyDeclared = true;
      await waitReady(relay, `http://127.0.0.1:${port}/healthz`);
      const workerPort = await freePort();
      const worker = startChild('worker', [...cli, 'worker'], { ...brokerEnv, WORKER_PORT: String(workerPort) }, ROOT);
      children.push(worker);
      processes.push(worker);
      await waitReady(worker, `http://127.0.0.1:${workerPort}/healthz`);
      targets.push({
        name,
        description: '`clinica start` relays the outbox to RabbitMQ; `clinica worker` consumes and e-mails',
        db,
        users,
        processes,
      });
    } else {
      const server = startChild('embedded', [...cli, 'start'], env, ROOT);
      children.push(server);
      processes.push(server);
      await waitReady(server, `http://127.0.0.1:${port}/healthz`);
      targets.push({
        name,
        description: '`clinica start` without AMQP_URL: the outbox drains straight into the mailer in-process',
        db,
        users,
        processes,
      });
    }
  }
  log(`Databases ${databases.map((d) => d.name).join(', ')} (${usersPerTarget} users each); queues ${prefix}.*.`);
  const [broker, baseline] = targets as [Target, Target];

  for (const t of targets) log(fmtRun(await run(t, 'warm-up', settings.warmup, settings.rate)));
  const half = Math.floor(settings.events / 2);
  const runs: RunResult[] = [];
  for (const [t, n] of [
    [broker, half],
    [baseline, half],
    [baseline, settings.events - half],
    [broker, settings.events - half],
  ] as const) {
    const r = await run(t, 'steady', n, settings.rate);
    runs.push(r);
    log(fmtRun(r));
  }
  for (const t of [broker, baseline]) {
    const r = await run(t, 'burst', settings.burst, null);
    runs.push(r);
    log(fmtRun(r));
  }

  // Aggregate and record.
  const scenario = (target: Target['name']) => {
    const steady = runs.filter((r) => r.target === target && r.kind === 'steady');
    const burst = runs.find((r) => r.target === target && r.kind === 'burst');
    const all = new Samples();
    for (const r of steady) all.append(r.samples);
    return {
      target,
      description: targets.find((t) => t.name === target)?.description,
      steady: {
        events: steady.reduce((s, r) => s + r.events, 0),
        offeredPerSec: settings.rate,
        latencyMs: all.summary(),
        latencyMsByRun: steady.map((r) => r.latency),
        arrived: steady.reduce((s, r) => s + r.arrived, 0),
        lost: steady.reduce((s, r) => s + r.lost, 0),
        duplicates: steady.reduce((s, r) => s + r.duplicates, 0),
        cpuUsPerEventByRun: steady.map((r) => r.cpuUsPerEvent),
        loadavgByRun: steady.map((r) => r.loadavg),
      },
      burst: burst && {
        events: burst.events,
        committedPerSec: burst.committedPerSec,
        deliveredPerSec: burst.deliveredPerSec,
        latencyMs: burst.latency,
        lost: burst.lost,
        duplicates: burst.duplicates,
        cpuUsPerEvent: burst.cpuUsPerEvent,
      },
    };
  };
  const scenarios = [scenario('rabbitmq'), scenario('in-process')];
  const [real, base0] = scenarios as [ReturnType<typeof scenario>, ReturnType<typeof scenario>];
  const aims = {
    p95Ms: real.steady.latencyMs.p95,
    p95Met: real.steady.latencyMs.p95 < 1000,
    noLoss: real.steady.lost === 0 && (real.burst?.lost ?? 0) === 0,
    noDuplicates: real.steady.duplicates === 0 && (real.burst?.duplicates ?? 0) === 0,
    distinctArrivals: real.steady.arrived,
  };

  const cpus = os.cpus();
  const date = startedAt.toISOString().slice(0, 10);
  const rabbitVersion = (() => {
    try {
      return execFileSync('rabbitmqctl', ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const machine = {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: postgresVersion,
    rabbitmq: rabbitVersion,
  };
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const loadEnd = os.loadavg().map((l) => round(l, 2));
  const report = {
    benchmark: 'events',
    date: startedAt.toISOString(),
    commit,
    machine,
    loadavg: { start: loadStart, end: loadEnd },
    settings: {
      eventsPerTarget: settings.events,
      ratePerSec: settings.rate,
      burstEvents: settings.burst,
      warmupEvents: settings.warmup,
      writers: WRITERS,
      order:
        'steady runs in ABBA order (rabbitmq, in-process, in-process, rabbitmq), half the events each; then a burst of each',
      event: 'user.created, one per transaction; the mailer sends one welcome e-mail per event',
      production:
        'OUTBOX_BATCH_SIZE 100, OUTBOX_POLL_MS 1000 (NOTIFY wakes the drain), WORKER_PREFETCH 16, SMTP pool of 5',
    },
    scenarios,
    aims,
    unmatchedEmails: unmatched,
    notes: [
      'Latency: time from the commit returning in the writer (this process) to the end of the DATA of the e-mail at the SMTP server (this process), same clock; nearest-rank percentiles.',
      'Steady: events committed at a fixed rate, below what the pipeline can take, so latency is the time through it, not queueing behind a backlog.',
      'Burst: events committed as fast as 16 writers can; delivered/s = e-mails / (last arrival − first commit) is the sustained throughput.',
      'CPU µs/event: user+system CPU of each Clinica process (from /proc) during the run, per event; PostgreSQL, RabbitMQ and this process (writers, SMTP server) not included.',
    ],
  };

  const ms = (v: number) => `${Math.round(v)}`;
  const table = markdownTable(
    ['Target', 'events', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'lost', 'dupl.', 'burst events/s', 'CPU µs/event'],
    scenarios.map((s) => [
      s.target,
      s.steady.events,
      ms(s.steady.latencyMs.p50),
      ms(s.steady.latencyMs.p95),
      ms(s.steady.latencyMs.p99),
      ms(s.steady.latencyMs.max),
      s.steady.lost + (s.burst?.lost ?? 0),
      s.steady.duplicates + (s.burst?.duplicates ?? 0),
      Math.round(s.burst?.deliveredPerSec ?? 0),
      Object.entries(s.burst?.cpuUsPerEvent ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ]),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
  );
  const machineLine =
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}; ` +
    `${postgresVersion.split(' on ')[0]}; RabbitMQ ${rabbitVersion}`;
  const summary = [
    `**${date}**, commit ${commit}. Machine: ${machineLine}.`,
    `Load average (1/5/15 min) at start ${loadStart.join(' / ')}, at end ${loadEnd.join(' / ')}.`,
    `${settings.events} \`user.created\` events per target, one per transaction, committed at ${settings.rate}/s ` +
      `(ABBA order, half each time), then a burst of ${settings.burst} as fast as ${WRITERS} writers commit. ` +
      'Latency is commit → end of the e-mail at the SMTP server.',
    '',
    table,
    '',
    `Through RabbitMQ the p95 is ${ms(real.steady.latencyMs.p95)} ms against ${ms(base0.steady.latencyMs.p95)} ms for ` +
      `in-process delivery; sustained ${Math.round(real.burst?.deliveredPerSec ?? 0)} events/s against ` +
      `${Math.round(base0.burst?.deliveredPerSec ?? 0)}. Distinct e-mails through RabbitMQ: ${real.steady.arrived} of ` +
      `${real.steady.events} (steady) and ${(real.burst?.events ?? 0) - (real.burst?.lost ?? 0)} of ${real.burst?.events} (burst).`,
    '',
    `- p95 commit → inbox ${ms(aims.p95Ms)} ms (aim < 1 s: ${aims.p95Met ? '**met**' : '**not met**'}); ` +
      `no loss: ${aims.noLoss ? '**met**' : '**not met**'}; no duplicates: ${aims.noDuplicates ? '**met**' : '**not met**'}.`,
  ].join('\n');

  const official = !settings.outDir;
  const resultsDir = settings.outDir ?? path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const jsonPath = path.join(resultsDir, `events-${date}.json`);
  const mdPath = path.join(resultsDir, `events-${date}.md`);
  fs.writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(mdPath, `# Events benchmark, ${date}\n\n${summary}\n\nRaw figures: ${path.basename(jsonPath)}.\n`);
  if (official)
    updatePerformanceSection(
      ROOT,
      {
        key: 'events',
        command: 'npm run bench:events',
        title: 'Events: commit to e-mail (issue: events and notifications)',
      },
      summary,
      path.basename(jsonPath),
    );
  log(`\n${summary}\n`);
  log(
    `Wrote ${path.relative(ROOT, jsonPath)}, ${path.relative(ROOT, mdPath)}${official ? ' and docs/performance.md' : ''}.`,
  );
  if (!aims.noLoss || !aims.noDuplicates) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  if (!interrupted()) log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await cleanup();
}
