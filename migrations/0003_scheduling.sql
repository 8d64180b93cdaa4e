-- Scheduling: treatments catalogue, practitioners with working hours and exceptions,
-- appointments, and the bookings table that makes double booking impossible.
-- Citus (docs/architecture.md): treatments, practitioners, their hours and exceptions are
-- reference tables; appointments are distributed by patient_id with the patients;
-- practitioner_bookings is distributed by practitioner_id.

create table treatments (
  id uuid primary key,
  code text not null,
  name text not null,
  duration_minutes integer not null check (duration_minutes between 5 and 720),
  cost numeric(12, 2) not null check (cost >= 0),
  is_dental boolean not null default false,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index treatments_code_key on treatments (lower(code));

create table practitioners (
  id uuid primary key,
  name text not null,
  specialty text,
  email text,
  mobile text,
  is_dentist boolean not null default false,
  -- The practitioner's own account, if they sign in; users live elsewhere on Citus, so the
  -- service checks that it exists instead of a foreign key.
  user_id uuid unique,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index practitioners_name_idx on practitioners (lower(name), id);

-- Weekly working hours as local times in CLINIC_TIMEZONE; ISO day of week (1 = Monday).
-- The service replaces a practitioner's whole week at once and refuses overlaps.
create table practitioner_hours (
  practitioner_id uuid not null references practitioners (id),
  day_of_week smallint not null check (day_of_week between 1 and 7),
  starts time not null,
  ends time not null,
  primary key (practitioner_id, day_of_week, starts),
  check (starts < ends)
);

-- One-off absences (holidays, leave). Whole days are kept as dates too, for display.
create table practitioner_exceptions (
  id uuid primary key,
  practitioner_id uuid not null references practitioners (id),
  during tstzrange not null check (not isempty(during)),
  start_date date,
  end_date date,
  reason text not null,
  created_at timestamptz not null default now()
);
create index practitioner_exceptions_during_idx on practitioner_exceptions using gist (practitioner_id, during);

create sequence appointment_number_seq;

create table appointments (
  patient_id uuid not null,
  id uuid not null,
  number text not null,
  practitioner_id uuid not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  treatment_ids uuid[] not null default '{}',
  type text not null check (type in ('consultation', 'follow_up', 'procedure', 'emergency')),
  patient_category text not null check (patient_category in ('new', 'returning')),
  responsible_user_id uuid,
  notes text,
  status text not null default 'booked'
    check (status in ('booked', 'confirmed', 'checked_in', 'done', 'no_show', 'cancelled')),
  cancellation_reason text,
  cancelled_by text check (cancelled_by in ('patient', 'staff')),
  cancelled_at timestamptz,
  checked_in_at timestamptz,
  reminder_sent_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (patient_id, id),
  check (starts_at < ends_at)
);
-- Reads by id alone (the API's /appointments/{id}); not unique, which Citus would refuse
-- without the distribution column. Ids are random UUIDs, so they do not collide.
create index appointments_id_idx on appointments (id);
create index appointments_patient_time_idx on appointments (patient_id, starts_at, id);
create index appointments_practitioner_time_idx on appointments (practitioner_id, starts_at, id);
create index appointments_time_idx on appointments (starts_at, id);
create index appointments_reminder_due_idx on appointments (starts_at)
  where reminder_sent_at is null and status in ('booked', 'confirmed');

-- The time each live appointment holds in its practitioner's diary. The exclusion
-- constraint refuses two overlapping rows for one practitioner, whatever the concurrency;
-- on Citus this table is distributed by practitioner_id, and a constraint that includes
-- the distribution column with `=` is enforced within each shard, which is enough.
-- Cancelled appointments hold no row.
create table practitioner_bookings (
  practitioner_id uuid not null,
  appointment_id uuid not null,
  during tstzrange not null,
  primary key (practitioner_id, appointment_id),
  constraint practitioner_bookings_no_overlap exclude using gist (practitioner_id with =, during with &&)
);
