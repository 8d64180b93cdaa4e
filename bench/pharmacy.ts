/**
 * `npm run bench:pharmacy`: dispensing throughput and the pharmacy's read queries on a large
 * catalogue and ledger.
 *
 * For each target (PostgreSQL, then the embedded PGlite):
 * 1. Creates two throwaway databases. The "full" one gets 10,000 products with 4 lots each and
 *    1,000,000 stock moves over the last year, loaded with set-based SQL in the order of their
 *    times (the ledger's trigger keeps every lot's balance as it would in production), a few
 *    open purchase orders, and signed prescriptions to dispense against. The "empty" one gets
 *    the same catalogue and prescriptions and no history: the same-run baseline of a dispense.
 * 2. Times each query of the dashboard in this process and records EXPLAIN (ANALYZE, BUFFERS).
 * 3. Starts the real server (`clinica start`) on each database, signs in as a pharmacist and
 *    times the read routes one at a time (dashboard, stock, product search, suggestions), then
 *    drives dispenses with N concurrent clients: spread over many products, all on one product
 *    (they queue on its lock by design), on the empty ledger, and a plain product read as the
 *    baseline, in ABBA order.
 * 4. Checks that every lot's balance still equals the sum of its moves.
 * 5. Writes bench/results/pharmacy-<date>.{json,md} and the docs/performance.md section.
 *
 * Settings (environment): BENCH_DATABASE_URL (admin connection, default
 * postgres://postgres@127.0.0.1:5432/test), BENCH_TARGETS (postgresql,pglite), BENCH_PRODUCTS
 * (10000; 100 moves each), BENCH_CONNECTIONS (16), BENCH_SECONDS (5 per scenario and round),
 * BENCH_ROUNDS (4), BENCH_QUERY_RUNS (30), BENCH_PGLITE_MAX_LOAD_SECONDS (300), BENCH_OUT=<dir>,
 * BENCH_KEEP=1 (keep the PostgreSQL databases for diagnosis; drop them by hand afterwards).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createServices } from '../src/app.js';
import { seedPatients } from '../src/cli/seed.js';
import { loadConfig } from '../src/config.js';
import * as dashboard from '../src/modules/pharmacy/dashboard.repository.js';
import { searchProducts, stockDiscrepancies, stockLevels } from '../src/modules/pharmacy/pharmacy.repository.js';
import { reorderSuggestions } from '../src/modules/pharmacy/purchasing.repository.js';
import { type Database, openDatabase, type Queryable } from '../src/platform/db/database.js';
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
  recordResults,
  round,
  Samples,
  startChild,
  stopChild,
  waitReady,
} from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
type Kind = 'postgresql' | 'pglite';
const settings = {
  adminUrl: process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  targets: (process.env.BENCH_TARGETS || 'postgresql,pglite')
    .split(',')
    .map((t) => t.trim())
    .filter((t): t is Kind => t === 'postgresql' || t === 'pglite'),
  products: intEnv('BENCH_PRODUCTS', 10_000),
  connections: intEnv('BENCH_CONNECTIONS', 16),
  seconds: intEnv('BENCH_SECONDS', 5),
  rounds: intEnv('BENCH_ROUNDS', 4),
  queryRuns: intEnv('BENCH_QUERY_RUNS', 30),
  pgliteMaxLoadSeconds: intEnv('BENCH_PGLITE_MAX_LOAD_SECONDS', 300),
  outDir: process.env.BENCH_OUT ? path.resolve(process.env.BENCH_OUT) : undefined,
  /** Leaves the PostgreSQL databases in place (their URLs are printed) to try indexes and plans on. */
  keep: process.env.BENCH_KEEP === '1',
};
const LOTS_PER_PRODUCT = 4;
/** Per lot: two deliveries, then dispenses until what is left (the moves of a product: 100). */
const RECEIPTS_PER_LOT = 2;
const DISPENSES_PER_LOT = 23;
const MOVES_PER_SLICE = 100_000;
const PATIENTS = 2_000;
/** Every dispense serves a whole prescription line of 2 units, so no line is dispensed twice. */
const LINES_PER_PRESCRIPTION = 3;
const DISPENSE_QUANTITY = 2;
const SPREAD_PRODUCTS = 2_000;
const OPEN_ORDERS = 40;
const EXPIRY_ALERT_DAYS = 60;
const TIME_ZONE = 'Europe/Madrid';
const SLOW_P95_MS = 200;
/** Runs of each query in process: enough to rank them; the routes over HTTP get BENCH_QUERY_RUNS. */
const IN_PROCESS_RUNS = 5;
const PHARMACIST = { email: 'bench-pharmacist@bench.clinica.local', password: 'bench-password-2026' };
const SEARCH_TERMS = ['amoxi', 'ibupro', 'paracetamol', 'omepra', 'glargina', 'crema', '500 mg'];

const log = (line: string) => process.stdout.write(`${line}\n`);

// Cleanup: servers, pools, databases and work folders, also on failure or Ctrl-C.
const workDir = fileURLToPath(new URL(`.work/pharmacy-${process.pid}`, import.meta.url));
const children: Child[] = [];
const databases: PostgresDatabase[] = [];
const pools = new Set<Database>();
async function cleanup() {
  for (const c of children) await stopChild(c);
  for (const db of pools) await db.close().catch(() => {});
  pools.clear();
  for (const d of databases.splice(0)) await dropBenchDatabase(d, log);
  fs.rmSync(workDir, { recursive: true, force: true });
}
const interrupted = cleanUpOnInterrupt(children, cleanup, log);

const loadSamples: { at: string; load: number[] }[] = [];
const sampleLoad = () => loadSamples.push({ at: new Date().toISOString(), load: os.loadavg().map((l) => round(l, 2)) });

// Data ----------------------------------------------------------------------------------------

const NAMES = [
  'Amoxicilina',
  'Ibuprofeno',
  'Paracetamol',
  'Omeprazol',
  'Metformina',
  'Enalapril',
  'Atorvastatina',
  'Simvastatina',
  'Losartán',
  'Amlodipino',
  'Salbutamol',
  'Clorhexidina',
  'Lidocaína',
  'Articaína',
  'Diclofenaco',
  'Naproxeno',
  'Metronidazol',
  'Azitromicina',
  'Clindamicina',
  'Dexametasona',
  'Prednisona',
  'Loratadina',
  'Cetirizina',
  'Lorazepam',
  'Diazepam',
  'Tramadol',
  'Codeína',
  'Ciprofloxacino',
  'Levotiroxina',
  'Furosemida',
  'Hidroclorotiazida',
  'Bisoprolol',
  'Ácido acetilsalicílico',
  'Fluconazol',
  'Aciclovir',
  'Pantoprazol',
  'Insulina glargina',
  'Enoxaparina',
  'Nistatina',
  'Benzocaína',
];
const STRENGTHS = ['5 mg', '10 mg', '20 mg', '25 mg', '50 mg', '100 mg', '250 mg', '500 mg', '750 mg', '1 g'];
const FORMS = ['comprimidos', 'cápsulas', 'solución oral', 'crema', 'inyectable'];
const PACKS = ['10 u.', '20 u.', '30 u.', '60 u.', '100 u.'];
const CATEGORIES = ['antibiótico', 'analgésico', 'antiinflamatorio', 'anestésico', 'cardiovascular', 'digestivo'];

interface Loaded {
  products: number;
  lots: number;
  moves: number;
  prescriptionLines: number;
  seconds: { catalogue: number; moves: number; vacuumAndCheckpoint: number; total: number };
  movesPerSecond: number;
  belowMinimum: number;
  lotsExpiringSoon: number;
  lotsExpiredWithStock: number;
  databaseMiB: number;
  stockMovesMiB: number;
}

/** The catalogue (and, for the full database, its lots), the bench lots and the prescriptions. */
async function loadCatalogue(db: Database, full: boolean, userId: string, doctorId: string) {
  await db.query(
    `create unlogged table bench_products as select n, gen_random_uuid() as id from generate_series(1, $1::int) n`,
    [settings.products],
  );
  await db.query(
    `insert into products (id, kind, name, generic_name, dosage_strength, form, category, barcode, unit, sale_price,
       tax_rate, cost, min_stock, max_stock)
     select b.id, case when b.n % 10 = 0 then 'supply' else 'medicine' end,
        ($1::text[])[1 + b.n % 40] || ' ' || ($2::text[])[1 + (b.n / 40) % 10] || ' ' || ($3::text[])[1 + (b.n / 400) % 5]
          || ' ' || ($4::text[])[1 + (b.n / 2000) % 5],
        lower(($1::text[])[1 + b.n % 40]), ($2::text[])[1 + (b.n / 40) % 10], ($3::text[])[1 + (b.n / 400) % 5],
        ($5::text[])[1 + b.n % 6], '84' || lpad(b.n::text, 11, '0'), 'unit', 1.95 + b.n % 50,
        case when b.n % 10 = 0 then 21 else 4 end, (1 + b.n % 40) / 2.0, 10 * (1 + b.n % 10), 40 * (1 + b.n % 10)
       from bench_products b`,
    [NAMES, STRENGTHS, FORMS, PACKS, CATEGORIES],
  );
  if (full) {
    // A lot arrives every 90 days (the first about 11 months ago) and is dispensed until the
    // next one comes, so consumption is even over the year. What is left sits mostly in the
    // newest lot; one product in seven still holds some of its first lot, which expires from
    // 20 days ago to a year ahead (some expired, some inside the alert window). Products
    // n % 12 = 0 were used up: below their minimum. Lots already inside the alert window count
    // as announced, as the expiry job would have done before this run.
    await db.query(
      `create unlogged table bench_lots as
       select p.n, j, gen_random_uuid() as id, p.id as product_id,
              now() - make_interval(days => 350 - (j - 1) * 90 - p.n % 20) as received_at,
              case j when 1 then current_date + (p.n * 37) % 400 - 20
                     when 2 then current_date + 60 + (p.n * 53) % 300
                     when 3 then current_date + 200 + (p.n * 29) % 300
                     else current_date + 330 + (p.n * 31) % 300 end as expires_on,
              case when p.n % 12 = 0 then 0
                   when j = ${LOTS_PER_PRODUCT} then 60 + (p.n * 7) % 150
                   when j = 1 and p.n % 7 = 0 then 10 + (p.n * 3) % 40
                   else 0 end as leftover
         from bench_products p cross join generate_series(1, ${LOTS_PER_PRODUCT}) j`,
    );
    await db.query(
      `insert into lots (id, product_id, lot_number, expires_on, created_at, expiry_alerted_at)
       select id, product_id, 'L' || lpad(n::text, 5, '0') || '-' || j, expires_on, received_at,
              case when expires_on <= current_date + ${EXPIRY_ALERT_DAYS} then now() end
         from bench_lots`,
    );
  }
  // The stock the throughput run dispenses from: a large fresh lot of the contended product
  // (n = 1) and of the products the spread run picks from (not the used-up ones).
  await db.query(
    `create unlogged table bench_stocked as
     select n, id from bench_products where n = 1 or n % 12 <> 0 order by n limit $1::int + 1`,
    [SPREAD_PRODUCTS],
  );
  await db.query(
    `with made as (
       insert into lots (id, product_id, lot_number, expires_on)
       select gen_random_uuid(), id, 'BENCH-' || n, current_date + 800 from bench_stocked
       returning id, product_id)
     insert into stock_moves (id, kind, product_id, lot_id, quantity, user_id, created_at)
     select gen_random_uuid(), 'receipt', made.product_id, made.id,
            case when made.product_id = (select id from bench_products where n = 1) then 1000000 else 10000 end,
            $1, now() - interval '1 day'
       from made`,
    [userId],
  );
  // Signed prescriptions of the seeded patients: written as drafts with their lines, then signed.
  const prescriptions = Math.ceil(estimateDispenses() / LINES_PER_PRESCRIPTION);
  await db.query(
    `insert into prescriptions (patient_id, id, number, prescriber_user_id, prescribed_on)
     select pt.id, gen_random_uuid(), 'PRN' || lpad(nextval('prescription_number_seq')::text, 5, '0'), $2, current_date
       from generate_series(1, $1::int) g
       join (select row_number() over (order by id) as rn, id from patients) pt on pt.rn = 1 + g % ${PATIENTS}`,
    [prescriptions, doctorId],
  );
  await db.query(
    `insert into prescription_lines (patient_id, prescription_id, line_no, medicament, form, quantity, food_timing, days)
     select p.patient_id, p.id, k, 'Bench ' || k, 'tablet', ${DISPENSE_QUANTITY}, 'any', 7
       from prescriptions p cross join generate_series(1, ${LINES_PER_PRESCRIPTION}) k
      where p.status = 'draft'`,
  );
  await db.query(`update prescriptions set status = 'signed', signed_at = now() where status = 'draft'`);
}

/** Dispenses the throughput run may need at most: enough lines that none is dispensed twice. */
function estimateDispenses() {
  // Generous: 400 dispenses/s for every scenario and round, plus warm-ups.
  return 400 * settings.seconds * (settings.rounds * 2 + 2);
}

/** The year of history: receipts and dispenses of every lot, inserted in the order of their times. */
async function loadMoves(db: Database, userId: string, maxSeconds: number | undefined) {
  await db.query(
    `create unlogged table bench_moves as
     select row_number() over (order by at) as seq, m.* from (
       select l.id as lot_id, l.product_id, 'receipt' as kind,
              case r.i when 1 then ceil(t.total / 2.0) else t.total - ceil(t.total / 2.0) end as quantity,
              l.received_at + (r.i - 1) * interval '2 hours' as at, null::uuid as ref
         from bench_lots l
        cross join lateral (select l.leftover + (select sum(1 + (l.n * 7 + l.j * 13 + k * 17) % 5)
                                                   from generate_series(1, ${DISPENSES_PER_LOT}) k) as total) t
        cross join generate_series(1, ${RECEIPTS_PER_LOT}) r(i)
       union all
       select l.id, l.product_id, 'dispense', -(1 + (l.n * 7 + l.j * 13 + k * 17) % 5),
              l.received_at + interval '1 day'
                + ((k - 1) + random()) / ${DISPENSES_PER_LOT}
                  * (least(now() - interval '10 minutes', l.received_at + interval '90 days') - l.received_at - interval '1 day'),
              gen_random_uuid()
         from bench_lots l cross join generate_series(1, ${DISPENSES_PER_LOT}) k
     ) m`,
  );
  await db.query('create index on bench_moves (seq)');
  const total = Number((await db.query<{ n: string }>('select count(*)::text as n from bench_moves')).rows[0]?.n);
  const started = performance.now();
  for (let from = 0; from < total; from += MOVES_PER_SLICE) {
    await db.query(
      `insert into stock_moves (id, kind, product_id, lot_id, quantity, reference_type, reference_id, reference_line,
         user_id, created_at)
       select gen_random_uuid(), kind, product_id, lot_id, quantity,
              case when ref is not null then 'prescription_line' end, ref, case when ref is not null then 1 end, $3, at
         from bench_moves where seq > $1 and seq <= $2 order by seq`,
      [from, from + MOVES_PER_SLICE, userId],
    );
    process.stdout.write('.');
    const elapsed = (performance.now() - started) / 1000;
    const projected = (elapsed / Math.min(total, from + MOVES_PER_SLICE)) * total;
    if (maxSeconds !== undefined && from === 0 && projected > maxSeconds) {
      process.stdout.write('\n');
      return { moves: MOVES_PER_SLICE, seconds: elapsed, abandoned: round(projected) };
    }
  }
  process.stdout.write('\n');
  return { moves: total, seconds: (performance.now() - started) / 1000, abandoned: undefined };
}

/** A few open purchase orders of low products: what the suggestions subtract as on order. */
async function loadPurchaseOrders(db: Database, userId: string) {
  await db.query(
    `insert into vendors (id, name, email)
     select gen_random_uuid(), 'Distribuidora ' || v, 'pedidos' || v || '@vendor.example' from generate_series(1, 10) v`,
  );
  await db.query(
    `insert into purchase_orders (id, number, vendor_id, status, created_by, created_at, confirmed_at)
     select gen_random_uuid(), 'P' || lpad(o::text, 5, '0'),
            (select id from vendors order by id offset o % 10 limit 1),
            case when o % 2 = 0 then 'confirmed' else 'draft' end, $1, now() - make_interval(days => o),
            case when o % 2 = 0 then now() - make_interval(days => o) end
       from generate_series(1, ${OPEN_ORDERS}) o`,
    [userId],
  );
  await db.query(`update purchase_order_numbers set last_value = ${OPEN_ORDERS}`);
  await db.query(
    `insert into purchase_order_lines (purchase_order_id, line_no, product_id, quantity, unit_cost, tax_rate, subtotal, tax, total)
     select o.id, k, p.id, 20, p.cost, p.tax_rate, round(20 * p.cost, 2), round(round(20 * p.cost, 2) * p.tax_rate / 100, 2),
            round(20 * p.cost, 2) + round(round(20 * p.cost, 2) * p.tax_rate / 100, 2)
       from (select id, row_number() over (order by number) as o from purchase_orders) o
      cross join generate_series(1, 5) k
       join bench_products b on b.n = 12 * ((o.o - 1) * 5 + k)
       join products p on p.id = b.id`,
  );
  await db.query(
    `update purchase_orders o set subtotal = s.subtotal, tax_total = s.tax, total = s.subtotal + s.tax
       from (select purchase_order_id, sum(subtotal) as subtotal, sum(tax) as tax from purchase_order_lines
              group by purchase_order_id) s
      where s.purchase_order_id = o.id`,
  );
}

interface Prepared {
  kind: Kind;
  label: 'full' | 'empty';
  /** Environment of the server on this database. */
  serverEnv: NodeJS.ProcessEnv;
  open(): Promise<Database>;
  drop(): Promise<void>;
  version: string;
  loaded: Loaded | undefined;
  lines: { prescriptionId: string; lineNo: number }[];
  hot: string;
  spread: string[];
}

async function prepare(kind: Kind, label: 'full' | 'empty'): Promise<Prepared | { abandoned: string }> {
  const t0 = performance.now();
  const dataDir = path.join(workDir, `${kind}-${label}`);
  fs.mkdirSync(dataDir, { recursive: true });
  let open: () => Promise<Database>;
  let drop: () => Promise<void> = async () => {};
  const serverEnv: NodeJS.ProcessEnv = { DATA_DIR: dataDir };
  if (kind === 'postgresql') {
    const database = await createPostgresDatabase({ adminUrl: settings.adminUrl, prefix: 'clinica_bench' });
    databases.push(database);
    serverEnv.DATABASE_URL = database.url;
    open = () => openDatabase({ url: database.url, poolSize: 4 });
    drop = async () => {
      databases.splice(databases.indexOf(database), 1);
      await dropBenchDatabase(database, log);
    };
  } else {
    open = () => openDatabase({ dataDir: path.join(dataDir, 'db') });
  }
  const db = await open();
  pools.add(db);
  try {
    const version = (await db.query<{ v: string }>('select version() as v')).rows[0]?.v ?? '?';
    await migrate(db);
    const config = loadConfig({
      ...(serverEnv.DATABASE_URL ? { DATABASE_URL: serverEnv.DATABASE_URL } : {}),
      DATA_DIR: dataDir,
      PUBLIC_URL: 'http://127.0.0.1:1',
      LOG_LEVEL: 'warn',
      CLINIC_TIMEZONE: TIME_ZONE,
    });
    const services = await createServices(config, db);
    const pharmacist = await services.users.create(
      { email: PHARMACIST.email, roles: ['pharmacist'], password: PHARMACIST.password },
      SYSTEM_CONTEXT,
    );
    const doctor = await services.users.create(
      { email: 'bench-doctor@bench.clinica.local', roles: ['doctor'] },
      SYSTEM_CONTEXT,
    );
    await seedPatients(services, PATIENTS, false);
    const full = label === 'full';
    await loadCatalogue(db, full, pharmacist.id, doctor.id);
    const catalogueSeconds = (performance.now() - t0) / 1000;
    let moves = { moves: 0, seconds: 0, abandoned: undefined as number | undefined };
    if (full) {
      log(`${kind}: loading ${settings.products * 100} stock moves…`);
      moves = await loadMoves(db, pharmacist.id, kind === 'pglite' ? settings.pgliteMaxLoadSeconds : undefined);
      if (moves.abandoned !== undefined) {
        return {
          abandoned: `loading the ledger would take about ${moves.abandoned} s (the first ${MOVES_PER_SLICE} moves took ${round(moves.seconds, 1)} s), over the limit of ${settings.pgliteMaxLoadSeconds} s (BENCH_PGLITE_MAX_LOAD_SECONDS)`,
        };
      }
      await loadPurchaseOrders(db, pharmacist.id);
    }
    // The low-stock flags as the moves' transactions would have left them.
    await db.query(
      `update products p set below_min = level.below
         from (select p.id, (select coalesce(sum(s.quantity), 0) from lot_stock s where s.product_id = p.id) < p.min_stock
                 as below from products p) level
        where level.id = p.id and p.below_min <> level.below`,
    );
    const ids = (await db.query<{ id: string; n: number }>('select id, n from bench_stocked order by n')).rows;
    const lines = (
      await db.query<{ prescription_id: string; line_no: number }>(
        'select prescription_id, line_no from prescription_lines order by random()',
      )
    ).rows.map((r) => ({ prescriptionId: r.prescription_id, lineNo: r.line_no }));
    await db.query('drop table if exists bench_moves');
    await db.query('drop table if exists bench_lots');
    await db.query('drop table bench_stocked');
    await db.query('drop table bench_products');
    const v0 = performance.now();
    // Production has autovacuum; a freshly loaded table has no visibility map yet.
    await db.query('vacuum analyze');
    // Write the loaded pages out now rather than during the measurements (superuser only).
    await db.query('checkpoint').catch(() => {});
    const vacuumSeconds = (performance.now() - v0) / 1000;
    let loaded: Loaded | undefined;
    if (full) {
      const counts = (
        await db.query<{
          products: number;
          lots: number;
          moves: number;
          below: number;
          soon: number;
          expired: number;
          db_bytes: string;
          moves_bytes: string;
        }>(
          `select (select count(*)::int from products) as products, (select count(*)::int from lots) as lots,
              (select count(*)::int from stock_moves) as moves,
              (select count(*)::int from products where below_min) as below,
              (select count(*)::int from lots l join lot_stock s on s.lot_id = l.id
                where s.quantity > 0 and l.expires_on between current_date and current_date + ${EXPIRY_ALERT_DAYS}) as soon,
              (select count(*)::int from lots l join lot_stock s on s.lot_id = l.id
                where s.quantity > 0 and l.expires_on < current_date) as expired,
              pg_database_size(current_database())::text as db_bytes,
              pg_total_relation_size('stock_moves')::text as moves_bytes`,
        )
      ).rows[0];
      if (!counts) throw new Error('no counts');
      loaded = {
        products: counts.products,
        lots: counts.lots,
        moves: counts.moves,
        prescriptionLines: lines.length,
        seconds: {
          catalogue: round(catalogueSeconds, 1),
          moves: round(moves.seconds, 1),
          vacuumAndCheckpoint: round(vacuumSeconds, 1),
          total: round((performance.now() - t0) / 1000, 1),
        },
        movesPerSecond: round(moves.moves / Math.max(moves.seconds, 0.001)),
        belowMinimum: counts.below,
        lotsExpiringSoon: counts.soon,
        lotsExpiredWithStock: counts.expired,
        databaseMiB: round(Number(counts.db_bytes) / 2 ** 20),
        stockMovesMiB: round(Number(counts.moves_bytes) / 2 ** 20),
      };
    }
    const hot = ids[0]?.id;
    if (!hot) throw new Error('no products');
    return {
      kind,
      label,
      serverEnv,
      open,
      drop,
      version,
      loaded,
      lines,
      hot,
      spread: ids.slice(1).map((r) => r.id),
    };
  } finally {
    await db.close();
    pools.delete(db);
  }
}

// Queries in process: each query of the dashboard, and its plan --------------------------------

const addDays = (date: string, days: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date());
const windowOf = (days: number): dashboard.DashboardWindow => ({
  from: addDays(today(), 1 - days),
  to: today(),
  expiringBy: addDays(today(), EXPIRY_ALERT_DAYS),
  timeZone: TIME_ZONE,
});

/** The queries the read routes run, by name, each a call on a Queryable. */
const QUERIES: { name: string; run: (q: Queryable) => Promise<unknown> }[] = [
  { name: 'dashboard: low stock', run: (q) => dashboard.lowStock(q) },
  { name: 'dashboard: expiring lots', run: (q) => dashboard.expiringLots(q, windowOf(30)) },
  { name: 'dashboard: consumption, 30 days', run: (q) => dashboard.consumption(q, windowOf(30)) },
  { name: 'dashboard: consumption, 365 days', run: (q) => dashboard.consumption(q, windowOf(365)) },
  { name: 'dashboard: top products, 30 days', run: (q) => dashboard.topProducts(q, windowOf(30)) },
  { name: 'dashboard: top products, 365 days', run: (q) => dashboard.topProducts(q, windowOf(365)) },
  { name: 'dashboard: open purchase orders', run: (q) => dashboard.openPurchaseOrders(q) },
  { name: 'dashboard: totals (stock value)', run: (q) => dashboard.totals(q) },
  { name: 'stock?low=true', run: (q) => stockLevels(q, { low: true, limit: 20, today: today() }) },
  { name: 'products?q=amoxi', run: (q) => searchProducts(q, { q: 'amoxi', limit: 20 }) },
  { name: 'purchase-orders/suggestions', run: (q) => reorderSuggestions(q) },
];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Heap Fetches'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

function planLines(node: PlanNode, depth = 0, out: string[] = []): string[] {
  const on = node['Relation Name'] ? ` on ${node['Relation Name']}` : '';
  const using = node['Index Name'] ? ` using ${node['Index Name']}` : '';
  const rows = node['Actual Rows'] !== undefined ? ` rows=${node['Actual Rows']}` : '';
  const loops = (node['Actual Loops'] ?? 1) > 1 ? ` loops=${node['Actual Loops']}` : '';
  const heap = node['Heap Fetches'] !== undefined ? ` heap fetches=${node['Heap Fetches']}` : '';
  out.push(`${'  '.repeat(depth)}${node['Node Type']}${using}${on}${rows}${loops}${heap}`);
  for (const child of node.Plans ?? []) planLines(child, depth + 1, out);
  return out;
}

function seqScans(node: PlanNode, out: string[] = []): string[] {
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) {
    out.push(`${node['Relation Name']} (${node['Actual Rows']} rows × ${node['Actual Loops']} loops)`);
  }
  for (const child of node.Plans ?? []) seqScans(child, out);
  return out;
}

async function queriesInProcess(db: Database) {
  const timings: { name: string; runs: number; p50: number; p95: number; max: number }[] = [];
  const plans: {
    name: string;
    statement: number;
    executionMs: number;
    planningMs: number;
    sharedHit: number;
    sharedRead: number;
    seqScans: string[];
    plan: string[];
  }[] = [];
  for (const query of QUERIES) {
    const samples = new Samples();
    await query.run(db);
    for (let i = 0; i < IN_PROCESS_RUNS; i++) {
      const t = performance.now();
      await query.run(db);
      samples.push(performance.now() - t);
    }
    const s = samples.summary();
    timings.push({ name: query.name, runs: s.count, p50: s.p50, p95: s.p95, max: s.max });
    // The statements exactly as the code sends them, explained one by one.
    const captured: { sql: string; params: unknown[] }[] = [];
    const capture: Queryable = {
      query: async (sql, params) => {
        captured.push({ sql, params: params ?? [] });
        return { rows: [], rowCount: 0 };
      },
      exec: async () => {},
    };
    await query.run(capture);
    for (const [i, statement] of captured.entries()) {
      const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(
        `explain (analyze, buffers, format json) ${statement.sql}`,
        statement.params,
      );
      const raw = rows[0]?.['QUERY PLAN'];
      const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as {
        Plan: PlanNode;
        'Execution Time': number;
        'Planning Time': number;
      }[];
      const top = parsed[0];
      if (!top) continue;
      plans.push({
        name: query.name,
        statement: i + 1,
        executionMs: round(top['Execution Time'], 2),
        planningMs: round(top['Planning Time'], 2),
        sharedHit: top.Plan['Shared Hit Blocks'] ?? 0,
        sharedRead: top.Plan['Shared Read Blocks'] ?? 0,
        seqScans: seqScans(top.Plan),
        plan: planLines(top.Plan),
      });
    }
  }
  return { timings, plans };
}

// HTTP ------------------------------------------------------------------------------------------

interface Server {
  child: Child;
  base: string;
  headers: Record<string, string>;
}

async function startServer(p: Prepared): Promise<Server> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = startChild(
    `server (${p.kind}, ${p.label})`,
    ['--import', 'tsx', 'src/cli/main.ts', 'start'],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      ...p.serverEnv,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: base,
      LOG_LEVEL: 'warn',
      CLINIC_TIMEZONE: TIME_ZONE,
      STOCK_EXPIRY_ALERT_DAYS: String(EXPIRY_ALERT_DAYS),
      ACCESS_TOKEN_TTL_SECONDS: '86400',
      LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    },
    ROOT,
  );
  children.push(child);
  await waitReady(child, `${base}/readyz`, 180_000);
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(PHARMACIST),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const token = ((await login.json()) as { accessToken: string }).accessToken;
  return { child, base, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } };
}

const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)] as T;

/** The read routes, one request at a time, interleaved so that drift of the machine hits all alike. */
async function routesOverHttp(server: Server, p: Prepared) {
  const routes: { name: string; path: () => string; check?: (body: unknown) => string | undefined }[] = [
    { name: 'GET /products/{id} (baseline)', path: () => `/api/v1/products/${pick(p.spread)}` },
    {
      name: 'GET /pharmacy/dashboard?days=30',
      path: () => '/api/v1/pharmacy/dashboard?days=30',
      check: (b) => dashboardCheck(b, 30),
    },
    {
      name: 'GET /pharmacy/dashboard?days=365',
      path: () => '/api/v1/pharmacy/dashboard?days=365',
      check: (b) => dashboardCheck(b, 365),
    },
    { name: 'GET /stock?low=true', path: () => '/api/v1/stock?low=true' },
    { name: 'GET /stock?low=true&limit=100', path: () => '/api/v1/stock?low=true&limit=100' },
    { name: 'GET /products?q=<term>', path: () => `/api/v1/products?q=${encodeURIComponent(pick(SEARCH_TERMS))}` },
    { name: 'GET /purchase-orders/suggestions', path: () => '/api/v1/purchase-orders/suggestions' },
  ];
  const samples = routes.map(() => new Samples());
  const bytes = routes.map(() => 0);
  const problems: string[] = [];
  for (let i = -3; i < settings.queryRuns; i++) {
    for (const [r, route] of routes.entries()) {
      const t = performance.now();
      const res = await fetch(`${server.base}${route.path()}`, { headers: server.headers });
      const text = await res.text();
      const ms = performance.now() - t;
      if (!res.ok) throw new Error(`${route.name}: ${res.status} ${text.slice(0, 300)}`);
      if (i < 0) {
        const problem = i === -3 ? route.check?.(JSON.parse(text)) : undefined;
        if (problem) problems.push(`${route.name}: ${problem}`);
        continue;
      }
      samples[r]?.push(ms);
      bytes[r] = text.length;
    }
  }
  return {
    problems,
    routes: routes.map((route, r) => ({
      name: route.name,
      bytes: bytes[r] ?? 0,
      ...(samples[r] as Samples).summary(),
    })),
  };
}

/** The dashboard answered what the data holds: every day of the chart, low and expiring stock. */
function dashboardCheck(body: unknown, days: number): string | undefined {
  const b = body as {
    consumption: { quantity: string }[];
    lowStock: unknown[];
    expiring: unknown[];
    topProducts: unknown[];
    openPurchaseOrders: unknown[];
  };
  if (b.consumption.length !== days) return `${b.consumption.length} days in the chart, not ${days}`;
  const daysWithData = b.consumption.filter((d) => Number(d.quantity) > 0).length;
  if (daysWithData < days * 0.9) return `only ${daysWithData} of ${days} days with consumption`;
  if (b.lowStock.length === 0) return 'no low stock';
  if (b.expiring.length === 0) return 'no expiring lots';
  if (b.topProducts.length === 0) return 'no top products';
  if (b.openPurchaseOrders.length === 0) return 'no open purchase orders';
  return undefined;
}

interface Scenario {
  name: string;
  server: Server;
  /** The request to send next, or undefined when the prescriptions ran out. */
  next: () => { method: 'GET' | 'POST'; path: string; body?: string } | undefined;
}

interface Drive {
  ok: number;
  seconds: number;
  samples: Samples;
  statuses: Record<string, number>;
  appCpuSeconds: number;
  ranOut: boolean;
}

/** `connections` clients sending requests back to back for `seconds`. */
async function drive(s: Scenario, seconds: number): Promise<Drive> {
  const samples = new Samples();
  const statuses: Record<string, number> = {};
  let ok = 0;
  let ranOut = false;
  const cpu0 = cpuSeconds(s.server.child.pid);
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: settings.connections }, async () => {
      while (performance.now() < until) {
        const request = s.next();
        if (!request) {
          ranOut = true;
          return;
        }
        const t = performance.now();
        const res = await fetch(`${s.server.base}${request.path}`, {
          method: request.method,
          headers: s.server.headers,
          ...(request.body ? { body: request.body } : {}),
        });
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.ok) {
          ok++;
          samples.push(performance.now() - t);
        }
      }
    }),
  );
  return {
    ok,
    seconds: (performance.now() - started) / 1000,
    samples,
    statuses,
    appCpuSeconds: cpuSeconds(s.server.child.pid) - cpu0,
    ranOut,
  };
}

/** Dispense requests, each for the next unused prescription line of `lines`. */
function dispenser(lines: Prepared['lines'], productOf: () => string): Scenario['next'] {
  let i = 0;
  return () => {
    const line = lines[i++];
    if (!line) return undefined;
    return {
      method: 'POST',
      path: `/api/v1/prescriptions/${line.prescriptionId}/lines/${line.lineNo}/dispense`,
      body: JSON.stringify({ productId: productOf(), quantity: String(DISPENSE_QUANTITY) }),
    };
  };
}

async function throughput(full: Prepared, fullServer: Server, empty: Prepared, emptyServer: Server) {
  // The full database's lines are shared out between its two dispensing scenarios.
  const half = Math.floor(full.lines.length / 2);
  const scenarios: Scenario[] = [
    {
      name: 'GET /products/{id} (baseline)',
      server: fullServer,
      next: () => ({ method: 'GET', path: `/api/v1/products/${pick(full.spread)}` }),
    },
    {
      name: `dispense, spread over ${full.spread.length.toLocaleString('en')} products`,
      server: fullServer,
      next: dispenser(full.lines.slice(0, half), () => pick(full.spread)),
    },
    {
      name: 'dispense, all on one product',
      server: fullServer,
      next: dispenser(full.lines.slice(half), () => full.hot),
    },
    {
      name: 'dispense, spread, empty ledger',
      server: emptyServer,
      next: dispenser(empty.lines, () => pick(empty.spread)),
    },
  ];
  const results = new Map<string, Drive[]>();
  for (const s of scenarios) results.set(s.name, []);
  const warmUp = Math.min(3, settings.seconds);
  log(`  warm-up (${warmUp} s each)`);
  for (const s of scenarios) await drive(s, warmUp);
  for (let r = 0; r < settings.rounds; r++) {
    const order = r % 2 === 0 ? scenarios : [...scenarios].reverse();
    for (const s of order) {
      const d = await drive(s, settings.seconds);
      results.get(s.name)?.push(d);
      log(`  round ${r + 1}: ${s.name}: ${round(d.ok / d.seconds, 1)}/s ${JSON.stringify(d.statuses)}`);
      sampleLoad();
    }
  }
  return scenarios.map((s) => {
    const runs = results.get(s.name) ?? [];
    const all = new Samples();
    for (const d of runs) all.append(d.samples);
    const ok = runs.reduce((n, d) => n + d.ok, 0);
    const seconds = runs.reduce((n, d) => n + d.seconds, 0);
    const statuses: Record<string, number> = {};
    for (const d of runs) for (const [k, v] of Object.entries(d.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
    const cpu = runs.reduce((n, d) => n + d.appCpuSeconds, 0);
    return {
      name: s.name,
      perSecond: round(ok / seconds, 1),
      perSecondByRound: runs.map((d) => round(d.ok / d.seconds, 1)),
      ...all.summary(),
      statuses,
      appCpuMsPerRequest: round((cpu * 1000) / Math.max(ok, 1), 2),
      ranOut: runs.some((d) => d.ranOut),
    };
  });
}

// Target --------------------------------------------------------------------------------------

async function runTarget(kind: Kind) {
  const started = performance.now();
  log(`\n== ${kind} ==`);
  log(`${kind}: loading the full database…`);
  const full = await prepare(kind, 'full');
  sampleLoad();
  if ('abandoned' in full) {
    log(`${kind}: not measured: ${full.abandoned}`);
    return { kind, skipped: full.abandoned };
  }
  const loaded = full.loaded as Loaded;
  log(
    `${kind}: ${loaded.moves} moves in ${loaded.seconds.moves} s (${loaded.movesPerSecond}/s); ${loaded.belowMinimum} products below minimum, ${loaded.lotsExpiringSoon} lots expiring within ${EXPIRY_ALERT_DAYS} days, ${loaded.lotsExpiredWithStock} expired lots holding stock.`,
  );
  log(`${kind}: loading the empty-ledger database…`);
  const empty = await prepare(kind, 'empty');
  if ('abandoned' in empty) throw new Error(empty.abandoned);

  log(`${kind}: queries in process and their plans…`);
  let db = await full.open();
  pools.add(db);
  const inProcess = await queriesInProcess(db);
  const discrepanciesBefore = (await stockDiscrepancies(db)).length;
  if (kind === 'pglite') {
    // The embedded database belongs to one process at a time: the server's, from now on.
    await db.close();
    pools.delete(db);
  }
  sampleLoad();

  log(`${kind}: starting the servers…`);
  const fullServer = await startServer(full);
  const emptyServer = await startServer(empty);
  log(`${kind}: read routes over HTTP, ${settings.queryRuns} runs each…`);
  const routes = await routesOverHttp(fullServer, full);
  sampleLoad();
  log(`${kind}: dispensing, ${settings.connections} clients, ${settings.rounds} × ${settings.seconds} s per scenario…`);
  const dispensing = await throughput(full, fullServer, empty, emptyServer);
  for (const server of [fullServer, emptyServer]) {
    await stopChild(server.child);
    children.splice(children.indexOf(server.child), 1);
  }
  if (kind === 'pglite') {
    db = await full.open();
    pools.add(db);
  }
  const discrepancies = await stockDiscrepancies(db);
  const after = (
    await db.query<{ moves: number; dispensed: number }>(
      `select (select count(*)::int from stock_moves) as moves,
          (select count(*)::int from stock_moves where kind = 'dispense' and created_at > now() - interval '1 hour') as dispensed`,
    )
  ).rows[0];
  await db.close();
  pools.delete(db);
  if (settings.keep && kind === 'postgresql') {
    log(`${kind}: kept the databases for diagnosis: ${full.serverEnv.DATABASE_URL} ${empty.serverEnv.DATABASE_URL}`);
    databases.splice(0);
  } else {
    await full.drop();
    await empty.drop();
  }
  return {
    kind,
    version: full.version,
    loaded,
    inProcess,
    routes: routes.routes,
    routeProblems: routes.problems,
    dispensing,
    checks: {
      discrepanciesBeforeRun: discrepanciesBefore,
      discrepanciesAfterRun: discrepancies.length,
      movesAfterRun: after?.moves,
      dispenseMovesWrittenByTheRun: after?.dispensed,
    },
    seconds: round((performance.now() - started) / 1000),
  };
}

// Report --------------------------------------------------------------------------------------

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const meminfo = fs.readFileSync('/proc/meminfo', 'utf8');
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return {
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? '?',
    cores: (cpuinfo.match(/^processor\s*:/gm) ?? []).length || os.cpus().length,
    memoryGiB: round(Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0) / 2 ** 20, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    commit,
  };
}

type TargetResult = Awaited<ReturnType<typeof runTarget>>;

/** a[i] / b[i] for each round: both figures of a round met the same state of the machine. */
const ratios = (a: number[], b: number[]) => a.map((v, i) => round(v / (b[i] ?? Number.NaN), 2)).join(', ');

function report(results: TargetResult[], m: ReturnType<typeof machine>, startedAt: Date) {
  const day = startedAt.toISOString().slice(0, 10);
  const loads = loadSamples.map((s) => s.load[0] ?? 0);
  const out: string[] = [
    `**${day}**, commit ${m.commit}. Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}.`,
    `Load average (1 min) from ${Math.min(...loads)} to ${Math.max(...loads)} during the run (start ${loadSamples[0]?.load.join(' / ')}, end ${loadSamples[loadSamples.length - 1]?.load.join(' / ')}): the machine was shared with other work, so read absolute figures as lower bounds and compare within a run.`,
  ];
  for (const r of results) {
    out.push('', `#### ${r.kind === 'postgresql' ? 'PostgreSQL' : 'Embedded PGlite'}`, '');
    if ('skipped' in r) {
      out.push(`Not measured: ${r.skipped}.`);
      continue;
    }
    const l = r.loaded;
    out.push(
      `${r.version.split(' on ')[0]}. Data: ${l.products.toLocaleString('en')} products, ${l.lots.toLocaleString('en')} lots, ${l.moves.toLocaleString('en')} stock moves over the last year (${l.stockMovesMiB} MiB with indexes; database ${l.databaseMiB} MiB); ${l.belowMinimum} products below their minimum, ${l.lotsExpiringSoon} lots expiring within ${EXPIRY_ALERT_DAYS} days, ${l.lotsExpiredWithStock} expired lots holding stock; ${l.prescriptionLines.toLocaleString('en')} signed prescription lines to dispense. Ledger loaded in ${l.seconds.moves} s (${l.movesPerSecond.toLocaleString('en')} moves/s through the balance trigger), whole load ${l.seconds.total} s.`,
      '',
      markdownTable(
        ['read route (1 client, full data)', 'runs', 'p50 ms', 'p95 ms', 'max ms', 'size'],
        r.routes.map((q) => [q.name, q.count, q.p50, q.p95, q.max, `${round(q.bytes / 1024, 1)} kB`]),
        ['l', 'r', 'r', 'r', 'r', 'r'],
      ),
      '',
      markdownTable(
        [
          `scenario (${settings.connections} clients)`,
          'req/s',
          'vs baseline',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'answers',
          'server CPU ms/req',
        ],
        r.dispensing.map((d) => [
          d.name,
          d.perSecond,
          `${round((100 * d.perSecond) / (r.dispensing[0]?.perSecond ?? 1))} %`,
          d.p50,
          d.p95,
          d.p99,
          Object.entries(d.statuses)
            .map(([k, v]) => `${v}× ${k}`)
            .join(', '),
          d.appCpuMsPerRequest,
        ]),
        ['l', 'r', 'r', 'r', 'r', 'r', 'l', 'r'],
      ),
      '',
      `Per round (req/s): ${r.dispensing.map((d) => `${d.name} ${d.perSecondByRound.join(', ')}`).join('; ')}. Server CPU is the Node process's${r.kind === 'pglite' ? ', the embedded database included' : ' alone (PostgreSQL runs in its own processes)'}.`,
    );
    const spread = r.dispensing[1];
    const hot = r.dispensing[2];
    const emptyLedger = r.dispensing[3];
    if (spread && hot && emptyLedger) {
      out.push(
        `- Dispensing on the 1M-move ledger: ${spread.perSecond}/s, ${round((100 * spread.perSecond) / emptyLedger.perSecond)} % of the same dispenses on an empty ledger (${emptyLedger.perSecond}/s; ratio round by round ${ratios(spread.perSecondByRound, emptyLedger.perSecondByRound)}). All on one product: ${hot.perSecond}/s, ${round((100 * hot.perSecond) / spread.perSecond)} % of spread (round by round ${ratios(hot.perSecondByRound, spread.perSecondByRound)}), p95 ${hot.p95} ms against ${spread.p95} ms.`,
      );
    }
    const heaviest = [...r.inProcess.timings].sort((a, b) => b.p50 - a.p50).slice(0, 3);
    out.push(
      `- Slowest queries in process (p50 of ${IN_PROCESS_RUNS}): ${heaviest.map((q) => `${q.name} ${q.p50} ms`).join('; ')}.`,
    );
    const slow = r.routes.filter((q) => q.p95 > SLOW_P95_MS);
    out.push(
      slow.length
        ? `- Routes over ${SLOW_P95_MS} ms at p95: ${slow.map((q) => `${q.name} (${q.p95} ms)`).join(', ')}.`
        : `- Every read route under ${SLOW_P95_MS} ms at p95.`,
    );
    const ledgerScans = r.inProcess.plans.filter((p) => p.seqScans.some((s) => s.startsWith('stock_moves ')));
    out.push(
      ledgerScans.length
        ? `- Sequential scans of stock_moves: ${ledgerScans.map((p) => p.name).join(', ')}.`
        : '- No query of the dashboard, stock or suggestions scans stock_moves sequentially (EXPLAIN ANALYZE in the JSON).',
    );
    if (r.routeProblems.length) out.push(`- Unexpected answers: ${r.routeProblems.join('; ')}.`);
    out.push(
      `- Every lot's balance equals the sum of its moves, before and after the run: ${r.checks.discrepanciesBeforeRun === 0 && r.checks.discrepanciesAfterRun === 0 ? '**yes**' : `**no** (${r.checks.discrepanciesBeforeRun} / ${r.checks.discrepanciesAfterRun} lots differ)`}.`,
    );
  }
  return out.join('\n');
}

async function main() {
  const startedAt = new Date();
  sampleLoad();
  const m = machine();
  log(
    `Clinica pharmacy benchmark — ${startedAt.toISOString()}, load average ${loadSamples[0]?.load.join(' ')}, targets ${settings.targets.join(', ')}`,
  );
  fs.mkdirSync(workDir, { recursive: true });
  const results: TargetResult[] = [];
  for (const kind of settings.targets) results.push(await runTarget(kind));
  sampleLoad();
  const result = {
    date: startedAt.toISOString(),
    machine: m,
    settings: {
      products: settings.products,
      lotsPerProduct: LOTS_PER_PRODUCT,
      movesPerLot: RECEIPTS_PER_LOT + DISPENSES_PER_LOT,
      connections: settings.connections,
      secondsPerScenarioAndRound: settings.seconds,
      rounds: settings.rounds,
      queryRuns: settings.queryRuns,
      spreadProducts: SPREAD_PRODUCTS,
      dispenseQuantity: DISPENSE_QUANTITY,
    },
    loadAverage: loadSamples,
    targets: results,
  };
  const md = report(results, m, startedAt);
  const day = startedAt.toISOString().slice(0, 10);
  recordResults(
    ROOT,
    {
      key: 'pharmacy',
      command: 'npm run bench:pharmacy',
      title: 'Pharmacy: dispensing and the dashboard',
      heading: 'Pharmacy benchmark',
    },
    { day, result, md, outDir: settings.outDir },
  );
  log(`\n${md}\n`);
  const bad = results.some((r) => !('skipped' in r) && (r.checks.discrepanciesAfterRun > 0 || r.routeProblems.length));
  if (bad) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  if (!interrupted()) log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await cleanup();
}
