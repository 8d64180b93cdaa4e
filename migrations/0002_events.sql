-- Events and notifications: outbox delivery state, idempotent consumers, e-mail delivery
-- log, password reset, e-mail preferences.

-- Outbox delivery: a row is leased to one relay at a time (locked_until), retried with
-- back-off (available_at), and parked as dead after too many failures (dead_at).
alter table outbox
  add column available_at timestamptz not null default now(),
  add column locked_until timestamptz,
  add column last_error text,
  add column dead_at timestamptz;
drop index outbox_unpublished_idx;
create index outbox_due_idx on outbox (available_at, occurred_at) where published_at is null and dead_at is null;
create index outbox_published_idx on outbox (published_at) where published_at is not null;

-- Wakes relays as soon as a transaction that wrote events commits (NOTIFY is delivered on
-- commit, and never for a rolled-back transaction); relays also poll, so none is lost.
create function outbox_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('clinica_outbox', '');
  return null;
end $$;
create trigger outbox_notify after insert on outbox for each statement execute function outbox_notify();

-- A consumer records each event it has handled, in the transaction of its side effect
-- where it has one: a redelivered event is recognised and skipped.
create table processed_events (
  consumer text not null,
  event_id uuid not null,
  processed_at timestamptz not null default now(),
  primary key (consumer, event_id)
);
create index processed_events_age_idx on processed_events (processed_at);

-- One row per e-mail: which event caused it, to whom, which template, how it went.
create table mail_deliveries (
  id uuid primary key,
  event_id uuid not null,
  event_type text not null,
  template text not null,
  recipient text not null,
  language text not null check (language in ('es', 'en')),
  user_id uuid,
  -- The Message-ID header, derived from the event and recipient: a resend carries the same one.
  message_id text not null,
  status text not null check (status in ('sending', 'sent', 'retrying', 'failed', 'skipped')),
  attempts integer not null default 0,
  provider_message_id text,
  last_error text,
  -- Milliseconds, the precision of the list's cursor.
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default now(),
  sent_at timestamptz,
  unique (event_id, template, recipient)
);
create index mail_deliveries_recent_idx on mail_deliveries (created_at desc, id desc);
create index mail_deliveries_status_idx on mail_deliveries (status, created_at desc) where status <> 'sent';

-- Non-essential e-mail (reminders, appointment and helpdesk updates) can be switched off;
-- account security e-mail is always sent.
alter table users add column email_notifications boolean not null default true;

-- Password reset: the link carries the id and an HMAC of it under a key kept in the
-- database, so neither the outbox nor the broker ever holds a usable link.
create table password_resets (
  id uuid primary key,
  user_id uuid not null references users (id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index password_resets_user_idx on password_resets (user_id, created_at desc);

create table server_secrets (
  name text primary key,
  value text not null,
  created_at timestamptz not null default now()
);
