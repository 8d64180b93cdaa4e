-- Reporting views for BI tools (docs/reporting.md): the schema `reporting` holds read-only
-- views over stock, purchase orders and sales, and the role `clinica_reporting` may read those
-- views and nothing else. A dashboard logs in as a member of that role (`clinica reporting
-- grant <login>`), so it never touches a table.
--
-- The views run with their owner's rights (not security_invoker): the owner is the user that
-- migrates, which reads the tables, so the reading role needs no grant on any table. No view
-- carries a patient identifier, a user id or a free-text note: a BI tool sees how much was
-- sold and dispensed, never to whom nor who did it.
--
-- Citus: views hold no data; a query on one is planned as the query it stands for. Stock,
-- catalogue and purchasing tables are reference tables, and the sales views join invoices
-- with their lines on (patient_id, invoice_id), both distributed by patient_id and co-located,
-- so the join runs shard by shard. Citus 11+ propagates the views and the role to the workers.
--
-- Dates: "today" (current_date) and the day of a moment (timestamptz::date) follow the
-- session's time zone; `clinica reporting grant` sets the clinic's (CLINIC_TIMEZONE) on the
-- login role it creates.

create schema reporting;
comment on schema reporting is 'Read-only views for BI tools; no patient identifiers (docs/reporting.md).';

-- One row per product: on hand (and how much of it is in expired lots), what confirmed purchase
-- orders still have to bring, the levels and the stock's value.
create view reporting.stock_levels as
with on_hand as (
  select s.product_id,
         sum(s.quantity) as on_hand,
         sum(s.quantity) filter (where l.expires_on < current_date) as expired
    from lot_stock s
    join lots l on l.id = s.lot_id
   group by s.product_id
), on_order as (
  select pl.product_id,
         sum(pl.quantity - pl.received) filter (where po.status = 'confirmed') as on_order,
         min(po.expected_on) filter (where po.status = 'confirmed') as next_expected_on,
         sum(pl.quantity) filter (where po.status = 'draft') as in_draft_orders
    from purchase_order_lines pl
    join purchase_orders po on po.id = pl.purchase_order_id
   where po.status = 'draft' or (po.status = 'confirmed' and pl.received < pl.quantity)
   group by pl.product_id
)
select p.id as product_id,
       p.name as product,
       p.generic_name,
       p.kind,
       p.category,
       p.unit,
       p.active,
       coalesce(h.on_hand, 0)::numeric(12, 3) as on_hand,
       coalesce(h.expired, 0)::numeric(12, 3) as on_hand_expired,
       -- Ordered from a vendor (confirmed orders) and not received yet, and when the first of
       -- those orders is expected; drafts are counted apart: nobody has been asked for them.
       coalesce(o.on_order, 0)::numeric(12, 3) as on_order,
       o.next_expected_on,
       coalesce(o.in_draft_orders, 0)::numeric(12, 3) as in_draft_orders,
       p.min_stock,
       p.max_stock,
       -- The low-stock rule of the pharmacy: on hand (expired lots included until written
       -- off) below the minimum.
       coalesce(h.on_hand, 0) < p.min_stock as low,
       p.cost as unit_cost,
       p.sale_price,
       p.tax_rate,
       -- Null when the product has no cost recorded.
       round(coalesce(h.on_hand, 0) * p.cost, 2)::numeric(14, 2) as value_at_cost,
       round(coalesce(h.on_hand, 0) * p.sale_price, 2)::numeric(14, 2) as value_at_sale_price
  from products p
  left join on_hand h on h.product_id = p.id
  left join on_order o on o.product_id = p.id;

create view reporting.low_stock as
select product_id, product, generic_name, kind, category, unit, active,
       on_hand, min_stock, max_stock,
       (min_stock - on_hand)::numeric(12, 3) as shortfall,
       on_order,
       next_expected_on,
       in_draft_orders,
       -- What is still missing once the confirmed orders arrive.
       greatest(min_stock - on_hand - on_order, 0)::numeric(12, 3) as uncovered
  from reporting.stock_levels
 where low;

-- Every lot, emptied ones included (quantity 0).
create view reporting.lots as
select l.id as lot_id,
       l.lot_number,
       p.id as product_id,
       p.name as product,
       p.kind,
       p.category,
       p.unit,
       l.expires_on,
       s.quantity,
       l.expires_on - current_date as days_to_expiry,
       -- As the pharmacy counts it: a lot expiring today can still be dispensed.
       l.expires_on < current_date as expired,
       round(s.quantity * p.cost, 2)::numeric(14, 2) as value_at_cost
  from lots l
  join lot_stock s on s.lot_id = l.id
  join products p on p.id = l.product_id;

-- The ledger without who recorded a move, its note, or which prescription it served (a
-- prescription belongs to a patient): a dispense says only that it was one.
create view reporting.stock_moves as
select m.id as move_id,
       m.created_at as moved_at,
       m.created_at::date as day,
       m.kind,
       p.id as product_id,
       p.name as product,
       p.kind as product_kind,
       p.category,
       p.unit,
       l.id as lot_id,
       l.lot_number,
       m.quantity,
       m.reference_type,
       po.number as reference_number
  from stock_moves m
  join products p on p.id = m.product_id
  join lots l on l.id = m.lot_id
  left join purchase_orders po on m.reference_type = 'purchase_order' and po.id = m.reference_id;

create view reporting.daily_dispensing as
select m.created_at::date as day,
       p.id as product_id,
       p.name as product,
       p.kind,
       p.category,
       p.unit,
       count(*) filter (where m.kind = 'dispense') as dispensings,
       coalesce(-sum(m.quantity) filter (where m.kind = 'dispense'), 0)::numeric(12, 3) as dispensed,
       coalesce(sum(m.quantity) filter (where m.kind = 'return'), 0)::numeric(12, 3) as returned,
       coalesce(-sum(m.quantity), 0)::numeric(12, 3) as net_out
  from stock_moves m
  join products p on p.id = m.product_id
 where m.kind in ('dispense', 'return')
 group by 1, p.id, p.name, p.kind, p.category, p.unit;

-- Purchase orders without who created them and without their free-text notes.
create view reporting.purchase_orders as
select po.id as purchase_order_id,
       po.number,
       po.status,
       v.id as vendor_id,
       v.name as vendor,
       po.expected_on,
       (select count(*) from purchase_order_lines pl where pl.purchase_order_id = po.id) as lines,
       po.subtotal,
       po.tax_total,
       po.total,
       po.created_at,
       po.confirmed_at,
       po.received_at,
       po.cancelled_at
  from purchase_orders po
  join vendors v on v.id = po.vendor_id;

create view reporting.purchase_order_lines as
select po.id as purchase_order_id,
       po.number,
       po.status,
       v.id as vendor_id,
       v.name as vendor,
       pl.line_no,
       p.id as product_id,
       p.name as product,
       p.kind,
       p.category,
       p.unit,
       pl.quantity,
       pl.received,
       -- Still to come: only a confirmed order brings anything more.
       case when po.status = 'confirmed' then greatest(pl.quantity - pl.received, 0) else 0 end::numeric(12, 3)
         as outstanding,
       pl.unit_cost,
       pl.tax_rate,
       pl.subtotal,
       pl.tax,
       pl.total
  from purchase_order_lines pl
  join purchase_orders po on po.id = pl.purchase_order_id
  join vendors v on v.id = po.vendor_id
  join products p on p.id = pl.product_id;

-- The lines of issued invoices that are not void, without the patient and without the line's
-- free-text description: what was sold, when, for how much; never to whom. A security
-- barrier, so that no function in a reader's query sees a row the view leaves out (drafts
-- and void invoices) before the view's own filter has run.
create view reporting.sales with (security_barrier) as
select i.issued_on,
       i.number as invoice_number,
       i.status as invoice_status,
       il.line_no,
       il.kind,
       p.id as product_id,
       p.name as product,
       t.id as treatment_id,
       t.name as treatment,
       il.quantity,
       il.unit_price,
       il.tax_rate,
       il.subtotal,
       il.tax,
       il.total
  from invoices i
  join invoice_lines il on il.patient_id = i.patient_id and il.invoice_id = i.id
  left join products p on p.id = il.product_id
  left join treatments t on t.id = il.treatment_id
 where i.issued_on is not null and i.status in ('unpaid', 'partially_paid', 'paid');

create view reporting.daily_sales as
select issued_on,
       kind,
       count(distinct invoice_number) as invoices,
       count(*) as lines,
       sum(subtotal)::numeric(14, 2) as subtotal,
       sum(tax)::numeric(14, 2) as tax,
       sum(total)::numeric(14, 2) as total
  from reporting.sales
 group by issued_on, kind;

-- The role is cluster-wide and several Clinica databases may share one server: create it only
-- when missing, tolerating another database's migration creating it at the same moment. A
-- migrating user that may not create roles (a least-privilege account) leaves it to an
-- administrator: the views are there, `clinica reporting grant` (run with a user that may)
-- creates the role and grants what follows.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'clinica_reporting') then
    if not exists (select 1 from pg_roles where rolname = current_user and (rolsuper or rolcreaterole)) then
      raise notice 'role clinica_reporting not created: % may not create roles (see docs/reporting.md)', current_user;
      return;
    end if;
    begin
      create role clinica_reporting nologin;
    exception when duplicate_object or unique_violation then
      null;
    end;
  end if;
  execute format('grant connect on database %I to clinica_reporting', current_database());
  revoke all on schema public from clinica_reporting;
  grant usage on schema reporting to clinica_reporting;
  grant select on all tables in schema reporting to clinica_reporting;
  -- Views a later migration adds to the schema are readable too.
  alter default privileges in schema reporting grant select on tables to clinica_reporting;
end $$;
