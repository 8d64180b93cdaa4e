-- Backups: one row per backup run (scheduled, started from the admin screen, or `clinica
-- backup`), for the status screen, the metrics and the failure e-mail. The archives themselves
-- live in BACKUP_URL. On Citus this is a small local table of the coordinator.

create table backup_runs (
  id uuid primary key,
  trigger text not null check (trigger in ('schedule', 'manual', 'cli')),
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
  -- The scheduled time a `schedule` run is for: unique, so however many processes check the
  -- schedule, the first to insert the row runs that backup and the others see it taken.
  slot timestamptz unique,
  requested_by uuid,
  -- Where the archive goes (BACKUP_URL or `clinica backup --to`), any password left out.
  destination text not null,
  started_at timestamptz not null default now(),
  -- Refreshed while the run makes progress: a `running` row whose process died stops being
  -- refreshed, and the next run marks it failed instead of waiting for it forever.
  heartbeat_at timestamptz not null default now(),
  finished_at timestamptz,
  archive text,
  -- The encrypted archive as stored, and what went into it.
  size_bytes bigint check (size_bytes >= 0),
  raw_bytes bigint check (raw_bytes >= 0),
  duration_ms bigint check (duration_ms >= 0),
  tables integer check (tables >= 0),
  rows bigint check (rows >= 0),
  documents integer check (documents >= 0),
  document_bytes bigint check (document_bytes >= 0),
  error text,
  check ((status = 'running') = (finished_at is null)),
  check ((trigger = 'schedule') = (slot is not null)),
  check ((status = 'failed') = (error is not null))
);
-- One backup at a time across every process: a second start finds this index taken.
create unique index backup_runs_one_running on backup_runs (status) where status = 'running';
create index backup_runs_recent_idx on backup_runs (started_at desc, id desc);
create index backup_runs_finished_idx on backup_runs (status, finished_at desc) where status <> 'running';
