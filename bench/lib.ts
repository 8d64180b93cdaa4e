/** Small helpers of the benchmark runner: child processes, /proc sampling, statistics. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../src/platform/db/database.js';
import type { PostgresDatabase } from '../test/support/databases.js';

/** A port nobody listens on right now (on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A child process whose last lines of output are kept for error messages. */
export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
  output(): string;
}

export function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Child {
  const proc = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`${name} did not start`);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n'));
    if (lines.length > 80) lines.splice(0, lines.length - 80);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { name, proc, pid: proc.pid, exited, output: () => lines.join('\n') };
}

const alive = (c: Child) => c.proc.exitCode === null && c.proc.signalCode === null;

/** SIGTERM (the servers shut down cleanly on it), SIGKILL after a grace period. */
export async function stopChild(c: Child, graceMs = 8_000): Promise<void> {
  if (!alive(c)) return;
  c.proc.kill('SIGTERM');
  const done = await Promise.race([c.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done && alive(c)) {
    c.proc.kill('SIGKILL');
    await c.exited;
  }
}

/** Last resort on process exit: nothing may outlive the runner. */
export function killNow(c: Child) {
  if (alive(c)) c.proc.kill('SIGKILL');
}

/** Polls `url` until it answers 200; fails early if the child dies. */
export async function waitReady(c: Child, url: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(c)) throw new Error(`${c.name} exited with ${c.proc.exitCode}:\n${c.output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${c.name} was not ready after ${timeoutMs / 1000} s:\n${c.output()}`);
}

/** A field of /proc/<pid>/status in kB (VmRSS, VmHWM), or 0 when the process is gone. */
export function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

let clockTicks = 0;
function ticksPerSecond(): number {
  if (!clockTicks) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds a process has used so far (0 when it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3, utime 14, stime 15 → indexes 11 and 12 here.
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return 0;
  }
}

/** Polls VmRSS of some processes while a run lasts; answers the peak of each in MiB. */
export function rssSampler(pids: Record<string, number>, everyMs = 250) {
  const peak: Record<string, number> = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
  const sample = () => {
    for (const [k, pid] of Object.entries(pids)) peak[k] = Math.max(peak[k] ?? 0, procStatusKb(pid, 'VmRSS'));
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop(): Record<string, number> {
      clearInterval(timer);
      sample();
      return Object.fromEntries(Object.entries(peak).map(([k, kb]) => [k, round(kb / 1024, 1)]));
    },
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** A growable list of latencies in ms. */
export class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;

  push(v: number) {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  append(other: Samples) {
    for (let i = 0; i < other.length; i++) this.push(other.data[i] as number);
  }

  summary() {
    const sorted = this.data.slice(0, this.length).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      count: this.length,
      mean: round(sum / Math.max(1, this.length), 2),
      p50: round(percentile(sorted, 50), 2),
      p90: round(percentile(sorted, 90), 2),
      p95: round(percentile(sorted, 95), 2),
      p99: round(percentile(sorted, 99), 2),
      max: round(sorted[sorted.length - 1] ?? Number.NaN, 2),
    };
  }
}

export const round = (v: number, digits = 0) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** A Markdown table from a header and rows. */
export function markdownTable(header: string[], rows: (string | number)[][], align?: ('l' | 'r')[]): string {
  const sep = header.map((_, i) => ((align?.[i] ?? 'r') === 'l' ? ':---' : '---:'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/**
 * Runs `cleanup` once on Ctrl-C or SIGTERM, then exits; on any exit, kills the children
 * still running. Ctrl-C reaches the whole process group (and tsx relays it again): only
 * the first signal counts.
 */
export function cleanUpOnInterrupt(
  children: Child[],
  cleanup: () => Promise<void>,
  log: (line: string) => void,
): () => boolean {
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      log(`\n${signal}: stopping the servers and dropping the bench database…`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  process.on('exit', () => {
    for (const c of children) killNow(c);
  });
  return () => interrupted;
}

/** Drops a bench database, saying so; a failure is reported, never thrown, so cleanup goes on. */
export async function dropBenchDatabase(
  database: { name: string; drop(): Promise<void> } | undefined,
  log: (line: string) => void,
) {
  if (!database) return;
  try {
    await database.drop();
    log(`Dropped database ${database.name}.`);
  } catch (err) {
    log(`Could not drop database ${database.name}: ${String(err)} — drop it by hand.`);
  }
}

/**
 * Replaces one benchmark's generated block in docs/performance.md (between its markers),
 * keeping what is written around it; appends the section under `title` the first time.
 */
export function updatePerformanceSection(
  root: string,
  block: { key: string; command: string; title: string },
  summary: string,
  jsonName: string,
) {
  const begin = `<!-- bench:${block.key}:begin (written by ${block.command}) -->`;
  const end = `<!-- bench:${block.key}:end -->`;
  const file = path.join(root, 'docs', 'performance.md');
  const generated = [
    begin,
    '### Latest run',
    '',
    summary,
    '',
    `Raw figures: [bench/results/${jsonName}](../bench/results/${jsonName}).`,
    end,
  ].join('\n');
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from >= 0 && to > from) {
    text = text.slice(0, from) + generated + text.slice(to + end.length);
  } else {
    text = `${text || '# Performance\n'}\n## ${block.title}\n\n${generated}\n`;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/**
 * Writes a run's results as `<key>-<day>.json` and `.md` in bench/results (or in `outDir`, as
 * BENCH_OUT asks) and, when they go to bench/results, the run's block of docs/performance.md.
 */
export function recordResults(
  root: string,
  block: { key: string; command: string; title: string; heading: string },
  run: { day: string; result: unknown; md: string; outDir: string | undefined },
) {
  const outDir = run.outDir ?? path.join(root, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const jsonName = `${block.key}-${run.day}.json`;
  fs.writeFileSync(path.join(outDir, jsonName), `${JSON.stringify(run.result, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, `${block.key}-${run.day}.md`), `# ${block.heading}\n\n${run.md}\n`);
  if (!run.outDir) updatePerformanceSection(root, block, run.md, jsonName);
}

/** A positive whole number from the environment, else the fallback. */
export const intEnv = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};

/**
 * What a single-database benchmark leaves behind, and the cleanup that removes it at the end,
 * on failure or on Ctrl-C: its child processes, its pool, its throwaway database and its
 * work folder (bench/.work/<name>-<pid>).
 */
export function benchResources(name: string, log: (line: string) => void) {
  const resources = {
    workDir: fileURLToPath(new URL(`.work/${name}-${process.pid}`, import.meta.url)),
    children: [] as Child[],
    database: undefined as PostgresDatabase | undefined,
    db: undefined as Database | undefined,
    async cleanup() {
      for (const c of resources.children) await stopChild(c);
      await resources.db?.close().catch(() => {});
      resources.db = undefined;
      await dropBenchDatabase(resources.database, log);
      resources.database = undefined;
      fs.rmSync(resources.workDir, { recursive: true, force: true });
    },
    interrupted: () => false,
  };
  resources.interrupted = cleanUpOnInterrupt(resources.children, () => resources.cleanup(), log);
  return resources;
}
