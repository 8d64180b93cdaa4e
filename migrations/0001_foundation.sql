-- Foundation: accounts, sessions, signing keys, audit trail, outbox, patient registry.
-- Keys are chosen for Citus (see docs/architecture.md): patient-scoped tables carry
-- patient_id in their primary key; catalogues are small reference tables; uniqueness
-- that is not on the distribution key lives in its own table keyed by that value.

create extension if not exists pg_trgm;
create extension if not exists btree_gist;

-- Accounts -------------------------------------------------------------------------

create table users (
  id uuid primary key,
  email text not null,
  password_hash text,
  roles text[] not null,
  patient_id uuid,
  active boolean not null default true,
  language text not null default 'es' check (language in ('es', 'en')),
  mfa_secret text,
  mfa_enabled boolean not null default false,
  -- Last accepted TOTP time step: a code is accepted once.
  mfa_last_step bigint,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  last_login_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint users_roles_known check (
    roles <@ array['patient', 'admissions', 'doctor', 'results', 'pharmacist', 'agent', 'admin']::text[]
    and cardinality(roles) > 0
  )
);
create unique index users_email_key on users (lower(email));
create index users_patient_idx on users (patient_id) where patient_id is not null;

create table mfa_recovery_codes (
  user_id uuid not null references users (id) on delete cascade,
  code_hash text not null,
  used_at timestamptz,
  primary key (user_id, code_hash)
);

-- A refresh token belongs to a session (family); rotating it issues the next token of the
-- same session, and presenting an already rotated token revokes the whole session.
create table sessions (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  token_hash text not null,
  previous_token_hash text,
  created_at timestamptz not null default now(),
  last_used_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  ip text,
  user_agent text
);
create unique index sessions_token_key on sessions (token_hash);
create index sessions_previous_token_idx on sessions (previous_token_hash) where previous_token_hash is not null;
create index sessions_user_idx on sessions (user_id);

create table signing_keys (
  kid text primary key,
  algorithm text not null,
  private_jwk jsonb not null,
  public_jwk jsonb not null,
  created_at timestamptz not null default now()
);

-- Audit trail ---------------------------------------------------------------------------
-- Append-only: entries are inserted with their own hash; a sealer later groups unsealed
-- entries into seals, each chained to the previous seal. Inserts never wait on each other.

create table audit_seals (
  id bigint primary key,
  sealed_at timestamptz not null default now(),
  entry_count integer not null,
  first_entry_id bigint not null,
  last_entry_id bigint not null,
  previous_hash text not null,
  hash text not null
);

create table audit_events (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null,
  actor_id uuid,
  actor_roles text[] not null default '{}',
  action text not null,
  resource_type text,
  resource_id text,
  patient_id uuid,
  outcome text not null check (outcome in ('success', 'denied', 'failure')),
  ip text,
  user_agent text,
  request_id text,
  details jsonb not null default '{}',
  hash text not null,
  seal_id bigint
);
-- Searches filter by actor, patient or action and read newest first (by id). Time ranges
-- use a BRIN index: entries arrive in time order, so it is tiny and nearly free to keep.
create index audit_events_time_idx on audit_events using brin (occurred_at);
create index audit_events_actor_idx on audit_events (actor_id, id);
create index audit_events_patient_idx on audit_events (patient_id, id) where patient_id is not null;
create index audit_events_action_idx on audit_events (action, id);
create index audit_events_unsealed_idx on audit_events (id) where seal_id is null;

create function audit_events_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' and old.seal_id is null and new.seal_id is not null
     and (new.id, new.occurred_at, new.actor_id, new.actor_roles, new.action, new.resource_type,
          new.resource_id, new.patient_id, new.outcome, new.ip, new.user_agent, new.request_id,
          new.details, new.hash)
         is not distinct from
         (old.id, old.occurred_at, old.actor_id, old.actor_roles, old.action, old.resource_type,
          old.resource_id, old.patient_id, old.outcome, old.ip, old.user_agent, old.request_id,
          old.details, old.hash) then
    return new;
  end if;
  raise exception 'audit_events is append-only' using errcode = 'insufficient_privilege';
end $$;

create trigger audit_events_append_only before update or delete on audit_events
  for each row execute function audit_events_append_only();

create function audit_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only', tg_table_name using errcode = 'insufficient_privilege';
end $$;

create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_refuse_change();
create trigger audit_seals_append_only before update or delete on audit_seals
  for each row execute function audit_refuse_change();
create trigger audit_seals_no_truncate before truncate on audit_seals
  for each statement execute function audit_refuse_change();

-- Outbox: domain events written in the same transaction as the change ---------------------

create table outbox (
  id uuid primary key,
  type text not null,
  version integer not null default 1,
  aggregate_type text not null,
  aggregate_id text not null,
  patient_id uuid,
  payload jsonb not null,
  occurred_at timestamptz not null default now(),
  published_at timestamptz,
  attempts integer not null default 0
);
create index outbox_unpublished_idx on outbox (occurred_at) where published_at is null;

-- Patient registry ----------------------------------------------------------------------

create sequence patient_number_seq;

create table patients (
  id uuid primary key,
  patient_number text not null,
  document_number text not null,
  first_name text not null,
  last_name text not null,
  birth_date date not null,
  sex text not null check (sex in ('female', 'male', 'other', 'unknown')),
  phone text,
  email text,
  address jsonb,
  emergency_contact jsonb,
  allergies jsonb not null default '[]',
  blood_type text check (blood_type in ('A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-')),
  category text not null default 'new' check (category in ('new', 'returning')),
  -- Normalised copies for search: lower case, accents removed, digits only.
  name_search text not null,
  sort_key text not null,
  phone_digits text,
  merged_into uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index patients_name_trgm_idx on patients using gin (name_search gin_trgm_ops);
create index patients_phone_trgm_idx on patients using gin (phone_digits gin_trgm_ops);
create index patients_sort_idx on patients (sort_key, id) where merged_into is null;
create index patients_birth_date_idx on patients (birth_date);

-- Uniqueness of document and patient numbers. On Citus this table is distributed by
-- `value`, so the constraint holds cluster-wide while `patients` is distributed by id.
create table patient_identifiers (
  system text not null check (system in ('document', 'patient-number')),
  value text not null,
  patient_id uuid not null,
  primary key (system, value)
);
create index patient_identifiers_patient_idx on patient_identifiers (patient_id);
