-- Dental chart (odontogram) entries and prescriptions with their lines.
-- Citus (docs/architecture.md): all three tables are patient-scoped, distributed by
-- patient_id with the patients; patient_id leads every primary key. Encounters, appointments,
-- treatments and practitioners are referenced by id without foreign keys: encounters and
-- appointments live on other (co-located) tables written by other modules, and the services
-- check what they must.

-- Rows that are history (chart entries, signed prescriptions) change only when a patient
-- merge moves them to the surviving record: the merge step sets this transaction-local flag
-- (`set_config('clinica.moving_patient_rows', 'on', true)`) around its INSERT ... SELECT + DELETE.
create function clinica_moving_patient_rows() returns boolean language sql stable as $$
  select coalesce(current_setting('clinica.moving_patient_rows', true), '') = 'on'
$$;

-- FDI / ISO 3950: quadrants 1-4 hold permanent teeth 1-8, quadrants 5-8 primary teeth 1-5.
create function is_fdi_tooth(tooth smallint) returns boolean language sql immutable as $$
  select (tooth / 10 between 1 and 4 and tooth % 10 between 1 and 8)
      or (tooth / 10 between 5 and 8 and tooth % 10 between 1 and 5)
$$;

create table dental_chart_entries (
  patient_id uuid not null,
  id uuid not null,
  tooth smallint not null check (is_fdi_tooth(tooth)),
  -- Empty: the whole tooth (missing, crown, implant ...).
  surfaces text[] not null default '{}'
    check (surfaces <@ array['mesial', 'distal', 'occlusal', 'buccal', 'lingual']::text[]),
  kind text not null check (kind in ('finding', 'treatment')),
  finding text,
  treatment_id uuid,
  treatment_status text check (treatment_status in ('planned', 'done')),
  note text,
  encounter_id uuid,
  appointment_id uuid,
  recorded_by uuid not null,
  -- clock_timestamp, not now(): entries recorded in one transaction still have an order.
  recorded_at timestamptz not null default clock_timestamp(),
  primary key (patient_id, id),
  check ((kind = 'finding') = (finding is not null)),
  check ((kind = 'treatment') = (treatment_id is not null and treatment_status is not null))
);
create index dental_chart_entries_tooth_idx on dental_chart_entries (patient_id, tooth, recorded_at, id);

create function dental_chart_entries_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' and clinica_moving_patient_rows() then
    return old;
  end if;
  raise exception 'dental chart entries are never changed; record a new entry instead'
    using errcode = 'object_not_in_prerequisite_state';
end $$;

create trigger dental_chart_entries_append_only before update or delete on dental_chart_entries
  for each row execute function dental_chart_entries_append_only();

-- Prescriptions -------------------------------------------------------------------------

create sequence prescription_number_seq;

create table prescriptions (
  patient_id uuid not null,
  id uuid not null,
  number text not null,
  status text not null default 'draft' check (status in ('draft', 'signed')),
  appointment_id uuid,
  treatment_id uuid,
  -- Copied from the catalogue when the prescription is written: later price changes do not
  -- rewrite what the patient was told.
  treatment_cost numeric(12, 2) check (treatment_cost >= 0),
  teeth smallint[] not null default '{}',
  prescriber_user_id uuid not null,
  referred_practitioner_id uuid,
  prescribed_on date not null,
  next_appointment_on date,
  notes text,
  signed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (patient_id, id),
  check ((status = 'signed') = (signed_at is not null)),
  check ((treatment_id is null) = (treatment_cost is null)),
  check (next_appointment_on is null or next_appointment_on >= prescribed_on)
);
-- Reads by id alone (/prescriptions/{id}); random UUIDs do not collide, and a unique index
-- without the distribution column would not be allowed on Citus.
create index prescriptions_id_idx on prescriptions (id);
create index prescriptions_patient_idx on prescriptions (patient_id, created_at, id);
create index prescriptions_signed_idx on prescriptions (signed_at, id) where status = 'signed';

create table prescription_lines (
  patient_id uuid not null,
  prescription_id uuid not null,
  line_no smallint not null check (line_no >= 1),
  medicament text not null,
  generic_name text,
  strength text,
  form text not null
    check (form in ('tablet', 'capsule', 'liquid', 'drops', 'cream', 'ointment', 'gel', 'mouthwash', 'injection',
                    'inhaler', 'patch', 'suppository', 'powder', 'other')),
  quantity integer not null check (quantity >= 1),
  price numeric(12, 2) check (price >= 0),
  food_timing text not null check (food_timing in ('before', 'after', 'with', 'any')),
  morning boolean not null default false,
  afternoon boolean not null default false,
  night boolean not null default false,
  days integer not null check (days between 1 and 365),
  instructions text,
  primary key (patient_id, prescription_id, line_no),
  foreign key (patient_id, prescription_id) references prescriptions (patient_id, id)
);

-- A signed prescription is what the patient and the pharmacy hold: the service refuses to
-- change it, and so does the database, whatever client writes to it.
create function prescriptions_signed_read_only() returns trigger language plpgsql as $$
begin
  if old.status = 'signed' and not clinica_moving_patient_rows() then
    raise exception 'prescription % is signed and cannot be changed', old.number
      using errcode = 'object_not_in_prerequisite_state';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end $$;

create trigger prescriptions_signed_read_only before update or delete on prescriptions
  for each row execute function prescriptions_signed_read_only();

create function prescription_lines_signed_read_only() returns trigger language plpgsql as $$
declare
  parent_status text;
  key_patient uuid;
  key_prescription uuid;
begin
  if tg_op = 'INSERT' then
    key_patient := new.patient_id;
    key_prescription := new.prescription_id;
  else
    key_patient := old.patient_id;
    key_prescription := old.prescription_id;
  end if;
  select status into parent_status from prescriptions where patient_id = key_patient and id = key_prescription;
  if parent_status = 'signed' and not clinica_moving_patient_rows() then
    raise exception 'the lines of a signed prescription cannot be changed'
      using errcode = 'object_not_in_prerequisite_state';
  end if;
  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end $$;

create trigger prescription_lines_signed_read_only before insert or update or delete on prescription_lines
  for each row execute function prescription_lines_signed_read_only();
