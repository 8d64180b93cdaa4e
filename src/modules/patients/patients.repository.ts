import type { Queryable } from '../../platform/db/database.js';
import { decodeCursor, encodeCursor } from '../../platform/http/schemas.js';
import { ageOn, digitsOf, foldText, likeEscape, nameSearchOf, normalizeDocument, sortKeyOf } from './normalize.js';
import type { DuplicateCandidate, Patient, PatientInput } from './patients.schemas.js';

export interface PatientRow {
  id: string;
  patient_number: string;
  document_number: string;
  first_name: string;
  last_name: string;
  birth_date: string;
  sex: Patient['sex'];
  phone: string | null;
  email: string | null;
  address: Patient['address'] | null;
  emergency_contact: Patient['emergencyContact'] | null;
  allergies: string[];
  blood_type: Patient['bloodType'] | null;
  category: Patient['category'];
  sort_key: string;
  merged_into: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, patient_number, document_number, first_name, last_name, birth_date, sex, phone, email,
  address, emergency_contact, allergies, blood_type, category, sort_key, merged_into, created_at, updated_at`;
const P_COLUMNS = COLUMNS.split(',')
  .map((c) => `p.${c.trim()}`)
  .join(', ');

export function toPatient(r: PatientRow): Patient {
  return {
    id: r.id,
    patientNumber: r.patient_number,
    documentNumber: r.document_number,
    firstName: r.first_name,
    lastName: r.last_name,
    birthDate: r.birth_date,
    age: ageOn(r.birth_date),
    sex: r.sex,
    ...(r.phone ? { phone: r.phone } : {}),
    ...(r.email ? { email: r.email } : {}),
    ...(r.address ? { address: r.address } : {}),
    ...(r.emergency_contact ? { emergencyContact: r.emergency_contact } : {}),
    allergies: r.allergies,
    ...(r.blood_type ? { bloodType: r.blood_type } : {}),
    category: r.category,
    ...(r.merged_into ? { mergedInto: r.merged_into } : {}),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Column values of an input, with the normalised search columns derived from it. */
function columnsOf(p: PatientInput) {
  return {
    document_number: p.documentNumber,
    first_name: p.firstName,
    last_name: p.lastName,
    birth_date: p.birthDate,
    sex: p.sex,
    phone: p.phone ?? null,
    email: p.email ?? null,
    address: p.address ?? null,
    emergency_contact: p.emergencyContact ?? null,
    allergies: p.allergies,
    blood_type: p.bloodType ?? null,
    category: p.category,
    name_search: nameSearchOf(p.firstName, p.lastName),
    sort_key: sortKeyOf(p.firstName, p.lastName),
    phone_digits: p.phone ? digitsOf(p.phone) : null,
  };
}

const JSON_COLUMNS = new Set(['address', 'emergency_contact', 'allergies']);

/** The same values as statement parameters ($n order of insert and update below). */
function columnValues(p: PatientInput): unknown[] {
  return Object.entries(columnsOf(p)).map(([k, v]) => (JSON_COLUMNS.has(k) && v !== null ? JSON.stringify(v) : v));
}

export async function nextPatientNumber(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: number }>(`select nextval('patient_number_seq')::int as n`);
  return rows[0]!.n;
}

export interface IdentifierHolder {
  patientId: string | null;
  patientNumber: string | null;
}

/** Claims an identifier for a patient: null when claimed, else who holds it already. */
export async function claimIdentifier(
  q: Queryable,
  system: 'document' | 'patient-number',
  value: string,
  patientId: string,
): Promise<IdentifierHolder | null> {
  const inserted = await q.query(
    `insert into patient_identifiers (system, value, patient_id) values ($1, $2, $3) on conflict do nothing`,
    [system, value, patientId],
  );
  if (inserted.rowCount === 1) return null;
  const { rows } = await q.query<{ id: string; patient_number: string }>(
    `select p.id, p.patient_number from patient_identifiers i join patients p on p.id = i.patient_id
     where i.system = $1 and i.value = $2`,
    [system, value],
  );
  return { patientId: rows[0]?.id ?? null, patientNumber: rows[0]?.patient_number ?? null };
}

export async function releaseIdentifier(q: Queryable, system: string, value: string, patientId: string) {
  await q.query('delete from patient_identifiers where system = $1 and value = $2 and patient_id = $3', [
    system,
    value,
    patientId,
  ]);
}

export async function insertPatient(q: Queryable, id: string, patientNumber: string, p: PatientInput) {
  const { rows } = await q.query<PatientRow>(
    `insert into patients (id, patient_number, document_number, first_name, last_name, birth_date, sex, phone,
       email, address, emergency_contact, allergies, blood_type, category, name_search, sort_key, phone_digits)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     returning ${COLUMNS}`,
    [id, patientNumber, ...columnValues(p)],
  );
  return rows[0]!;
}

export async function updatePatient(q: Queryable, id: string, p: PatientInput) {
  const { rows } = await q.query<PatientRow>(
    `update patients set document_number = $2, first_name = $3, last_name = $4, birth_date = $5, sex = $6,
       phone = $7, email = $8, address = $9, emergency_contact = $10, allergies = $11, blood_type = $12,
       category = $13, name_search = $14, sort_key = $15, phone_digits = $16, updated_at = now()
     where id = $1 returning ${COLUMNS}`,
    [id, ...columnValues(p)],
  );
  return rows[0]!;
}

export async function findPatient(q: Queryable, id: string, forUpdate = false): Promise<PatientRow | undefined> {
  const { rows } = await q.query<PatientRow>(
    `select ${COLUMNS} from patients where id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return rows[0];
}

export interface PatientSearch {
  q?: string | undefined;
  cursor?: string | undefined;
  limit: number;
  /** Restricts the search to one patient (a patient searching from the portal). */
  onlyId?: string | undefined;
}

/**
 * One query for every kind of search: name tokens (each a partial, accent-free match on a
 * trigram index), phone digits, or an exact document / patient number (following merges).
 * Keyset pagination on (sort_key, id) keeps deep pages as fast as the first.
 */
export async function searchPatients(
  q: Queryable,
  s: PatientSearch,
): Promise<{ rows: PatientRow[]; nextCursor: string | null } | null> {
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where = ['p.merged_into is null'];
  if (s.onlyId) where.push(`p.id = ${param(s.onlyId)}`);
  if (s.q) {
    const branches: string[] = [];
    const tokens = foldText(s.q).split(' ').filter(Boolean);
    if (tokens.length > 0) {
      branches.push(`(${tokens.map((t) => `p.name_search like ${param(`%${likeEscape(t)}%`)}`).join(' and ')})`);
    }
    const digits = digitsOf(s.q);
    if (digits.length >= 4 && /^[\d\s+()-]+$/.test(s.q)) {
      branches.push(`p.phone_digits like ${param(`%${digits}%`)}`);
    }
    const identifier = param(normalizeDocument(s.q));
    branches.push(`p.id in (select coalesce(m.merged_into, i.patient_id) from patient_identifiers i
      join patients m on m.id = i.patient_id
      where i.system in ('document', 'patient-number') and i.value = ${identifier})`);
    where.push(`(${branches.join(' or ')})`);
  }
  if (s.cursor) {
    const key = decodeCursor(s.cursor, 2);
    if (!key) return null;
    where.push(`(p.sort_key, p.id) > (${param(key[0])}, ${param(key[1])}::uuid)`);
  }
  const { rows } = await q.query<PatientRow>(
    `select ${P_COLUMNS} from patients p where ${where.join(' and ')}
     order by p.sort_key, p.id limit ${param(s.limit + 1)}`,
    params,
  );
  const more = rows.length > s.limit;
  const pageRows = more ? rows.slice(0, s.limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { rows: pageRows, nextCursor: more && last ? encodeCursor([last.sort_key, last.id]) : null };
}

/** Active patients with the same birth date and a similar name (trigram similarity). */
export async function findDuplicateCandidates(
  q: Queryable,
  p: { id: string; firstName: string; lastName: string; birthDate: string },
): Promise<DuplicateCandidate[]> {
  const { rows } = await q.query<PatientRow & { score: number }>(
    `select id, patient_number, first_name, last_name, birth_date, document_number,
       similarity(name_search, $1) as score
     from patients
     where birth_date = $2 and id <> $3 and merged_into is null and similarity(name_search, $1) >= 0.45
     order by score desc limit 10`,
    [nameSearchOf(p.firstName, p.lastName), p.birthDate, p.id],
  );
  return rows.map((r) => ({
    id: r.id,
    patientNumber: r.patient_number,
    firstName: r.first_name,
    lastName: r.last_name,
    birthDate: r.birth_date,
    documentNumber: r.document_number,
    similarity: Math.round(Number(r.score) * 100) / 100,
  }));
}

export async function markMerged(q: Queryable, duplicateId: string, survivorId: string) {
  await q.query('update patients set merged_into = $2, updated_at = now() where id = $1', [duplicateId, survivorId]);
  // Records merged earlier into the duplicate now point at the survivor as well.
  await q.query('update patients set merged_into = $2, updated_at = now() where merged_into = $1', [
    duplicateId,
    survivorId,
  ]);
}

/**
 * Inserts many patients in one statement, with their identifiers and outbox events,
 * numbering them from the sequence. Patients whose document number is already
 * registered are skipped; answers how many were inserted.
 */
export async function importPatients(q: Queryable, patients: { id: string; input: PatientInput }[]): Promise<number> {
  const rows = patients.map(({ id, input }) => ({ id, ...columnsOf(input) }));
  const { rows: result } = await q.query<{ n: number }>(
    `with input as (
       select * from jsonb_to_recordset($1::jsonb) as x(id uuid, document_number text, first_name text,
         last_name text, birth_date date, sex text, phone text, email text, address jsonb, emergency_contact jsonb,
         allergies jsonb, blood_type text, category text, name_search text, sort_key text, phone_digits text)
       where not exists (select 1 from patient_identifiers i where i.system = 'document' and i.value = x.document_number)
     ),
     numbered as (
       select input.*, 'PT' || lpad(n::text, greatest(5, length(n::text)), '0') as patient_number
       from (select input.*, nextval('patient_number_seq') as n from input) input
     ),
     inserted as (
       insert into patients (id, patient_number, document_number, first_name, last_name, birth_date, sex, phone,
         email, address, emergency_contact, allergies, blood_type, category, name_search, sort_key, phone_digits)
       select id, patient_number, document_number, first_name, last_name, birth_date, sex, phone, email, address,
         emergency_contact, allergies, blood_type, category, name_search, sort_key, phone_digits from numbered
       returning id, patient_number, document_number
     ),
     identifiers as (
       insert into patient_identifiers (system, value, patient_id)
       select 'document', document_number, id from inserted
       union all select 'patient-number', patient_number, id from inserted
     ),
     events as (
       insert into outbox (id, type, aggregate_type, aggregate_id, patient_id, payload)
       select gen_random_uuid(), 'patient.created', 'Patient', id::text, id,
         jsonb_build_object('patientId', id, 'patientNumber', patient_number) from inserted
     )
     select count(*)::int as n from inserted`,
    [JSON.stringify(rows)],
  );
  return result[0]?.n ?? 0;
}
