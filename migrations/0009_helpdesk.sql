-- Helpdesk: incidents (INC00001) reported by patients, staff or through the public form,
-- their conversation (public replies and internal notes) and attachments.
-- Citus (docs/architecture.md): incidents are few and not owned by one patient (the link is
-- optional), so the three tables are reference tables rather than distributed ones.

create sequence incident_number_seq;

create table incidents (
  id uuid primary key,
  number text not null unique,
  subject text not null,
  description text not null,
  status text not null default 'new' check (status in ('new', 'open', 'pending', 'resolved', 'closed')),
  priority text not null default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
  category text not null
    check (category in ('appointment', 'prescription', 'billing', 'access', 'clinical', 'technical', 'other')),
  -- Null for the public form: the reporter is known by name and e-mail only.
  reporter_user_id uuid,
  reporter_name text not null,
  reporter_email text not null,
  patient_id uuid,
  appointment_id uuid,
  prescription_id uuid,
  assignee_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  first_response_at timestamptz,
  resolved_at timestamptz,
  closed_at timestamptz,
  first_response_due_at timestamptz,
  resolution_due_at timestamptz,
  -- Set once, by the job that emits incident.sla_breached for that target.
  first_response_breached_at timestamptz,
  resolution_breached_at timestamptz,
  external_system text check (external_system in ('zammad')),
  external_ticket_id text,
  external_ticket_number text,
  external_synced_at timestamptz
);
create index incidents_reporter_idx on incidents (reporter_user_id, created_at desc);
create index incidents_status_idx on incidents (status, created_at desc);
create index incidents_assignee_idx on incidents (assignee_id);
create index incidents_patient_idx on incidents (patient_id);
create unique index incidents_external_key on incidents (external_system, external_ticket_id)
  where external_ticket_id is not null;

create table incident_articles (
  id uuid primary key,
  incident_id uuid not null references incidents (id),
  kind text not null check (kind in ('reply', 'note')),
  body text not null,
  author_user_id uuid,
  author_name text not null,
  author_role text not null check (author_role in ('reporter', 'agent', 'system')),
  via text not null check (via in ('web', 'email', 'zammad')),
  external_article_id text,
  created_at timestamptz not null default now(),
  -- An article arriving twice from the external helpdesk is kept once.
  unique (incident_id, external_article_id)
);
create index incident_articles_incident_idx on incident_articles (incident_id, created_at, id);

create table incident_attachments (
  id uuid primary key,
  incident_id uuid not null references incidents (id),
  article_id uuid references incident_articles (id),
  file_name text not null,
  content_type text not null,
  size_bytes bigint not null check (size_bytes >= 0),
  sha256 text not null,
  storage_key text not null,
  uploaded_by uuid,
  created_at timestamptz not null default now()
);
create index incident_attachments_incident_idx on incident_attachments (incident_id, article_id);

-- Inbound e-mail already handled, by its Message-ID: a redelivered message adds nothing.
create table incident_inbound_messages (
  message_id text primary key,
  incident_id uuid,
  accepted boolean not null,
  received_at timestamptz not null default now()
);
