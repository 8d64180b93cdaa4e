import type { Queryable } from '../../platform/db/database.js';
import { type Dashboard, LIST_LIMIT } from './dashboard.schemas.js';

/** The window of the dashboard, as dates in the clinic's time zone. */
export interface DashboardWindow {
  /** First day of the consumption period. */
  from: string;
  /** Today. */
  to: string;
  /** Last expiry date that counts as "expiring". */
  expiringBy: string;
  timeZone: string;
}

/**
 * Active products below their minimum. `below_min` is kept by every move that crosses the
 * minimum (see pharmacy.repository.ts updateLowFlag), so the list reads only the flagged rows
 * (partial index) instead of summing the lots of the whole catalogue.
 */
export async function lowStock(q: Queryable): Promise<Dashboard['lowStock']> {
  const { rows } = await q.query<{ id: string; name: string; unit: string; on_hand: string; min_stock: string }>(
    `select p.id, p.name, p.unit, p.min_stock::text as min_stock,
        (select coalesce(sum(s.quantity), 0::numeric(12, 3)) from lot_stock s where s.product_id = p.id)::text as on_hand
       from products p
      where p.below_min and p.active
      order by p.name, p.id
      limit ${LIST_LIMIT}`,
  );
  return rows.map((r) => ({ productId: r.id, name: r.name, unit: r.unit, onHand: r.on_hand, minStock: r.min_stock }));
}

/** Lots still holding stock that expire by `expiringBy` (expired ones included), first to expire first. */
export async function expiringLots(q: Queryable, w: DashboardWindow): Promise<Dashboard['expiring']> {
  const { rows } = await q.query<{
    lot_id: string;
    product_id: string;
    name: string;
    unit: string;
    lot_number: string;
    expires_on: string;
    expired: boolean;
    quantity: string;
  }>(
    `select l.id as lot_id, l.product_id, p.name, p.unit, l.lot_number, l.expires_on::text as expires_on,
        l.expires_on < $2::date as expired, s.quantity::text as quantity
       from lots l
       join lot_stock s on s.lot_id = l.id
       join products p on p.id = l.product_id
      where l.expires_on <= $1::date and s.quantity > 0
      order by l.expires_on, l.id
      limit ${LIST_LIMIT}`,
    [w.expiringBy, w.to],
  );
  return rows.map((r) => ({
    lotId: r.lot_id,
    productId: r.product_id,
    name: r.name,
    unit: r.unit,
    lotNumber: r.lot_number,
    expiresOn: r.expires_on,
    expired: r.expired,
    quantity: r.quantity,
  }));
}

/**
 * The first instant of the period: local midnight of `from` in the clinic's zone. Dispense
 * moves from then on are read through stock_moves_dispensed_idx (migration 0015), a range
 * scan of the period that never touches older moves or moves of other kinds.
 */
const PERIOD_START = `($1::date::timestamp at time zone $2)`;

/** Dispensed per local day of the period, every day present (zero when nothing went out). */
export async function consumption(q: Queryable, w: DashboardWindow): Promise<Dashboard['consumption']> {
  const { rows } = await q.query<{ date: string; quantity: string }>(
    `with used as (
       select (m.created_at at time zone $2)::date as day, -sum(m.quantity) as quantity
         from stock_moves m
        where m.kind = 'dispense' and m.created_at >= ${PERIOD_START}
        group by 1
     )
     select d::date::text as date, coalesce(used.quantity, 0.000)::text as quantity
       from generate_series($1::date::timestamp, $3::date::timestamp, interval '1 day') d
       left join used on used.day = d::date
      order by d`,
    [w.from, w.timeZone, w.to],
  );
  return rows;
}

/** The ten products most dispensed in the period: most first, then by name. */
export async function topProducts(q: Queryable, w: DashboardWindow): Promise<Dashboard['topProducts']> {
  const { rows } = await q.query<{ id: string; name: string; unit: string; quantity: string }>(
    `select p.id, p.name, p.unit, t.quantity::text as quantity
       from (select m.product_id, -sum(m.quantity) as quantity
               from stock_moves m
              where m.kind = 'dispense' and m.created_at >= ${PERIOD_START}
              group by m.product_id) t
       join products p on p.id = t.product_id
      order by t.quantity desc, p.name, p.id
      limit 10`,
    [w.from, w.timeZone],
  );
  return rows.map((r) => ({ productId: r.id, name: r.name, unit: r.unit, quantity: r.quantity }));
}

/** Draft and confirmed purchase orders, oldest first (purchase_orders_status_idx). */
export async function openPurchaseOrders(q: Queryable): Promise<Dashboard['openPurchaseOrders']> {
  const { rows } = await q.query<{
    id: string;
    number: string;
    status: 'draft' | 'confirmed';
    vendor_name: string;
    total: string;
    expected_on: string | null;
  }>(
    `select o.id, o.number, o.status, v.name as vendor_name, o.total::text as total, o.expected_on::text as expected_on
       from purchase_orders o
       join vendors v on v.id = o.vendor_id
      where o.status in ('draft', 'confirmed')
      order by o.created_at, o.id
      limit ${LIST_LIMIT}`,
  );
  return rows.map((r) => ({
    id: r.id,
    number: r.number,
    status: r.status,
    vendorName: r.vendor_name,
    total: r.total,
    ...(r.expected_on === null ? {} : { expectedOn: r.expected_on }),
  }));
}

/** Active products, and what the stock on hand cost (a product without a cost counts as 0). */
export async function totals(q: Queryable): Promise<Dashboard['totals']> {
  const { rows } = await q.query<{ products: number; stock_value: string }>(
    `select (select count(*)::int from products where active) as products,
        (select coalesce(round(sum(s.quantity * coalesce(p.cost, 0)), 2), 0.00)
           from lot_stock s join products p on p.id = s.product_id
          where s.quantity > 0)::text as stock_value`,
  );
  const row = rows[0];
  return { products: row?.products ?? 0, stockValue: row?.stock_value ?? '0.00' };
}
