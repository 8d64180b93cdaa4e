/// <reference lib="dom" />
/**
 * `npm run bench:web`: the web app in headless Chromium against the real server on 100k patients.
 *
 * 1. Creates a throwaway database `clinica_webbench_<ts>` on the local PostgreSQL
 *    (BENCH_DATABASE_URL is only the admin connection), migrates it, loads 100k synthetic
 *    patients with the seed code and creates an admissions user (as bench/run.ts does).
 * 2. Builds the web app, starts the server (`clinica start`, production mode) as a child.
 * 3. In Chromium (E2E_CHROMIUM, default /usr/bin/chromium): the JavaScript and CSS the sign-in
 *    page loads (raw and gzip -9), the time from navigation start to the sign-in form's
 *    e-mail field and to the patient search field being usable (cold cache, median of
 *    BENCH_WEB_LOADS runs), and the time from typing a name into the patient search to the
 *    matching results on screen (BENCH_WEB_SEARCHES different names, p50/p95). That time
 *    includes the page's 150 ms debounce; the API's own time is reported next to it.
 * 4. Writes bench/results/<date>-web.{json,md}, prints the table, and updates the generated
 *    part of docs/performance.md. The database, the child and the data folder are removed at
 *    the end, also on failure or Ctrl-C.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';
import { createServices } from '../src/app.js';
import { seedPatients } from '../src/cli/seed.js';
import { loadConfig } from '../src/config.js';
import { type Database, openDatabase } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { createPostgresDatabase, type PostgresDatabase } from '../test/support/databases.js';
import {
  type Child,
  cleanUpOnInterrupt,
  dropBenchDatabase,
  freePort,
  intEnv,
  markdownTable,
  round,
  startChild,
  stopChild,
  waitReady,
} from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const settings = {
  adminUrl: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  patients: intEnv('BENCH_PATIENTS', 100_000),
  loads: intEnv('BENCH_WEB_LOADS', 10),
  searches: intEnv('BENCH_WEB_SEARCHES', 30),
  chromium: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
  outDir: process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : undefined,
};
const USER = { email: 'bench-web@bench.clinica.local', password: 'bench-password-2026' };
const GOALS = { firstPageJsGzipKb: 250, searchVisibleMs: 300 };
const log = (s: string) => process.stdout.write(`${s}\n`);

const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const workDir = path.join(ROOT, 'bench', '.work', `web-${stamp}`);
const children: Child[] = [];
let database: PostgresDatabase | undefined;
let seedDb: Database | undefined;
let browser: Browser | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await browser?.close().catch(() => {});
    await Promise.all(children.map((c) => stopChild(c)));
    await seedDb?.close().catch(() => {});
    await dropBenchDatabase(database, log);
    fs.rmSync(workDir, { recursive: true, force: true });
  })();
  return cleaning;
}
cleanUpOnInterrupt(children, cleanup, log);

const sortNum = (xs: number[]) => [...xs].sort((a, b) => a - b);
function pct(xs: number[], p: number) {
  const s = sortNum(xs);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

async function main() {
  const startedAt = new Date();
  log(`Clinica web app benchmark — ${startedAt.toISOString()}`);

  // 1. Database with 100k patients and a user.
  database = await createPostgresDatabase({ adminUrl: settings.adminUrl, prefix: 'clinica_webbench' });
  const benchUrl = database.url;
  fs.mkdirSync(workDir, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({ DATABASE_URL: benchUrl, DATA_DIR: workDir, PUBLIC_URL: base, LOG_LEVEL: 'warn' });
  seedDb = await openDatabase({ url: benchUrl, poolSize: 10 });
  const postgresVersion = (await seedDb.query<{ version: string }>('select version()')).rows[0]?.version ?? '?';
  await migrate(seedDb);
  const services = await createServices(config, seedDb);
  log(`Loading ${settings.patients} patients…`);
  const inserted = await seedPatients(services, settings.patients, process.stdout.isTTY);
  await seedDb.query('analyze');
  await services.users.create({ email: USER.email, roles: ['admissions'], password: USER.password }, SYSTEM_CONTEXT);
  // Names a clerk would type: first name and the start of the surname, of random real rows.
  const names = (
    await seedDb.query<{ first_name: string; last_name: string }>(
      'select first_name, last_name from patients order by random() limit $1',
      [settings.searches],
    )
  ).rows.map((r) => ({
    term: `${r.first_name} ${r.last_name.split(' ')[0]?.slice(0, 4) ?? ''}`.toLowerCase(),
    first: fold(r.first_name),
    last: fold(r.last_name.split(' ')[0]?.slice(0, 4) ?? ''),
  }));
  await seedDb.close();
  seedDb = undefined;

  // 2. The production build and the server.
  log('Building the web app…');
  execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: ROOT, stdio: 'inherit' });
  const server = startChild(
    'server',
    ['--import', 'tsx', 'src/cli/main.ts', 'start'],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: benchUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: base,
      DATA_DIR: workDir,
      LOG_LEVEL: 'warn',
      ADMIN_EMAIL: 'bench-admin@bench.clinica.local',
      ADMIN_PASSWORD: 'bench-admin-password-2026',
    },
    ROOT,
  );
  children.push(server);
  await waitReady(server, `${base}/healthz`);

  browser = await chromium.launch({
    executablePath: settings.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  });
  const chromiumVersion = browser.version();

  // 3a. What the sign-in page loads.
  const assets: { url: string; type: string; bytes: number; gzip: number; transferEncoding: string }[] = [];
  {
    const context = await browser.newContext({ locale: 'es-ES' });
    const page = await context.newPage();
    const pending: Promise<void>[] = [];
    page.on('response', (res) => {
      const type = res.request().resourceType();
      if (type !== 'script' && type !== 'stylesheet') return;
      pending.push(
        res.body().then(async (body) => {
          const headers = await res.allHeaders();
          assets.push({
            url: new URL(res.url()).pathname,
            type,
            bytes: body.length,
            gzip: gzipSync(body, { level: 9 }).length,
            transferEncoding: headers['content-encoding'] ?? 'identity',
          });
        }),
      );
    });
    await page.goto(`${base}/login`, { waitUntil: 'networkidle' });
    await Promise.all(pending);
    await context.close();
  }
  const sum = (type: string, key: 'bytes' | 'gzip') =>
    assets.filter((a) => a.type === type).reduce((n, a) => n + a[key], 0);
  const firstPage = {
    jsKb: round(sum('script', 'bytes') / 1024, 1),
    jsGzipKb: round(sum('script', 'gzip') / 1024, 1),
    cssKb: round(sum('stylesheet', 'bytes') / 1024, 1),
    cssGzipKb: round(sum('stylesheet', 'gzip') / 1024, 1),
    servedEncoding: [...new Set(assets.map((a) => a.transferEncoding))].join(', '),
    assets,
  };
  log(`Sign-in page: JS ${firstPage.jsKb} kB (${firstPage.jsGzipKb} kB gzip), CSS ${firstPage.cssGzipKb} kB gzip.`);

  // A session for the signed-in pages, as the app stores it.
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(USER),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const tokens = (await login.json()) as {
    accessToken: string;
    refreshToken: string;
    expiresIn: number;
    user: unknown;
  };
  const session = JSON.stringify({
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: Date.now() + tokens.expiresIn * 1000,
    issuedAt: Date.now(),
    user: tokens.user,
  });

  // 3b. Navigation start to a usable field, cold cache (a new context each time).
  async function timeToField(url: string, selector: string, signedIn: boolean): Promise<number> {
    const context = await browser!.newContext({ locale: 'es-ES' });
    if (signedIn) await context.addInitScript((s) => localStorage.setItem('clinica.session', s), session);
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    const handle = await page.waitForFunction(
      (sel) => {
        const el = document.querySelector<HTMLInputElement>(sel);
        return el && !el.disabled && el.offsetParent !== null ? performance.now() : false;
      },
      selector,
      { polling: 'raf', timeout: 30_000 },
    );
    const ms = (await handle.jsonValue()) as number;
    await context.close();
    return ms;
  }
  const loginTimes: number[] = [];
  const searchPageTimes: number[] = [];
  for (let i = 0; i < settings.loads; i++) {
    loginTimes.push(await timeToField(`${base}/login`, 'input[type=email]', false));
    searchPageTimes.push(await timeToField(`${base}/patients`, 'main input', true));
  }
  log(`Interactive: sign-in ${round(pct(loginTimes, 50))} ms, patient search ${round(pct(searchPageTimes, 50))} ms.`);

  // 3c. Typing a name to the matching results on screen.
  const searchMs: number[] = [];
  const apiMs: number[] = [];
  let misses = 0;
  {
    const context = await browser.newContext({ locale: 'es-ES', viewport: { width: 1280, height: 800 } });
    await context.addInitScript((s) => localStorage.setItem('clinica.session', s), session);
    const page = await context.newPage();
    page.on('requestfinished', (req) => {
      if (!req.url().includes('/api/v1/patients?')) return;
      const timing = req.timing();
      if (new URL(req.url()).searchParams.get('q')) apiMs.push(timing.responseEnd - timing.requestStart);
    });
    await page.goto(`${base}/patients`);
    await page.waitForSelector('[data-testid=patient-list] tbody tr');
    for (const name of names) {
      const ms = await page.evaluate(async ({ term, first, last }) => {
        const input = document.querySelector<HTMLInputElement>('main input');
        if (!input) throw new Error('no search field');
        const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
        // No named helpers in here: tsx would wrap them in a __name helper the page lacks.
        const start = performance.now();
        setValue?.call(input, term);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        while (performance.now() - start < 10_000) {
          await new Promise((r) => requestAnimationFrame(r));
          const cell = document.querySelector('[data-testid=patient-list] tbody tr td:nth-child(2)');
          const text = (cell?.textContent ?? '').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
          if (text.includes(first) && text.includes(last)) return performance.now() - start;
        }
        return -1;
      }, name);
      if (ms < 0) misses++;
      else searchMs.push(ms);
    }
    await context.close();
  }
  log(
    `Search to results on screen: p50 ${round(pct(searchMs, 50))} ms, p95 ${round(pct(searchMs, 95))} ms` +
      ` (API p50 ${round(pct(apiMs, 50), 1)} ms); ${misses} searches without the expected row.`,
  );

  // 4. Results.
  const result = {
    date: startedAt.toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? '?',
      cores: os.cpus().length,
      memoryGb: round(os.totalmem() / 1024 ** 3, 1),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      chromium: chromiumVersion,
      postgres: postgresVersion.split(' on ')[0],
    },
    patients: inserted,
    goals: GOALS,
    firstPage,
    interactiveMs: {
      signIn: { p50: round(pct(loginTimes, 50)), max: round(Math.max(...loginTimes)), runs: loginTimes.length },
      patientSearch: {
        p50: round(pct(searchPageTimes, 50)),
        max: round(Math.max(...searchPageTimes)),
        runs: searchPageTimes.length,
      },
    },
    searchToResultsMs: {
      p50: round(pct(searchMs, 50)),
      p95: round(pct(searchMs, 95)),
      max: round(Math.max(...searchMs)),
      searches: searchMs.length,
      misses,
      debounceMs: 250,
      apiP50: round(pct(apiMs, 50), 1),
      apiP95: round(pct(apiMs, 95), 1),
    },
  };
  const verdict = (ok: boolean) => (ok ? 'met' : 'not met');
  const table = markdownTable(
    ['Measure', 'Result', 'Goal'],
    [
      [
        'JS of the first page (sign-in), gzip -9',
        `${firstPage.jsGzipKb} kB (${firstPage.jsKb} kB raw)`,
        `< ${GOALS.firstPageJsGzipKb} kB: ${verdict(firstPage.jsGzipKb < GOALS.firstPageJsGzipKb)}`,
      ],
      ['CSS of the first page, gzip -9', `${firstPage.cssGzipKb} kB (${firstPage.cssKb} kB raw)`, ''],
      [
        `Sign-in form usable after navigation start (median of ${loginTimes.length}, cold cache)`,
        `${result.interactiveMs.signIn.p50} ms (max ${result.interactiveMs.signIn.max})`,
        '',
      ],
      [
        `Patient search usable after navigation start (median of ${searchPageTimes.length}, cold cache, signed in)`,
        `${result.interactiveMs.patientSearch.p50} ms (max ${result.interactiveMs.patientSearch.max})`,
        '',
      ],
      [
        `Typing a name to the results on screen (${searchMs.length} names, includes the 150 ms debounce)`,
        `p50 ${result.searchToResultsMs.p50} ms, p95 ${result.searchToResultsMs.p95} ms`,
        `< ${GOALS.searchVisibleMs} ms: ${verdict(result.searchToResultsMs.p95 < GOALS.searchVisibleMs)} (p95)`,
      ],
      [
        'of which the search API request',
        `p50 ${result.searchToResultsMs.apiP50} ms, p95 ${result.searchToResultsMs.apiP95} ms`,
        '',
      ],
    ],
    ['l', 'r', 'l'],
  );
  const machine = `${result.machine.cpu} (${result.machine.cores} cores), ${result.machine.memoryGb} GB, ${result.machine.os}, Node ${result.machine.node}, Chromium ${result.machine.chromium}, ${result.machine.postgres}`;
  const md = [
    `# Web app benchmark, ${startedAt.toISOString().slice(0, 10)}`,
    '',
    `${inserted} synthetic patients on PostgreSQL; the production build served by \`clinica start\`; headless Chromium on the same machine (no network latency). Machine: ${machine}. Written by \`npm run bench:web\`.`,
    '',
    table,
    '',
    `Served with content-encoding: ${firstPage.servedEncoding}. Searches whose expected row never showed: ${misses}.`,
    '',
  ].join('\n');
  const outDir = settings.outDir ?? path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const day = startedAt.toISOString().slice(0, 10);
  fs.writeFileSync(path.join(outDir, `${day}-web.json`), `${JSON.stringify(result, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, `${day}-web.md`), md);
  if (!settings.outDir) {
    updatePerformanceDoc(md.split('\n').slice(2).join('\n'), day);
    // Tables aligned as the project's formatter (Biome) wants them, so that `npm run lint` stays clean.
    const written = [`${day}-web.json`, `${day}-web.md`].map((f) => path.join(outDir, f));
    execFileSync(
      path.join(ROOT, 'node_modules', '.bin', 'biome'),
      ['format', '--write', ...written, path.join(ROOT, 'docs', 'performance.md')],
      { cwd: ROOT, stdio: 'ignore' },
    );
  }
  log(`\n${table}`);
}

const BEGIN = '<!-- bench:web:begin (written by npm run bench:web) -->';
const END = '<!-- bench:web:end -->';

function updatePerformanceDoc(body: string, day: string) {
  const file = path.join(ROOT, 'docs', 'performance.md');
  const text = fs.readFileSync(file, 'utf8');
  const block = [BEGIN, '', `Measured ${day}. ${body.trim()}`, '', END].join('\n');
  const from = text.indexOf(BEGIN);
  const to = text.indexOf(END);
  const next =
    from >= 0 && to > from
      ? text.slice(0, from) + block + text.slice(to + END.length)
      : `${text.trimEnd()}\n\n## Web app (issue: web app)\n\n${block}\n`;
  fs.writeFileSync(file, next);
}

main()
  .catch((err) => {
    process.exitCode = 1;
    log(`Failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  })
  .finally(() => cleanup());
