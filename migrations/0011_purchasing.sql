-- Purchasing: vendors, purchase orders (P00001) and their lines. Receiving an order's goods
-- writes receipt moves into the stock ledger (0010) that name the order and the line.
-- Citus (docs/architecture.md): reference tables, like the rest of the pharmacy: purchasing is
-- the clinic's, not a patient's, and orders are few next to stock moves.

create table vendors (
  id uuid primary key,
  name text not null check (length(name) between 1 and 200),
  -- Where confirmed orders are e-mailed.
  email text not null check (length(email) between 3 and 254),
  phone text,
  tax_id text,
  address text,
  -- The language of the e-mail the vendor receives.
  language text not null default 'es' check (language in ('es', 'en')),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index vendors_name_idx on vendors (name, id);

-- Order numbers are gapless: the one row is updated in the transaction that creates the
-- order, so concurrent creations wait for each other and a rolled-back one gives its number
-- back (a sequence would skip it).
create table purchase_order_numbers (
  only_row boolean primary key default true check (only_row),
  last_value integer not null check (last_value >= 0)
);
insert into purchase_order_numbers (only_row, last_value) values (true, 0);

create table purchase_orders (
  id uuid primary key,
  number text not null unique check (number ~ '^P[0-9]{5,}$'),
  vendor_id uuid not null references vendors (id),
  status text not null default 'draft' check (status in ('draft', 'confirmed', 'received', 'cancelled')),
  expected_on date,
  notes text,
  -- Sums of the lines, kept with them in the same transaction.
  subtotal numeric(12, 2) not null default 0 check (subtotal >= 0),
  tax_total numeric(12, 2) not null default 0 check (tax_total >= 0),
  total numeric(12, 2) not null default 0,
  created_by uuid not null,
  -- Milliseconds, the precision of the list's cursor.
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default now(),
  confirmed_at timestamptz,
  received_at timestamptz,
  cancelled_at timestamptz,
  cancel_reason text,
  check (total = subtotal + tax_total),
  -- Each status carries the times of the steps that led to it, and no others.
  check (status in ('draft', 'cancelled') or confirmed_at is not null),
  check (status <> 'draft' or confirmed_at is null),
  check ((status = 'received') = (received_at is not null)),
  check ((status = 'cancelled') = (cancelled_at is not null)),
  check ((status = 'cancelled') = (cancel_reason is not null))
);
create index purchase_orders_recent_idx on purchase_orders (created_at desc, id desc);
create index purchase_orders_status_idx on purchase_orders (status, created_at desc, id desc);
create index purchase_orders_vendor_idx on purchase_orders (vendor_id, created_at desc, id desc);

create table purchase_order_lines (
  purchase_order_id uuid not null references purchase_orders (id),
  line_no smallint not null check (line_no between 1 and 100),
  product_id uuid not null references products (id),
  quantity numeric(12, 3) not null check (quantity > 0),
  unit_cost numeric(12, 4) not null check (unit_cost >= 0),
  -- A percentage, taken from the product when the line was written.
  tax_rate numeric(5, 2) not null check (tax_rate between 0 and 100),
  subtotal numeric(12, 2) not null check (subtotal >= 0),
  tax numeric(12, 2) not null check (tax >= 0),
  total numeric(12, 2) not null,
  -- What receipts brought in so far: never more than ordered (receipts lock the order first).
  received numeric(12, 3) not null default 0 check (received >= 0 and received <= quantity),
  primary key (purchase_order_id, line_no),
  check (total = subtotal + tax)
);
-- What is on order per product, and the most recent line of a product (reorder suggestions).
create index purchase_order_lines_product_idx on purchase_order_lines (product_id);

-- A receipt move of an order names its line: reference_line was reserved for prescription
-- lines (the unnamed check 0010 wrote, which PostgreSQL called stock_moves_check1).
alter table stock_moves drop constraint stock_moves_check1;
alter table stock_moves add constraint stock_moves_reference_line_check check (
  case reference_type
    when 'prescription_line' then reference_line is not null
    when 'purchase_order' then true
    else reference_line is null
  end
);
