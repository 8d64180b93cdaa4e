-- Pharmacy and inventory: products, lots, the append-only stock ledger and lot balances.
-- Citus (docs/architecture.md): these are reference tables, not patient-scoped. A dispense
-- move names the prescription line it served by (prescription id, line number) without a
-- foreign key: prescriptions are distributed by patient, and a patient merge keeps their ids.

create table products (
  id uuid primary key,
  kind text not null check (kind in ('medicine', 'supply')),
  name text not null check (length(name) between 1 and 200),
  generic_name text,
  dosage_strength text,
  form text,
  category text,
  -- Unique when set; products without a barcode are many.
  barcode text unique,
  unit text not null default 'unit',
  sale_price numeric(12, 2) not null check (sale_price >= 0),
  -- A percentage: 15.00 is 15 %.
  tax_rate numeric(5, 2) not null default 0 check (tax_rate between 0 and 100),
  cost numeric(12, 4) check (cost >= 0),
  min_stock numeric(12, 3) not null default 0 check (min_stock >= 0),
  max_stock numeric(12, 3) check (max_stock >= 0),
  active boolean not null default true,
  -- Set when the on-hand quantity crossed below min_stock (stock.low emitted), cleared when it
  -- is back at or above it; changed only in the transaction of the move that crossed.
  below_min boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (max_stock is null or max_stock >= min_stock)
);
create index products_name_idx on products (name, id);

create table lots (
  id uuid primary key,
  product_id uuid not null references products (id),
  lot_number text not null check (length(lot_number) between 1 and 64),
  expires_on date not null,
  created_at timestamptz not null default now(),
  unique (product_id, lot_number),
  -- Lets stock_moves check that a move's lot belongs to its product.
  unique (id, product_id)
);
create index lots_expiry_idx on lots (product_id, expires_on, id);

-- The ledger: one row per movement of stock, never changed. Receipts and returns bring stock
-- in (positive), dispenses and expiry write-offs take it out (negative), adjustments either.
create table stock_moves (
  id uuid primary key,
  kind text not null check (kind in ('receipt', 'dispense', 'adjustment', 'return', 'expiry_write_off')),
  product_id uuid not null,
  lot_id uuid not null,
  quantity numeric(12, 3) not null check (quantity <> 0),
  -- What the move was for: a prescription line (reference_id = prescription id, reference_line
  -- = line number), a purchase order, ... ; null for a manual adjustment.
  reference_type text check (reference_type in ('prescription_line', 'purchase_order')),
  reference_id uuid,
  reference_line smallint,
  user_id uuid not null,
  note text,
  -- clock_timestamp, not now(): moves of one transaction still have an order.
  created_at timestamptz not null default clock_timestamp(),
  foreign key (lot_id, product_id) references lots (id, product_id),
  check ((reference_type is null) = (reference_id is null)),
  check ((reference_type = 'prescription_line') = (reference_line is not null)),
  check (kind <> 'dispense' or reference_type = 'prescription_line'),
  check (case kind
           when 'receipt' then quantity > 0
           when 'return' then quantity > 0
           when 'dispense' then quantity < 0
           when 'expiry_write_off' then quantity < 0
           else true
         end)
);
create index stock_moves_lot_idx on stock_moves (lot_id, created_at, id);
create index stock_moves_product_idx on stock_moves (product_id, created_at, id);
create index stock_moves_reference_idx on stock_moves (reference_id, reference_line) where reference_id is not null;

-- What each lot holds: always the sum of its moves (the trigger below is its only writer), and
-- never negative (a move that would take more than the lot holds fails with check_violation).
create table lot_stock (
  lot_id uuid primary key references lots (id),
  product_id uuid not null references products (id),
  quantity numeric(12, 3) not null default 0 check (quantity >= 0)
);
create index lot_stock_product_idx on lot_stock (product_id, lot_id);

-- Each lot starts with a balance of zero (not an upsert in the ledger's trigger: PostgreSQL
-- checks the row an INSERT ... ON CONFLICT proposes, so a first negative amount would be
-- refused by the check before the conflict is seen).
create function lots_open_balance() returns trigger language plpgsql as $$
begin
  insert into lot_stock (lot_id, product_id, quantity) values (new.id, new.product_id, 0);
  return new;
end $$;

create trigger lots_open_balance after insert on lots
  for each row execute function lots_open_balance();

create function stock_moves_apply() returns trigger language plpgsql as $$
begin
  update lot_stock set quantity = quantity + new.quantity where lot_id = new.lot_id;
  return new;
end $$;

create trigger stock_moves_apply after insert on stock_moves
  for each row execute function stock_moves_apply();

create function stock_moves_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'stock moves are never changed; record a correcting move instead'
    using errcode = 'object_not_in_prerequisite_state';
end $$;

create trigger stock_moves_append_only before update or delete on stock_moves
  for each row execute function stock_moves_append_only();

-- Balances change only through the ledger's trigger (nested: trigger depth 2).
create function lot_stock_guard() returns trigger language plpgsql as $$
begin
  if pg_trigger_depth() < 2 then
    raise exception 'lot balances follow the stock moves; record a move instead'
      using errcode = 'object_not_in_prerequisite_state';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end $$;

create trigger lot_stock_guard before insert or update or delete on lot_stock
  for each row execute function lot_stock_guard();
