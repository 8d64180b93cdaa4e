-- Billing: invoices for treatments, appointments and dispensed products, their lines and
-- payments, and the gapless per-year numbering.
-- Citus (docs/architecture.md): invoices, invoice_lines and invoice_payments are patient-scoped,
-- distributed by patient_id with the patients (patient_id leads every primary key, and the
-- foreign keys between them include it, so they stay on one shard). invoice_number_counters is
-- a reference table (one row per year). invoice_numbers is distributed by number, like
-- patient_identifiers: a unique constraint on a distributed table must include its distribution
-- column, so uniqueness of numbers across patients lives in a table keyed by the number.
-- Appointments, treatments, products and prescriptions are referenced by id without foreign
-- keys (other modules' tables; reference tables or co-located), and the service checks them.

create table invoices (
  patient_id uuid not null,
  id uuid not null,
  -- Assigned when the invoice is issued, never before: drafts have no number.
  number text check (number ~ '^F[0-9]{4}/[0-9]{5,}$'),
  status text not null default 'draft'
    check (status in ('draft', 'unpaid', 'partially_paid', 'paid', 'void')),
  issued_on date,
  subtotal numeric(12, 2) not null default 0 check (subtotal >= 0),
  tax_total numeric(12, 2) not null default 0 check (tax_total >= 0),
  total numeric(12, 2) not null default 0 check (total >= 0),
  paid numeric(12, 2) not null default 0 check (paid >= 0),
  notes text,
  void_reason text,
  created_by uuid not null,
  -- Milliseconds, as the list's cursor carries it (an ISO instant), so paging loses no row.
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default now(),
  issued_at timestamptz,
  voided_at timestamptz,
  primary key (patient_id, id),
  -- Lines carry their invoice's status through this key (on update cascade), so the rules
  -- against double billing below can leave void invoices out.
  unique (patient_id, id, status),
  check (total = subtotal + tax_total),
  check (paid <= total),
  check ((status = 'draft') = (number is null)),
  check ((status = 'draft') = (issued_on is null)),
  check ((status = 'draft') = (issued_at is null)),
  check ((status = 'void') = (voided_at is not null)),
  check ((status = 'void') = (void_reason is not null)),
  -- The payment status follows the amount paid; a void invoice never had a payment.
  check (case status
           when 'draft' then paid = 0
           when 'void' then paid = 0
           when 'unpaid' then paid = 0 and total > 0
           when 'partially_paid' then paid > 0 and paid < total
           when 'paid' then paid = total
         end)
);
-- Reads by id alone (/invoices/{id}); not unique, which Citus would refuse without patient_id.
create index invoices_id_idx on invoices (id);
create index invoices_patient_idx on invoices (patient_id, created_at desc, id desc);
create index invoices_created_idx on invoices (created_at desc, id desc);
create index invoices_status_idx on invoices (status, created_at desc, id desc);

-- Invoice numbers F2026/00001: one counter per year, taken in the issuing transaction. The
-- counter row stays locked until that transaction ends, so concurrent issues wait on each
-- other, and a rolled-back issue gives its number back: no number is skipped or used twice.
create table invoice_number_counters (
  year integer primary key check (year between 2000 and 9999),
  last_number integer not null check (last_number > 0)
);

create table invoice_numbers (
  number text primary key,
  invoice_id uuid not null
);

create table invoice_lines (
  patient_id uuid not null,
  invoice_id uuid not null,
  line_no smallint not null check (line_no between 1 and 500),
  kind text not null check (kind in ('treatment', 'appointment', 'product', 'other')),
  description text not null check (length(description) between 1 and 300),
  quantity numeric(12, 3) not null check (quantity > 0),
  unit_price numeric(12, 2) not null check (unit_price >= 0),
  -- A percentage: 15.00 is 15 %.
  tax_rate numeric(5, 2) not null check (tax_rate between 0 and 100),
  subtotal numeric(12, 2) not null check (subtotal >= 0),
  tax numeric(12, 2) not null check (tax >= 0),
  total numeric(12, 2) not null check (total >= 0),
  product_id uuid,
  treatment_id uuid,
  appointment_id uuid,
  prescription_id uuid,
  prescription_line smallint,
  invoice_status text not null default 'draft',
  primary key (patient_id, invoice_id, line_no),
  foreign key (patient_id, invoice_id, invoice_status) references invoices (patient_id, id, status)
    on update cascade,
  -- The amounts are exactly what the rounding rule gives (numeric round() rounds half away
  -- from zero, which is half-up for these non-negative amounts).
  check (subtotal = round(quantity * unit_price, 2)),
  check (tax = round(subtotal * tax_rate / 100, 2)),
  check (total = subtotal + tax),
  check ((prescription_id is null) = (prescription_line is null)),
  check (case kind
           when 'treatment' then treatment_id is not null and appointment_id is not null
             and product_id is null and prescription_id is null
           when 'appointment' then appointment_id is not null and treatment_id is null
             and product_id is null and prescription_id is null
           when 'product' then product_id is not null and prescription_id is not null
             and treatment_id is null and appointment_id is null
           else product_id is null and treatment_id is null and appointment_id is null and prescription_id is null
         end)
);

-- No double billing, whatever the concurrency: an appointment (which gives one line per
-- treatment) and a dispensed prescription line (one line per product dispensed for it) may
-- appear on one invoice only, among the invoices that are not void. These are partial
-- exclusion constraints rather than unique indexes because one invoice may hold several
-- lines of the same appointment or prescription line; two lines conflict only when they sit
-- on different invoices. patient_id with `=` keeps them local to a shard on Citus.
alter table invoice_lines add constraint invoice_lines_appointment_billed_once
  exclude using gist (patient_id with =, appointment_id with =, invoice_id with <>)
  where (appointment_id is not null and invoice_status <> 'void');
alter table invoice_lines add constraint invoice_lines_prescription_line_billed_once
  exclude using gist (patient_id with =, prescription_id with =, prescription_line with =, invoice_id with <>)
  where (prescription_id is not null and invoice_status <> 'void');
-- One treatment of one appointment once per invoice, and one product per prescription line.
create unique index invoice_lines_treatment_key on invoice_lines (patient_id, appointment_id, treatment_id)
  where treatment_id is not null and invoice_status <> 'void';
create unique index invoice_lines_product_key
  on invoice_lines (patient_id, prescription_id, prescription_line, product_id)
  where prescription_id is not null and invoice_status <> 'void';
create index invoice_lines_product_idx on invoice_lines (product_id) where product_id is not null;

create table invoice_payments (
  patient_id uuid not null,
  id uuid not null,
  invoice_id uuid not null,
  amount numeric(12, 2) not null check (amount > 0),
  method text not null check (method in ('cash', 'card', 'transfer', 'insurance', 'other')),
  paid_on date not null,
  reference text check (length(reference) between 1 and 200),
  user_id uuid not null,
  created_at timestamptz not null default clock_timestamp(),
  primary key (patient_id, id),
  foreign key (patient_id, invoice_id) references invoices (patient_id, id)
);
create index invoice_payments_invoice_idx on invoice_payments (patient_id, invoice_id, created_at, id);

-- An issued invoice is what the patient holds: its number, date, lines and amounts never
-- change. Only its payment status (and a void, once) moves on; a void invoice is final.
-- The service answers 409 first; these triggers hold whatever client writes. A patient merge
-- moves rows under the flag `clinica.moving_patient_rows` (0005), the only way past them.
create function invoices_issued_read_only() returns trigger language plpgsql as $$
begin
  if old.status = 'draft' or clinica_moving_patient_rows() then
    if tg_op = 'DELETE' then
      return old;
    end if;
    return new;
  end if;
  if tg_op = 'DELETE' or old.status = 'void'
     or row(new.patient_id, new.id, new.number, new.issued_on, new.subtotal, new.tax_total, new.total, new.notes,
            new.created_by, new.created_at, new.issued_at)
        is distinct from
        row(old.patient_id, old.id, old.number, old.issued_on, old.subtotal, old.tax_total, old.total, old.notes,
            old.created_by, old.created_at, old.issued_at)
     or new.status = 'draft' then
    raise exception 'invoice % is issued and cannot be changed', old.number
      using errcode = 'object_not_in_prerequisite_state';
  end if;
  -- Payments only add up (they are never changed), so neither does what was paid go down.
  if new.paid < old.paid then
    raise exception 'the amount paid of invoice % cannot go down', old.number
      using errcode = 'object_not_in_prerequisite_state';
  end if;
  return new;
end $$;

create trigger invoices_issued_read_only before update or delete on invoices
  for each row execute function invoices_issued_read_only();

-- Lines change only while their invoice is a draft; afterwards only the status their invoice
-- cascades onto them.
create function invoice_lines_issued_read_only() returns trigger language plpgsql as $$
begin
  if clinica_moving_patient_rows() then
    if tg_op = 'DELETE' then
      return old;
    end if;
    return new;
  end if;
  if tg_op = 'INSERT' then
    if new.invoice_status <> 'draft' then
      raise exception 'lines are added to draft invoices only' using errcode = 'object_not_in_prerequisite_state';
    end if;
    return new;
  end if;
  if old.invoice_status = 'draft' then
    if tg_op = 'DELETE' then
      return old;
    end if;
    return new;
  end if;
  if tg_op = 'DELETE'
     or row(new.patient_id, new.invoice_id, new.line_no, new.kind, new.description, new.quantity, new.unit_price,
            new.tax_rate, new.subtotal, new.tax, new.total, new.product_id, new.treatment_id, new.appointment_id,
            new.prescription_id, new.prescription_line)
        is distinct from
        row(old.patient_id, old.invoice_id, old.line_no, old.kind, old.description, old.quantity, old.unit_price,
            old.tax_rate, old.subtotal, old.tax, old.total, old.product_id, old.treatment_id, old.appointment_id,
            old.prescription_id, old.prescription_line) then
    raise exception 'the lines of an issued invoice cannot be changed'
      using errcode = 'object_not_in_prerequisite_state';
  end if;
  return new;
end $$;

create trigger invoice_lines_issued_read_only before insert or update or delete on invoice_lines
  for each row execute function invoice_lines_issued_read_only();

-- Payments are a ledger: recorded, never changed.
create function invoice_payments_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' and clinica_moving_patient_rows() then
    return old;
  end if;
  raise exception 'payments are never changed' using errcode = 'object_not_in_prerequisite_state';
end $$;

create trigger invoice_payments_append_only before update or delete on invoice_payments
  for each row execute function invoice_payments_append_only();
