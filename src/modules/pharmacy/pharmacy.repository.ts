import type { Queryable } from '../../platform/db/database.js';
import { toMilli } from '../../platform/decimal.js';
import { decodeCursor, encodeCursor } from '../../platform/http/schemas.js';
import type { Product, ProductInput, StockLevel, StockMove } from './pharmacy.schemas.js';

/** Amounts and quantities leave PostgreSQL as text (numeric::text): no float on the way. */
export interface ProductRow {
  id: string;
  kind: Product['kind'];
  name: string;
  generic_name: string | null;
  dosage_strength: string | null;
  form: string | null;
  category: string | null;
  barcode: string | null;
  unit: string;
  sale_price: string;
  tax_rate: string;
  cost: string | null;
  min_stock: string;
  max_stock: string | null;
  active: boolean;
  on_hand: string;
  created_at: Date;
  updated_at: Date;
}

const ON_HAND = `(select coalesce(sum(s.quantity), 0::numeric(12, 3)) from lot_stock s where s.product_id = p.id)`;

const SELECT_PRODUCT = `select p.id, p.kind, p.name, p.generic_name, p.dosage_strength, p.form, p.category, p.barcode,
    p.unit, p.sale_price::text as sale_price, p.tax_rate::text as tax_rate, p.cost::text as cost,
    p.min_stock::text as min_stock, p.max_stock::text as max_stock, p.active, ${ON_HAND}::text as on_hand,
    p.created_at, p.updated_at
  from products p`;

const present = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

export function toProduct(r: ProductRow): Product {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    ...present({
      genericName: r.generic_name,
      dosageStrength: r.dosage_strength,
      form: r.form,
      category: r.category,
      barcode: r.barcode,
      cost: r.cost,
      maxStock: r.max_stock,
    }),
    unit: r.unit,
    salePrice: r.sale_price,
    taxRate: r.tax_rate,
    minStock: r.min_stock,
    active: r.active,
    onHand: r.on_hand,
    low: toMilli(r.on_hand) < toMilli(r.min_stock),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  } as Product;
}

const productParams = (p: ProductInput) => [
  p.kind,
  p.name,
  p.genericName ?? null,
  p.dosageStrength ?? null,
  p.form ?? null,
  p.category ?? null,
  p.barcode ?? null,
  p.unit,
  p.salePrice,
  p.taxRate,
  p.cost ?? null,
  p.minStock,
  p.maxStock ?? null,
  p.active,
];

export async function insertProduct(q: Queryable, id: string, p: ProductInput) {
  await q.query(
    `insert into products (id, kind, name, generic_name, dosage_strength, form, category, barcode, unit, sale_price,
       tax_rate, cost, min_stock, max_stock, active)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::numeric, $11::numeric, $12::numeric, $13::numeric, $14::numeric, $15)`,
    [id, ...productParams(p)],
  );
}

export async function updateProduct(q: Queryable, id: string, p: ProductInput): Promise<boolean> {
  const { rowCount } = await q.query(
    `update products set kind = $2, name = $3, generic_name = $4, dosage_strength = $5, form = $6, category = $7,
       barcode = $8, unit = $9, sale_price = $10::numeric, tax_rate = $11::numeric, cost = $12::numeric,
       min_stock = $13::numeric, max_stock = $14::numeric, active = $15, updated_at = now()
     where id = $1`,
    [id, ...productParams(p)],
  );
  return rowCount > 0;
}

export async function findProduct(q: Queryable, id: string): Promise<ProductRow | undefined> {
  const { rows } = await q.query<ProductRow>(`${SELECT_PRODUCT} where p.id = $1`, [id]);
  return rows[0];
}

/** Locks the product row: every move of a product's stock takes this lock first. */
export async function lockProduct(q: Queryable, id: string) {
  const { rows } = await q.query<{ id: string; active: boolean; name: string; unit: string }>(
    'select id, active, name, unit from products where id = $1 for update',
    [id],
  );
  return rows[0];
}

export interface ProductSearch {
  q?: string | undefined;
  kind?: Product['kind'] | undefined;
  active?: boolean | undefined;
  cursor?: string | undefined;
  limit: number;
}

const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** By name, keyset on (name, id). */
export async function searchProducts(q: Queryable, s: ProductSearch) {
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (s.q) {
    const like = param(likePattern(s.q));
    where.push(`(p.name ilike ${like} or p.generic_name ilike ${like} or p.barcode = ${param(s.q)})`);
  }
  if (s.kind) where.push(`p.kind = ${param(s.kind)}`);
  if (s.active !== undefined) where.push(`p.active = ${param(s.active)}`);
  if (s.cursor) {
    const key = decodeCursor(s.cursor, 2);
    if (!key) return null;
    where.push(`(p.name, p.id) > (${param(key[0])}::text, ${param(key[1])}::uuid)`);
  }
  const { rows } = await q.query<ProductRow>(
    `${SELECT_PRODUCT} ${where.length ? `where ${where.join(' and ')}` : ''}
     order by p.name, p.id limit ${param(s.limit + 1)}`,
    params,
  );
  const more = rows.length > s.limit;
  const page = more ? rows.slice(0, s.limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, nextCursor: more && last ? encodeCursor([last.name, last.id]) : null };
}

// Lots and moves ----------------------------------------------------------------------------

export interface LotRow {
  id: string;
  product_id: string;
  lot_number: string;
  expires_on: string;
}

/** The lot of a product with this number, created if new. */
export async function ensureLot(
  q: Queryable,
  id: string,
  productId: string,
  lotNumber: string,
  expiresOn: string,
): Promise<LotRow> {
  await q.query(
    `insert into lots (id, product_id, lot_number, expires_on) values ($1, $2, $3, $4)
     on conflict (product_id, lot_number) do nothing`,
    [id, productId, lotNumber, expiresOn],
  );
  const { rows } = await q.query<LotRow>(
    'select id, product_id, lot_number, expires_on from lots where product_id = $1 and lot_number = $2',
    [productId, lotNumber],
  );
  const lot = rows[0];
  if (!lot) throw new Error('lot vanished after insert');
  return lot;
}

export async function findLot(q: Queryable, id: string): Promise<LotRow | undefined> {
  const { rows } = await q.query<LotRow>('select id, product_id, lot_number, expires_on from lots where id = $1', [id]);
  return rows[0];
}

export interface AvailableLot {
  lot_id: string;
  lot_number: string;
  expires_on: string;
  quantity: string;
}

/**
 * The product's unexpired lots holding stock, first to expire first, their balances locked
 * (in this order, the same for every transaction) until the end of the transaction.
 */
export async function lockAvailableLots(q: Queryable, productId: string, today: string) {
  const { rows } = await q.query<AvailableLot>(
    `select s.lot_id, l.lot_number, l.expires_on, s.quantity::text as quantity
       from lot_stock s join lots l on l.id = s.lot_id
      where s.product_id = $1 and s.quantity > 0 and l.expires_on >= $2::date
      order by l.expires_on, l.id
      for update of s`,
    [productId, today],
  );
  return rows;
}

export async function lockLotBalance(q: Queryable, lotId: string) {
  const { rows } = await q.query<{ quantity: string }>(
    'select quantity::text as quantity from lot_stock where lot_id = $1 for update',
    [lotId],
  );
  return rows[0]?.quantity ?? '0';
}

export interface MoveValues {
  id: string;
  kind: StockMove['kind'];
  productId: string;
  lotId: string;
  quantity: string;
  referenceType?: 'prescription_line' | 'purchase_order' | undefined;
  referenceId?: string | undefined;
  referenceLine?: number | undefined;
  userId: string;
  note?: string | undefined;
}

export async function insertMove(q: Queryable, m: MoveValues) {
  await q.query(
    `insert into stock_moves (id, kind, product_id, lot_id, quantity, reference_type, reference_id, reference_line,
       user_id, note)
     values ($1, $2, $3, $4, $5::numeric, $6, $7, $8, $9, $10)`,
    [
      m.id,
      m.kind,
      m.productId,
      m.lotId,
      m.quantity,
      m.referenceType ?? null,
      m.referenceId ?? null,
      m.referenceLine ?? null,
      m.userId,
      m.note ?? null,
    ],
  );
}

interface MoveRow {
  id: string;
  kind: StockMove['kind'];
  product_id: string;
  lot_id: string;
  lot_number: string;
  expires_on: string;
  quantity: string;
  reference_type: 'prescription_line' | 'purchase_order' | null;
  reference_id: string | null;
  reference_line: number | null;
  user_id: string;
  note: string | null;
  created_at: Date;
}

/** The moves with these ids, in the order of `ids`. */
export async function findMoves(q: Queryable, ids: string[]): Promise<StockMove[]> {
  const { rows } = await q.query<MoveRow>(
    `select m.id, m.kind, m.product_id, m.lot_id, l.lot_number, l.expires_on, m.quantity::text as quantity,
        m.reference_type, m.reference_id, m.reference_line, m.user_id, m.note, m.created_at
       from stock_moves m join lots l on l.id = m.lot_id
      where m.id = any($1::uuid[])`,
    [ids],
  );
  // In the order they were written (two moves of one transaction may share a timestamp).
  const order = new Map(ids.map((id, i) => [id, i]));
  rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    productId: r.product_id,
    lotId: r.lot_id,
    lotNumber: r.lot_number,
    expiresOn: r.expires_on,
    quantity: r.quantity,
    ...present({
      referenceType: r.reference_type,
      referenceId: r.reference_id,
      referenceLine: r.reference_line,
      note: r.note,
    }),
    userId: r.user_id,
    createdAt: r.created_at.toISOString(),
  })) as StockMove[];
}

/** What went out for a prescription line so far: dispenses less returns. */
export async function dispensedForLine(q: Queryable, prescriptionId: string, lineNo: number): Promise<string> {
  const { rows } = await q.query<{ dispensed: string }>(
    `select coalesce(-sum(quantity), 0::numeric(12, 3))::text as dispensed from stock_moves
      where reference_type = 'prescription_line' and reference_id = $1 and reference_line = $2
        and kind in ('dispense', 'return')`,
    [prescriptionId, lineNo],
  );
  return rows[0]?.dispensed ?? '0';
}

export interface DispensableLine {
  patient_id: string;
  number: string;
  status: 'draft' | 'signed';
  quantity: number;
}

/**
 * The prescription line, locked: dispenses of one line run one after the other, so two of
 * them cannot both pass the "no more than prescribed" check.
 */
export async function lockPrescriptionLine(q: Queryable, prescriptionId: string, lineNo: number) {
  const { rows } = await q.query<DispensableLine>(
    `select p.patient_id, p.number, p.status, l.quantity
       from prescriptions p join prescription_lines l on l.patient_id = p.patient_id and l.prescription_id = p.id
      where p.id = $1 and l.line_no = $2
      for update of l`,
    [prescriptionId, lineNo],
  );
  return rows[0];
}

/**
 * Keeps the product's low-stock flag in step with its on-hand quantity; answers whether this
 * call crossed below the minimum (then, and only then, `stock.low` is due). Runs in the move's
 * transaction, after the product row was locked.
 */
export async function updateLowFlag(q: Queryable, productId: string): Promise<'crossed_below' | 'recovered' | null> {
  const { rows } = await q.query<{ was: boolean; now: boolean }>(
    `with level as (
       select p.id, p.below_min as was, ${ON_HAND} < p.min_stock as now from products p where p.id = $1
     )
     update products p set below_min = level.now from level
      where p.id = level.id and p.below_min <> level.now
     returning level.was, level.now`,
    [productId],
  );
  const row = rows[0];
  if (!row) return null;
  return row.now ? 'crossed_below' : 'recovered';
}

// Stock levels ------------------------------------------------------------------------------

interface LevelRow {
  product_id: string;
  name: string;
  unit: string;
  on_hand: string;
  min_stock: string;
  max_stock: string | null;
  low: boolean;
  lots: { lot_id: string; lot_number: string; expires_on: string; expired: boolean; quantity: string }[];
}

export interface StockSearch {
  productId?: string | undefined;
  low?: boolean | undefined;
  q?: string | undefined;
  cursor?: string | undefined;
  limit: number;
  today: string;
}

export async function stockLevels(q: Queryable, s: StockSearch) {
  const params: unknown[] = [s.today];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (s.productId) where.push(`p.id = ${param(s.productId)}`);
  // The flag the ledger's transactions keep equal to on hand < minimum: no sum per product.
  if (s.low !== undefined) where.push(`p.below_min = ${param(s.low)}`);
  if (s.q) {
    const like = param(likePattern(s.q));
    where.push(`(p.name ilike ${like} or p.generic_name ilike ${like} or p.barcode = ${param(s.q)})`);
  }
  if (s.cursor) {
    const key = decodeCursor(s.cursor, 2);
    if (!key) return null;
    where.push(`(p.name, p.id) > (${param(key[0])}::text, ${param(key[1])}::uuid)`);
  }
  const { rows } = await q.query<LevelRow>(
    `select p.id as product_id, p.name, p.unit, ${ON_HAND}::text as on_hand, p.min_stock::text as min_stock,
        p.max_stock::text as max_stock, ${ON_HAND} < p.min_stock as low,
        coalesce((select json_agg(json_build_object('lot_id', l.id, 'lot_number', l.lot_number,
            'expires_on', l.expires_on, 'expired', l.expires_on < $1::date, 'quantity', s.quantity::text)
            order by l.expires_on, l.id)
          from lot_stock s join lots l on l.id = s.lot_id where s.product_id = p.id and s.quantity > 0), '[]') as lots
       from products p ${where.length ? `where ${where.join(' and ')}` : ''}
      order by p.name, p.id limit ${param(s.limit + 1)}`,
    params,
  );
  const more = rows.length > s.limit;
  const page = more ? rows.slice(0, s.limit) : rows;
  const last = page[page.length - 1];
  const items: StockLevel[] = page.map((r) => ({
    productId: r.product_id,
    name: r.name,
    unit: r.unit,
    onHand: r.on_hand,
    minStock: r.min_stock,
    ...(r.max_stock === null ? {} : { maxStock: r.max_stock }),
    low: r.low,
    lots: r.lots.map((l) => ({
      lotId: l.lot_id,
      lotNumber: l.lot_number,
      expiresOn: l.expires_on,
      expired: l.expired,
      quantity: l.quantity,
    })),
  }));
  return { items, nextCursor: more && last ? encodeCursor([last.name, last.product_id]) : null };
}

/**
 * Lots whose balance differs from the sum of their moves: always none (the ledger's trigger
 * is the balances' only writer). Tests and operators run it as a check.
 */
export async function stockDiscrepancies(q: Queryable) {
  const { rows } = await q.query<{ lot_id: string; balance: string; moves: string }>(
    `select coalesce(s.lot_id, m.lot_id) as lot_id, coalesce(s.quantity, 0)::text as balance,
        coalesce(m.total, 0)::text as moves
       from lot_stock s
       full join (select lot_id, sum(quantity) as total from stock_moves group by lot_id) m on m.lot_id = s.lot_id
      where coalesce(s.quantity, 0) <> coalesce(m.total, 0)`,
  );
  return rows;
}
