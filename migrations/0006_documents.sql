-- Documents: each patient's files (uploads, results, filed prescriptions, clinical-history
-- exports, later incident reports and invoices). The bytes live in the object storage
-- (STORAGE_URL) under `patients/<patient number>/<document id>.<ext>`; a row holds what is
-- needed to find and check them (key, size, SHA-256). Both tables are patient-scoped:
-- distributed by patient_id with the patients on Citus.

create table documents (
  patient_id uuid not null,
  id uuid not null,
  category text not null
    check (category in ('prescription', 'history_export', 'incident_report', 'invoice', 'result', 'upload')),
  title text not null check (length(title) between 1 and 200),
  file_name text not null check (length(file_name) between 1 and 255),
  content_type text not null,
  size_bytes bigint not null check (size_bytes >= 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key text not null,
  -- Null when the system filed it on nobody's behalf.
  author_id uuid,
  -- What produced it (a prescription, an invoice ...): filing the same source twice is refused.
  source_type text,
  source_id uuid,
  created_at timestamptz not null default clock_timestamp(),
  deleted_at timestamptz,
  deleted_by uuid,
  delete_reason text check (length(delete_reason) between 1 and 500),
  primary key (patient_id, id),
  check ((source_type is null) = (source_id is null)),
  check ((deleted_at is null) = (deleted_by is null) and (deleted_at is null) = (delete_reason is null))
);
-- One row per stored object. A patient merge keeps the objects where they are and moves the
-- rows, so the key does not include the distribution column; on Citus this uniqueness moves
-- to a table keyed by storage_key, as docs/architecture.md describes for identifiers.
create unique index documents_storage_key_key on documents (storage_key);
create unique index documents_source_key on documents (patient_id, category, source_type, source_id)
  where source_type is not null;
create index documents_patient_idx on documents (patient_id, created_at, id);
-- Reads by id alone (the filing consumer); random UUIDs do not collide.
create index documents_id_idx on documents (id);

-- What identifies the stored bytes never changes, a deleted document is never brought back,
-- and rows are only removed by a patient merge moving them (clinica_moving_patient_rows).
create function documents_guard() returns trigger language plpgsql as $$
begin
  if clinica_moving_patient_rows() then
    if tg_op = 'DELETE' then
      return old;
    end if;
    return new;
  end if;
  if tg_op = 'DELETE' then
    raise exception 'documents are never removed; delete them softly, with a reason'
      using errcode = 'object_not_in_prerequisite_state';
  end if;
  if (new.patient_id, new.id, new.storage_key, new.size_bytes, new.sha256, new.content_type, new.created_at)
       is distinct from (old.patient_id, old.id, old.storage_key, old.size_bytes, old.sha256, old.content_type,
                         old.created_at)
     or (old.deleted_at is not null and (new.deleted_at, new.deleted_by, new.delete_reason)
           is distinct from (old.deleted_at, old.deleted_by, old.delete_reason)) then
    raise exception 'the file of a document and its deletion cannot be changed'
      using errcode = 'object_not_in_prerequisite_state';
  end if;
  return new;
end $$;

create trigger documents_guard before update or delete on documents
  for each row execute function documents_guard();

-- Files produced by Clinica (a signed prescription, a history export ...) wait here, written
-- in the producing transaction with a `document.staged` event, until the filing consumer has
-- put them in the storage and created their document row (same id). A storage outage only
-- delays that; the bytes are safe in the database meanwhile.
create table document_staging (
  patient_id uuid not null,
  id uuid not null,
  category text not null
    check (category in ('prescription', 'history_export', 'incident_report', 'invoice', 'result', 'upload')),
  title text not null check (length(title) between 1 and 200),
  file_name text not null check (length(file_name) between 1 and 255),
  content_type text not null,
  size_bytes bigint not null check (size_bytes >= 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  author_id uuid,
  source_type text,
  source_id uuid,
  content bytea not null,
  created_at timestamptz not null default clock_timestamp(),
  primary key (patient_id, id),
  check ((source_type is null) = (source_id is null)),
  check (octet_length(content) = size_bytes)
);
create unique index document_staging_source_key on document_staging (patient_id, category, source_type, source_id)
  where source_type is not null;
create index document_staging_id_idx on document_staging (id);
