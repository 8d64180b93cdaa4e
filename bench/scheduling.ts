/**
 * `npm run bench:scheduling`: availability and booking on a full diary.
 *
 * 1. Creates a throwaway database on the local PostgreSQL (BENCH_DATABASE_URL is only the
 *    admin connection), loads 100k synthetic patients with the seed code, 40 practitioners
 *    working 08:00-20:00 every day, and about 1M appointments (85 % of their half-hour slots
 *    over the past three years and the next four months), each with its booking row.
 * 2. Starts the real server (`clinica start`) as a child process.
 * 3. Availability: GET /practitioners/{id}/availability for random practitioner-days, one
 *    client at a time and then 8 at once; baseline: the same service call in this process,
 *    straight on the database, in the same run.
 * 4. Booking: 32 clients POST /appointments for random free-or-taken half hours on two
 *    days beyond the loaded diary, for a fixed time; then checks that no practitioner
 *    holds two overlapping bookings and that every live appointment has its booking.
 * 5. Writes bench/results/scheduling-<date>.{json,md} and the docs/performance.md section.
 *
 * Settings (environment): BENCH_DATABASE_URL, BENCH_PATIENTS (100000), BENCH_APPOINTMENTS
 * (1000000), BENCH_AVAILABILITY (2000 calls), BENCH_BOOKING_SECONDS (20), BENCH_OUT=<dir>.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createServices } from '../src/app.js';
import { seedPatients } from '../src/cli/seed.js';
import { loadConfig } from '../src/config.js';
import { type Database, openDatabase } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { createPostgresDatabase } from '../test/support/databases.js';
import {
  benchResources,
  freePort,
  intEnv,
  markdownTable,
  recordResults,
  round,
  Samples,
  startChild,
  waitReady,
} from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const settings = {
  adminUrl: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  patients: intEnv('BENCH_PATIENTS', 100_000),
  appointments: intEnv('BENCH_APPOINTMENTS', 1_000_000),
  availabilityCalls: intEnv('BENCH_AVAILABILITY', 2_000),
  bookingSeconds: intEnv('BENCH_BOOKING_SECONDS', 20),
  outDir: process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : undefined,
};
const PRACTITIONERS = 40;
const SLOTS_PER_DAY = 24; // 08:00-20:00 in half hours
const FILLED = 0.85;
const TIME_ZONE = 'Europe/Madrid';
const USER = { email: 'bench-admissions@bench.clinica.local', password: 'bench-password-2026' };

const log = (line: string) => process.stdout.write(`${line}\n`);
const resources = benchResources('scheduling', log);
const { workDir, children } = resources;

/** The local date `days` from today in the clinic's zone, as YYYY-MM-DD. */
const localDate = (days: number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date(Date.now() + days * 86_400_000));
const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)] as T;

/** Fills the diary with SQL: one statement per slice of days, appointments and their bookings together. */
async function loadDiary(d: Database, practitionerIds: string[]): Promise<{ rows: number; seconds: number }> {
  const perDay = PRACTITIONERS * SLOTS_PER_DAY * FILLED;
  const futureDays = 120;
  const pastDays = Math.ceil(settings.appointments / perDay) - futureDays;
  const started = performance.now();
  await d.query('create temporary table bench_patients as select row_number() over () as n, id from patients');
  const patients = settings.patients;
  for (let from = -pastDays; from < futureDays; from += 100) {
    const to = Math.min(futureDays, from + 100);
    await d.query(
      `with slots as (
         select pr.id as practitioner_id, pr.n as pn, day, k,
                ((current_date + day) + time '08:00' + k * interval '30 minutes') at time zone $4 as starts_at
           from unnest($1::uuid[]) with ordinality as pr(id, n)
          cross join generate_series($2::int, $3::int - 1) as day
          cross join generate_series(0, ${SLOTS_PER_DAY - 1}) as k
          where abs(hashtext(pr.id::text || day || ':' || k)) % 100 < ${FILLED * 100}),
       made as (
         insert into appointments (patient_id, id, number, practitioner_id, starts_at, ends_at, type, patient_category, status)
         select p.id, gen_random_uuid(), 'APT/' || lpad(nextval('appointment_number_seq')::text, 5, '0'),
                s.practitioner_id, s.starts_at, s.starts_at + interval '30 minutes', 'consultation', 'returning',
                case when s.starts_at < now() then 'done' else 'booked' end
           from slots s
           join bench_patients p on p.n = 1 + (abs(hashtext(s.practitioner_id::text || s.day || s.k)) % $5)
         returning id, practitioner_id, starts_at, ends_at)
       insert into practitioner_bookings (practitioner_id, appointment_id, during)
       select practitioner_id, id, tstzrange(starts_at, ends_at) from made`,
      [practitionerIds, from, to, TIME_ZONE, patients],
    );
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  await d.query('analyze');
  const { rows } = await d.query<{ n: number }>('select count(*)::int as n from appointments');
  return { rows: rows[0]?.n ?? 0, seconds: round((performance.now() - started) / 1000, 1) };
}

async function timed(samples: Samples, fn: () => Promise<void>) {
  const t0 = performance.now();
  await fn();
  samples.push(performance.now() - t0);
}

async function main() {
  const startedAt = new Date();
  const loadStart = os.loadavg().map((l) => round(l, 2));
  log(`Clinica scheduling benchmark — ${startedAt.toISOString()}, load average ${loadStart.join(' ')}`);
  const database = await createPostgresDatabase({ adminUrl: settings.adminUrl, prefix: 'clinica_bench' });
  resources.database = database;
  const db = await openDatabase({ url: database.url, poolSize: 20 });
  resources.db = db;
  const postgres = (await db.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v;
  fs.mkdirSync(workDir, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    DATABASE_URL: database.url,
    DATA_DIR: workDir,
    PUBLIC_URL: base,
    LOG_LEVEL: 'warn',
    CLINIC_TIMEZONE: TIME_ZONE,
  });
  await migrate(db);
  const services = await createServices(config, db);
  log(`Loading ${settings.patients} patients…`);
  await seedPatients(services, settings.patients, process.stdout.isTTY);
  const practitionerIds: string[] = [];
  const everyDay = [1, 2, 3, 4, 5, 6, 7].map((dayOfWeek) => ({ dayOfWeek, start: '08:00', end: '20:00' }));
  for (let i = 0; i < PRACTITIONERS; i++) {
    const p = await services.practitioners.create(
      { name: `Dr. Bench ${i + 1}`, isDentist: i % 4 === 0, active: true },
      SYSTEM_CONTEXT,
    );
    await services.practitioners.setWorkingHours(p.id, everyDay, SYSTEM_CONTEXT);
    practitionerIds.push(p.id);
  }
  log(`Loading about ${settings.appointments} appointments…`);
  const diary = await loadDiary(db, practitionerIds);
  log(`Loaded ${diary.rows} appointments with their bookings in ${diary.seconds} s.`);
  await services.users.create({ email: USER.email, roles: ['admissions'], password: USER.password }, SYSTEM_CONTEXT);
  const patientIds = (await db.query<{ id: string }>('select id from patients order by random() limit 5000')).rows.map(
    (r) => r.id,
  );

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
      CLINIC_TIMEZONE: TIME_ZONE,
      ACCESS_TOKEN_TTL_SECONDS: '86400',
      // The bench's own clients would otherwise trip the sign-in throttle and the mailer's files pile up.
      LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
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
  const token = ((await login.json()) as { accessToken: string }).accessToken;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

  // Availability: a random practitioner on a random day of the loaded future.
  const dayQuery = () => ({ id: pick(practitionerIds), date: localDate(1 + Math.floor(Math.random() * 110)) });
  const direct = new Samples();
  const http1 = new Samples();
  const http8 = new Samples();
  let slotsSeen = 0;
  for (let i = 0; i < 200; i++) {
    const q = dayQuery();
    await services.practitioners.availability(q.id, { date: q.date });
  }
  for (let i = 0; i < settings.availabilityCalls; i++) {
    const q = dayQuery();
    await timed(direct, async () => {
      await services.practitioners.availability(q.id, { date: q.date });
    });
    const q2 = dayQuery();
    await timed(http1, async () => {
      const res = await fetch(`${base}/api/v1/practitioners/${q2.id}/availability?date=${q2.date}`, { headers });
      if (!res.ok) throw new Error(`availability ${res.status}`);
      slotsSeen += ((await res.json()) as { slots: unknown[] }).slots.length;
    });
  }
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = 0; i < settings.availabilityCalls / 8; i++) {
        const q = dayQuery();
        await timed(http8, async () => {
          const res = await fetch(`${base}/api/v1/practitioners/${q.id}/availability?date=${q.date}`, { headers });
          if (!res.ok) throw new Error(`availability ${res.status}`);
          await res.arrayBuffer();
        });
      }
    }),
  );
  log(
    `Availability: ${settings.availabilityCalls} calls, ${round(slotsSeen / settings.availabilityCalls, 1)} free slots a day on average.`,
  );

  // Booking: 32 clients on two days beyond the loaded diary (1,600 half hours), so they compete for slots.
  const outcomes = new Map<number, number>();
  const booking = new Samples();
  const until = performance.now() + settings.bookingSeconds * 1000;
  const bookingStart = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (performance.now() < until) {
        const day = 125 + Math.floor(Math.random() * 2);
        const midnight = Date.parse(`${localDate(day)}T00:00:00Z`);
        // 09:00-18:30 in the clinic's winter or summer offset: whole hours keep it inside working hours.
        const start = new Date(midnight + (8 + Math.floor(Math.random() * 20) / 2) * 3_600_000);
        const body = {
          patientId: pick(patientIds),
          practitionerId: pick(practitionerIds),
          start: start.toISOString(),
          end: new Date(start.getTime() + 30 * 60_000).toISOString(),
        };
        const t0 = performance.now();
        const res = await fetch(`${base}/api/v1/appointments`, { method: 'POST', headers, body: JSON.stringify(body) });
        await res.arrayBuffer();
        booking.push(performance.now() - t0);
        outcomes.set(res.status, (outcomes.get(res.status) ?? 0) + 1);
      }
    }),
  );
  const bookingSeconds = (performance.now() - bookingStart) / 1000;
  const overlaps = (
    await db.query<{ n: number }>(
      `select count(*)::int as n from practitioner_bookings a join practitioner_bookings b
          on a.practitioner_id = b.practitioner_id and a.appointment_id < b.appointment_id and a.during && b.during
       where upper(a.during) > now() + interval '120 days'`,
    )
  ).rows[0]?.n;
  const unbooked = (
    await db.query<{ n: number }>(
      `select count(*)::int as n from appointments a
        where a.status <> 'cancelled' and a.starts_at > now() + interval '120 days'
          and not exists (select 1 from practitioner_bookings b where b.appointment_id = a.id)`,
    )
  ).rows[0]?.n;
  const created = outcomes.get(201) ?? 0;
  const conflicts = outcomes.get(409) ?? 0;
  const other = [...outcomes].filter(([s]) => s !== 201 && s !== 409);

  const summary = {
    direct: direct.summary(),
    http1: http1.summary(),
    http8: http8.summary(),
    booking: booking.summary(),
  };
  const loadEnd = os.loadavg().map((l) => round(l, 2));
  const result = {
    date: startedAt.toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memGiB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      postgres,
    },
    loadAverage: { start: loadStart, end: loadEnd },
    diary: { ...diary, practitioners: PRACTITIONERS, patients: settings.patients },
    availability: {
      calls: settings.availabilityCalls,
      freeSlotsPerDay: round(slotsSeen / settings.availabilityCalls, 1),
      ...summary,
    },
    bookingRun: {
      clients: 32,
      seconds: round(bookingSeconds, 1),
      created,
      conflicts,
      other: Object.fromEntries(other),
      bookedPerSecond: round(created / bookingSeconds, 1),
      attemptsPerSecond: round(booking.length / bookingSeconds, 1),
      overlappingBookings: overlaps,
      appointmentsWithoutBooking: unbooked,
    },
  };
  const day = startedAt.toISOString().slice(0, 10);
  const table = markdownTable(
    ['measure', 'calls', 'p50 ms', 'p95 ms', 'p99 ms'],
    [
      [
        'availability, service call in-process (baseline)',
        summary.direct.count,
        summary.direct.p50,
        summary.direct.p95,
        summary.direct.p99,
      ],
      [
        'availability over HTTP, 1 client',
        summary.http1.count,
        summary.http1.p50,
        summary.http1.p95,
        summary.http1.p99,
      ],
      [
        'availability over HTTP, 8 clients',
        summary.http8.count,
        summary.http8.p50,
        summary.http8.p95,
        summary.http8.p99,
      ],
      [
        'booking over HTTP, 32 clients',
        summary.booking.count,
        summary.booking.p50,
        summary.booking.p95,
        summary.booking.p99,
      ],
    ],
    ['l', 'r', 'r', 'r', 'r'],
  );
  const md = [
    `**${day}**. Machine: ${result.machine.cpu}, ${result.machine.cpus} cores, ${result.machine.memGiB} GiB; Node ${process.version}; PostgreSQL ${postgres}. Load average at start ${loadStart.join(' / ')}, at end ${loadEnd.join(' / ')}.`,
    `Diary: ${diary.rows} appointments of ${settings.patients} patients with ${PRACTITIONERS} practitioners (08:00-20:00 every day, 85 % of half-hour slots taken), loaded in ${diary.seconds} s.`,
    '',
    table,
    '',
    `- Availability p95 over HTTP, 1 client: ${summary.http1.p95} ms (aim < 15 ms: **${summary.http1.p95 < 15 ? 'met' : 'not met'}**).`,
    `- Booking, 32 clients for ${round(bookingSeconds, 1)} s: ${created} booked (${result.bookingRun.bookedPerSecond}/s), ${conflicts} refused with 409 (slot or patient already taken), ${other.length ? `other answers ${JSON.stringify(Object.fromEntries(other))}` : 'no other answers'}.`,
    `- Double bookings after the run: **${overlaps}**; live appointments without their booking row: **${unbooked}**.`,
  ].join('\n');
  recordResults(
    ROOT,
    {
      key: 'scheduling',
      command: 'npm run bench:scheduling',
      title: 'Scheduling: availability and booking',
      heading: 'Scheduling benchmark',
    },
    { day, result, md, outDir: settings.outDir },
  );
  log(`\n${md}\n`);
  if (overlaps !== 0 || unbooked !== 0 || other.length > 0) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  if (!resources.interrupted()) log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await resources.cleanup();
}
