import type { Queryable } from '../../platform/db/database.js';
import { fromMilli, toMilli } from '../../platform/decimal.js';
import { decodeCursor, encodeCursor } from '../../platform/http/schemas.js';
import type {
  PurchaseOrder,
  PurchaseOrderStatus,
  Suggestion,
  Vendor,
  VendorInput,
  VendorQuery,
} from './purchasing.schemas.js';

const present = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Builds a parameter list: `param(v)` appends v and answers its placeholder. */
function parameters(initial: unknown[] = []) {
  const params = [...initial];
  return {
    params,
    param: (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    },
  };
}

// Vendors ------------------------------------------------------------------------------------

export interface VendorRow {
  id: string;
  name: string;
  email: string;
  phone: string | null;
  tax_id: string | null;
  address: string | null;
  language: 'es' | 'en';
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const VENDOR_COLUMNS = 'id, name, email, phone, tax_id, address, language, active, created_at, updated_at';

export function toVendor(r: VendorRow): Vendor {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    ...present({ phone: r.phone, taxId: r.tax_id, address: r.address }),
    language: r.language,
    active: r.active,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  } as Vendor;
}

const vendorParams = (v: VendorInput) => [
  v.name,
  v.email,
  v.phone ?? null,
  v.taxId ?? null,
  v.address ?? null,
  v.language,
  v.active,
];

export async function insertVendor(q: Queryable, id: string, v: VendorInput) {
  await q.query(
    `insert into vendors (id, name, email, phone, tax_id, address, language, active)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, ...vendorParams(v)],
  );
}

export async function updateVendor(q: Queryable, id: string, v: VendorInput): Promise<boolean> {
  const { rowCount } = await q.query(
    `update vendors set name = $2, email = $3, phone = $4, tax_id = $5, address = $6, language = $7, active = $8,
       updated_at = now()
     where id = $1`,
    [id, ...vendorParams(v)],
  );
  return rowCount > 0;
}

export async function findVendor(q: Queryable, id: string): Promise<VendorRow | undefined> {
  const { rows } = await q.query<VendorRow>(`select ${VENDOR_COLUMNS} from vendors where id = $1`, [id]);
  return rows[0];
}

/**
 * The vendor, its row shared-locked to the end of the transaction: it cannot be deactivated
 * while an order naming it is written or confirmed.
 */
export async function lockVendor(q: Queryable, id: string) {
  const { rows } = await q.query<{ id: string; active: boolean; name: string }>(
    'select id, active, name from vendors where id = $1 for share',
    [id],
  );
  return rows[0];
}

/** By name, keyset on (name, id). Null when the cursor is not one of this list. */
export async function searchVendors(q: Queryable, s: VendorQuery) {
  const { params, param } = parameters();
  const where: string[] = [];
  if (s.q) {
    const like = param(likePattern(s.q));
    where.push(`(name ilike ${like} or email ilike ${like} or tax_id ilike ${like})`);
  }
  if (s.active !== undefined) where.push(`active = ${param(s.active)}`);
  if (s.cursor) {
    const key = decodeCursor(s.cursor, 2);
    if (!key) return null;
    where.push(`(name, id) > (${param(key[0])}::text, ${param(key[1])}::uuid)`);
  }
  const { rows } = await q.query<VendorRow>(
    `select ${VENDOR_COLUMNS} from vendors ${where.length ? `where ${where.join(' and ')}` : ''}
      order by name, id limit ${param(s.limit + 1)}`,
    params,
  );
  const more = rows.length > s.limit;
  const page = more ? rows.slice(0, s.limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, nextCursor: more && last ? encodeCursor([last.name, last.id]) : null };
}

// Purchase orders ----------------------------------------------------------------------------

/**
 * The next order number, P00001 on. Takes the counter's row lock until the transaction ends:
 * creations run one after the other and a rolled-back one leaves no gap.
 */
export async function nextOrderNumber(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ n: number }>(
    'update purchase_order_numbers set last_value = last_value + 1 where only_row returning last_value as n',
  );
  return `P${String(rows[0]?.n).padStart(5, '0')}`;
}

export interface OrderValues {
  vendorId: string;
  expectedOn: string | null;
  notes: string | null;
}

export async function insertOrder(
  q: Queryable,
  o: OrderValues & { id: string; number: string; createdBy: string },
): Promise<void> {
  await q.query(
    `insert into purchase_orders (id, number, vendor_id, expected_on, notes, created_by)
     values ($1, $2, $3, $4, $5, $6)`,
    [o.id, o.number, o.vendorId, o.expectedOn, o.notes, o.createdBy],
  );
}

export async function updateOrder(q: Queryable, id: string, o: OrderValues): Promise<void> {
  await q.query(
    'update purchase_orders set vendor_id = $2, expected_on = $3, notes = $4, updated_at = now() where id = $1',
    [id, o.vendorId, o.expectedOn, o.notes],
  );
}

export interface LineValues {
  lineNo: number;
  productId: string;
  quantity: string;
  unitCost: string;
  taxRate: string;
  subtotal: string;
  tax: string;
  total: string;
}

/** Replaces the order's lines and sets its totals to their sums. */
export async function replaceLines(
  q: Queryable,
  orderId: string,
  lines: LineValues[],
  totals: { subtotal: string; taxTotal: string; total: string },
): Promise<void> {
  await q.query('delete from purchase_order_lines where purchase_order_id = $1', [orderId]);
  if (lines.length > 0) {
    await q.query(
      `insert into purchase_order_lines
         (purchase_order_id, line_no, product_id, quantity, unit_cost, tax_rate, subtotal, tax, total)
       select $1, l.line_no, l.product_id, l.quantity, l.unit_cost, l.tax_rate, l.subtotal, l.tax, l.total
         from unnest($2::smallint[], $3::uuid[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[],
                     $8::numeric[], $9::numeric[])
              as l(line_no, product_id, quantity, unit_cost, tax_rate, subtotal, tax, total)`,
      [
        orderId,
        lines.map((l) => l.lineNo),
        lines.map((l) => l.productId),
        lines.map((l) => l.quantity),
        lines.map((l) => l.unitCost),
        lines.map((l) => l.taxRate),
        lines.map((l) => l.subtotal),
        lines.map((l) => l.tax),
        lines.map((l) => l.total),
      ],
    );
  }
  await q.query(
    'update purchase_orders set subtotal = $2::numeric, tax_total = $3::numeric, total = $4::numeric where id = $1',
    [orderId, totals.subtotal, totals.taxTotal, totals.total],
  );
}

export interface ProductTerms {
  id: string;
  active: boolean;
  cost: string | null;
  tax_rate: string;
}

/** What an order line takes from its product: the default cost and the tax rate. */
export async function productTerms(q: Queryable, ids: string[]): Promise<Map<string, ProductTerms>> {
  const { rows } = await q.query<ProductTerms>(
    'select id, active, cost::text as cost, tax_rate::text as tax_rate from products where id = any($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

export interface LockedOrder {
  id: string;
  number: string;
  status: PurchaseOrderStatus;
  vendor_id: string;
}

/**
 * The order row, locked to the end of the transaction: every change of an order and every
 * receipt against it takes this lock first, so two receipts cannot both pass the "no more
 * than ordered" check.
 */
export async function lockOrder(q: Queryable, id: string): Promise<LockedOrder | undefined> {
  const { rows } = await q.query<LockedOrder>(
    'select id, number, status, vendor_id from purchase_orders where id = $1 for update',
    [id],
  );
  return rows[0];
}

export interface OrderLineState {
  line_no: number;
  product_id: string;
  quantity: string;
  received: string;
}

export async function orderLines(q: Queryable, orderId: string): Promise<OrderLineState[]> {
  const { rows } = await q.query<OrderLineState>(
    `select line_no, product_id, quantity::text as quantity, received::text as received
       from purchase_order_lines where purchase_order_id = $1 order by line_no`,
    [orderId],
  );
  return rows;
}

export async function addReceived(q: Queryable, orderId: string, lineNo: number, quantity: string): Promise<void> {
  await q.query(
    `update purchase_order_lines set received = received + $3::numeric
      where purchase_order_id = $1 and line_no = $2`,
    [orderId, lineNo, quantity],
  );
}

export async function setStatus(
  q: Queryable,
  id: string,
  status: 'confirmed' | 'received' | 'cancelled',
  reason?: string,
): Promise<void> {
  const stamp = { confirmed: 'confirmed_at', received: 'received_at', cancelled: 'cancelled_at' }[status];
  await q.query(
    `update purchase_orders set status = $2, ${stamp} = now(), updated_at = now(),
        cancel_reason = case when $2 = 'cancelled' then $3 else cancel_reason end
      where id = $1`,
    [id, status, reason ?? null],
  );
}

interface OrderRow {
  id: string;
  number: string;
  status: PurchaseOrderStatus;
  vendor_id: string;
  vendor_name: string;
  expected_on: string | null;
  notes: string | null;
  subtotal: string;
  tax_total: string;
  total: string;
  created_at: Date;
  confirmed_at: Date | null;
  received_at: Date | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  lines: {
    line_no: number;
    product_id: string;
    product_name: string;
    unit: string;
    quantity: string;
    unit_cost: string;
    tax_rate: string;
    subtotal: string;
    tax: string;
    total: string;
    received: string;
  }[];
}

const SELECT_ORDER = `select o.id, o.number, o.status, o.vendor_id, v.name as vendor_name, o.expected_on, o.notes,
    o.subtotal::text as subtotal, o.tax_total::text as tax_total, o.total::text as total, o.created_at,
    o.confirmed_at, o.received_at, o.cancelled_at, o.cancel_reason,
    coalesce((select json_agg(json_build_object('line_no', l.line_no, 'product_id', l.product_id,
        'product_name', p.name, 'unit', p.unit, 'quantity', l.quantity::text, 'unit_cost', l.unit_cost::text,
        'tax_rate', l.tax_rate::text, 'subtotal', l.subtotal::text, 'tax', l.tax::text, 'total', l.total::text,
        'received', l.received::text) order by l.line_no)
      from purchase_order_lines l join products p on p.id = l.product_id
     where l.purchase_order_id = o.id), '[]') as lines
  from purchase_orders o join vendors v on v.id = o.vendor_id`;

function toOrder(r: OrderRow): PurchaseOrder {
  return {
    id: r.id,
    number: r.number,
    status: r.status,
    vendorId: r.vendor_id,
    vendorName: r.vendor_name,
    ...present({
      expectedOn: r.expected_on,
      notes: r.notes,
      confirmedAt: r.confirmed_at?.toISOString(),
      receivedAt: r.received_at?.toISOString(),
      cancelledAt: r.cancelled_at?.toISOString(),
      cancelReason: r.cancel_reason,
    }),
    lines: r.lines.map((l) => ({
      lineNo: l.line_no,
      productId: l.product_id,
      productName: l.product_name,
      unit: l.unit,
      quantity: l.quantity,
      unitCost: l.unit_cost,
      taxRate: l.tax_rate,
      subtotal: l.subtotal,
      tax: l.tax,
      total: l.total,
      received: l.received,
    })),
    subtotal: r.subtotal,
    taxTotal: r.tax_total,
    total: r.total,
    createdAt: r.created_at.toISOString(),
  } as PurchaseOrder;
}

export async function findOrder(q: Queryable, id: string): Promise<PurchaseOrder | undefined> {
  const { rows } = await q.query<OrderRow>(`${SELECT_ORDER} where o.id = $1`, [id]);
  return rows[0] && toOrder(rows[0]);
}

export interface OrderSearch {
  status?: PurchaseOrderStatus | undefined;
  vendorId?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** Most recent first, keyset on (created_at, id). Null when the cursor is not one of this list. */
export async function searchOrders(q: Queryable, s: OrderSearch) {
  const { params, param } = parameters();
  const where: string[] = [];
  if (s.status) where.push(`o.status = ${param(s.status)}`);
  if (s.vendorId) where.push(`o.vendor_id = ${param(s.vendorId)}`);
  if (s.cursor) {
    const key = decodeCursor(s.cursor, 2);
    if (!key) return null;
    where.push(`(o.created_at, o.id) < (${param(key[0])}::timestamptz, ${param(key[1])}::uuid)`);
  }
  const { rows } = await q.query<OrderRow>(
    `${SELECT_ORDER} ${where.length ? `where ${where.join(' and ')}` : ''}
      order by o.created_at desc, o.id desc limit ${param(s.limit + 1)}`,
    params,
  );
  const more = rows.length > s.limit;
  const page = more ? rows.slice(0, s.limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map(toOrder),
    nextCursor: more && last ? encodeCursor([last.created_at.toISOString(), last.id]) : null,
  };
}

// Reorder suggestions ------------------------------------------------------------------------

interface SuggestionRow {
  product_id: string;
  name: string;
  unit: string;
  on_hand: string;
  on_order: string;
  min_stock: string;
  max_stock: string | null;
  unit_cost: string | null;
  vendor_id: string | null;
  vendor_name: string | null;
}

/**
 * Active products whose stock on hand plus what is on order (ordered and not yet received on
 * draft and confirmed orders) is below their minimum, by name. Each comes with the vendor and
 * unit cost of its most recent order line that was not cancelled, if the vendor is active.
 */
export async function reorderSuggestions(q: Queryable): Promise<Suggestion[]> {
  const { rows } = await q.query<SuggestionRow>(
    `with stock as (
       select product_id, sum(quantity) as on_hand from lot_stock group by product_id
     ), ordered as (
       select l.product_id, sum(l.quantity - l.received) as on_order
         from purchase_order_lines l join purchase_orders o on o.id = l.purchase_order_id
        where o.status in ('draft', 'confirmed')
        group by l.product_id
     ), level as (
       -- Each sum once per product (grouped), not a pair of subqueries for every product.
       select p.id, p.name, p.unit, p.min_stock, p.max_stock,
              coalesce(stock.on_hand, 0)::numeric(12, 3) as on_hand,
              coalesce(ordered.on_order, 0)::numeric(12, 3) as on_order
         from products p
         left join stock on stock.product_id = p.id
         left join ordered on ordered.product_id = p.id
        where p.active
     )
     select level.id as product_id, level.name, level.unit, level.on_hand::text as on_hand,
            level.on_order::text as on_order, level.min_stock::text as min_stock,
            level.max_stock::text as max_stock, last.unit_cost::text as unit_cost, last.vendor_id,
            last.vendor_name
       from level
       left join lateral (
         select l.unit_cost, v.id as vendor_id, v.name as vendor_name
           from purchase_order_lines l
           join purchase_orders o on o.id = l.purchase_order_id
           join vendors v on v.id = o.vendor_id
          where l.product_id = level.id and o.status <> 'cancelled' and v.active
          order by o.created_at desc, o.id desc, l.line_no desc
          limit 1) last on true
      where level.on_hand + level.on_order < level.min_stock
      order by level.name, level.id`,
  );
  return rows.map((r) => {
    const target = toMilli(r.max_stock ?? r.min_stock);
    const short = target - toMilli(r.on_hand) - toMilli(r.on_order);
    // Whole units, rounded up; never below zero.
    const suggested = short <= 0n ? 0n : ((short + 999n) / 1000n) * 1000n;
    return {
      productId: r.product_id,
      name: r.name,
      unit: r.unit,
      onHand: r.on_hand,
      onOrder: r.on_order,
      minStock: r.min_stock,
      ...present({ maxStock: r.max_stock, unitCost: r.unit_cost, vendorId: r.vendor_id, vendorName: r.vendor_name }),
      suggested: fromMilli(suggested),
    } as Suggestion;
  });
}

// Mail ---------------------------------------------------------------------------------------

export interface OrderMailRow {
  number: string;
  status: PurchaseOrderStatus;
  expected_on: string | null;
  subtotal: string;
  tax_total: string;
  total: string;
  vendor_name: string;
  vendor_email: string;
  language: 'es' | 'en';
  lines: { product_name: string; unit: string; quantity: string; unit_cost: string; tax_rate: string; total: string }[];
}

/** What the vendor's e-mail says about an order: product names, quantities, costs, totals. */
export async function orderForMail(q: Queryable, id: string): Promise<OrderMailRow | undefined> {
  const { rows } = await q.query<OrderMailRow>(
    `select o.number, o.status, o.expected_on, o.subtotal::text as subtotal, o.tax_total::text as tax_total,
        o.total::text as total, v.name as vendor_name, v.email as vendor_email, v.language,
        coalesce((select json_agg(json_build_object('product_name', p.name, 'unit', p.unit,
            'quantity', l.quantity::text, 'unit_cost', l.unit_cost::text, 'tax_rate', l.tax_rate::text,
            'total', l.total::text) order by l.line_no)
          from purchase_order_lines l join products p on p.id = l.product_id
         where l.purchase_order_id = o.id), '[]') as lines
       from purchase_orders o join vendors v on v.id = o.vendor_id
      where o.id = $1`,
    [id],
  );
  return rows[0];
}
