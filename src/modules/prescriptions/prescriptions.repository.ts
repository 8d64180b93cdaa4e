import type { Queryable } from '../../platform/db/database.js';
import { decodeCursor, encodeCursor } from '../../platform/http/schemas.js';
import type {
  Prescription,
  PrescriptionInput,
  PrescriptionLine,
  PrescriptionLineInput,
  PrescriptionQuery,
} from './prescriptions.schemas.js';

interface LineJson {
  line_no: number;
  medicament: string;
  generic_name: string | null;
  strength: string | null;
  form: PrescriptionLine['form'];
  quantity: number;
  price: string | null;
  food_timing: PrescriptionLine['foodTiming'];
  morning: boolean;
  afternoon: boolean;
  night: boolean;
  days: number;
  instructions: string | null;
  /** Dispenses less returns, exact (numeric::text). */
  dispensed: string;
  /** ISO instant (UTC) of the last dispense, if any. */
  last_dispensed_at: string | null;
}

export interface PrescriptionRow {
  patient_id: string;
  id: string;
  number: string;
  status: Prescription['status'];
  appointment_id: string | null;
  appointment_number: string | null;
  treatment_id: string | null;
  treatment_name: string | null;
  treatment_cost: string | null;
  teeth: number[];
  prescriber_user_id: string;
  referred_practitioner_id: string | null;
  referred_practitioner_name: string | null;
  prescribed_on: string;
  next_appointment_on: string | null;
  notes: string | null;
  signed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  lines: LineJson[];
  lines_total: string;
}

/**
 * One statement answers a prescription with its lines, names and total: money leaves
 * PostgreSQL as text (numeric::text), so no amount ever passes through a float. The joined
 * treatments and practitioners are reference tables; appointments and lines are co-located.
 * What the pharmacy dispensed for each line comes from the stock ledger (a reference table),
 * through its index on the reference: dispense moves less returns, and when the last dispense was.
 */
const SELECT = `select p.patient_id, p.id, p.number, p.status, p.appointment_id,
    (select a.number from appointments a where a.patient_id = p.patient_id and a.id = p.appointment_id)
      as appointment_number,
    p.treatment_id, t.name as treatment_name, p.treatment_cost::text as treatment_cost, p.teeth,
    p.prescriber_user_id, p.referred_practitioner_id, r.name as referred_practitioner_name,
    p.prescribed_on, p.next_appointment_on, p.notes, p.signed_at, p.created_at, p.updated_at,
    coalesce((select json_agg(json_build_object(
        'line_no', l.line_no, 'medicament', l.medicament, 'generic_name', l.generic_name, 'strength', l.strength,
        'form', l.form, 'quantity', l.quantity, 'price', l.price::text, 'food_timing', l.food_timing,
        'morning', l.morning, 'afternoon', l.afternoon, 'night', l.night, 'days', l.days,
        'instructions', l.instructions, 'dispensed', coalesce(d.dispensed, 0::numeric(12, 3))::text,
        'last_dispensed_at', to_char(d.last_dispensed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
        order by l.line_no)
      from prescription_lines l
      left join lateral (
        select -sum(m.quantity) as dispensed, max(m.created_at) filter (where m.kind = 'dispense') as last_dispensed_at
          from stock_moves m
         where m.reference_type = 'prescription_line' and m.reference_id = l.prescription_id
           and m.reference_line = l.line_no and m.kind in ('dispense', 'return')
      ) d on true
      where l.patient_id = p.patient_id and l.prescription_id = p.id), '[]') as lines,
    (select coalesce(sum(l.price), 0)::numeric(14, 2)::text from prescription_lines l
      where l.patient_id = p.patient_id and l.prescription_id = p.id) as lines_total
  from prescriptions p
  left join treatments t on t.id = p.treatment_id
  left join practitioners r on r.id = p.referred_practitioner_id`;

const present = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

export function toPrescription(r: PrescriptionRow, names: Map<string, string>): Prescription {
  return {
    id: r.id,
    number: r.number,
    patientId: r.patient_id,
    status: r.status,
    ...present({
      appointmentId: r.appointment_id,
      appointmentNumber: r.appointment_number,
      treatmentId: r.treatment_id,
      treatmentName: r.treatment_name,
      treatmentCost: r.treatment_cost,
    }),
    teeth: r.teeth,
    prescriberId: r.prescriber_user_id,
    ...present({
      prescriberName: names.get(r.prescriber_user_id),
      referredPractitionerId: r.referred_practitioner_id,
      referredPractitionerName: r.referred_practitioner_name,
    }),
    date: r.prescribed_on,
    ...present({ nextAppointmentDate: r.next_appointment_on, notes: r.notes }),
    lines: r.lines.map((l) => ({
      lineNo: l.line_no,
      medicament: l.medicament,
      ...present({ genericName: l.generic_name, strength: l.strength }),
      form: l.form,
      quantity: l.quantity,
      ...present({ price: l.price }),
      foodTiming: l.food_timing,
      morning: l.morning,
      afternoon: l.afternoon,
      night: l.night,
      days: l.days,
      ...present({ instructions: l.instructions }),
      dispensed: l.dispensed,
      ...present({ lastDispensedAt: l.last_dispensed_at }),
    })),
    linesTotal: r.lines_total,
    ...present({ signedAt: r.signed_at?.toISOString() }),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export async function nextPrescriptionNumber(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ n: number }>(`select nextval('prescription_number_seq')::int as n`);
  return `PRN${String(rows[0]?.n).padStart(5, '0')}`;
}

/** What the service decided: the input, plus the copied cost and the defaults it filled in. */
export interface PrescriptionValues extends Omit<PrescriptionInput, 'patientId' | 'lines' | 'date'> {
  date: string;
  treatmentCost: string | null;
}

export async function insertPrescription(
  q: Queryable,
  p: PrescriptionValues & { patientId: string; id: string; number: string; prescriberUserId: string },
) {
  await q.query(
    `insert into prescriptions (patient_id, id, number, appointment_id, treatment_id, treatment_cost, teeth,
       prescriber_user_id, referred_practitioner_id, prescribed_on, next_appointment_on, notes)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      p.patientId,
      p.id,
      p.number,
      p.appointmentId ?? null,
      p.treatmentId ?? null,
      p.treatmentCost,
      p.teeth,
      p.prescriberUserId,
      p.referredPractitionerId ?? null,
      p.date,
      p.nextAppointmentDate ?? null,
      p.notes || null,
    ],
  );
}

export async function updatePrescription(q: Queryable, patientId: string, id: string, p: PrescriptionValues) {
  await q.query(
    `update prescriptions set appointment_id = $3, treatment_id = $4, treatment_cost = $5, teeth = $6,
       referred_practitioner_id = $7, prescribed_on = $8, next_appointment_on = $9, notes = $10, updated_at = now()
     where patient_id = $1 and id = $2`,
    [
      patientId,
      id,
      p.appointmentId ?? null,
      p.treatmentId ?? null,
      p.treatmentCost,
      p.teeth,
      p.referredPractitionerId ?? null,
      p.date,
      p.nextAppointmentDate ?? null,
      p.notes || null,
    ],
  );
}

/** Replaces a draft's lines, numbered 1.. in the order sent. */
export async function replaceLines(q: Queryable, patientId: string, id: string, lines: PrescriptionLineInput[]) {
  await q.query('delete from prescription_lines where patient_id = $1 and prescription_id = $2', [patientId, id]);
  await q.query(
    `insert into prescription_lines (patient_id, prescription_id, line_no, medicament, generic_name, strength, form,
       quantity, price, food_timing, morning, afternoon, night, days, instructions)
     select $1, $2, x.line_no, x.medicament, x.generic_name, x.strength, x.form, x.quantity, x.price::numeric,
       x.food_timing, x.morning, x.afternoon, x.night, x.days, x.instructions
       from jsonb_to_recordset($3::jsonb) as x(line_no smallint, medicament text, generic_name text, strength text,
         form text, quantity integer, price text, food_timing text, morning boolean, afternoon boolean,
         night boolean, days integer, instructions text)`,
    [
      patientId,
      id,
      JSON.stringify(
        lines.map((l, i) => ({
          line_no: i + 1,
          medicament: l.medicament,
          generic_name: l.genericName ?? null,
          strength: l.strength ?? null,
          form: l.form,
          quantity: l.quantity,
          // Kept a string all the way into numeric: exact.
          price: l.price ?? null,
          food_timing: l.foodTiming,
          morning: l.morning,
          afternoon: l.afternoon,
          night: l.night,
          days: l.days,
          instructions: l.instructions ?? null,
        })),
      ),
    ],
  );
}

export async function markSigned(q: Queryable, patientId: string, id: string) {
  await q.query(
    `update prescriptions set status = 'signed', signed_at = now(), updated_at = now()
      where patient_id = $1 and id = $2`,
    [patientId, id],
  );
}

export async function findPrescription(q: Queryable, id: string): Promise<PrescriptionRow | undefined> {
  const { rows } = await q.query<PrescriptionRow>(`${SELECT} where p.id = $1`, [id]);
  return rows[0];
}

/** Locks the prescription row for a change; answers who wrote it and its status. */
export async function lockPrescription(q: Queryable, patientId: string, id: string) {
  const { rows } = await q.query<{ status: Prescription['status']; prescriber_user_id: string; number: string }>(
    'select status, prescriber_user_id, number from prescriptions where patient_id = $1 and id = $2 for update',
    [patientId, id],
  );
  return rows[0];
}

export interface PrescriptionSearch extends Omit<PrescriptionQuery, 'cursor'> {
  cursor?: string | undefined;
}

/** Newest first, keyset on (created_at, id). */
export async function searchPrescriptions(q: Queryable, s: PrescriptionSearch) {
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (s.patientId) where.push(`p.patient_id = ${param(s.patientId)}`);
  if (s.status) where.push(`p.status = ${param(s.status)}`);
  if (s.number) where.push(`p.number = ${param(s.number)}`);
  if (s.cursor) {
    const key = decodeCursor(s.cursor, 2);
    if (!key) return null;
    where.push(`(p.created_at, p.id) < (${param(key[0])}::timestamptz, ${param(key[1])}::uuid)`);
  }
  const { rows } = await q.query<PrescriptionRow>(
    `${SELECT} ${where.length ? `where ${where.join(' and ')}` : ''}
     order by p.created_at desc, p.id desc limit ${param(s.limit + 1)}`,
    params,
  );
  const more = rows.length > s.limit;
  const page = more ? rows.slice(0, s.limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, nextCursor: more && last ? encodeCursor([last.created_at.toISOString(), last.id]) : null };
}

/** A patient's signed prescriptions with their lines, oldest first (the history export). */
export async function signedOfPatient(q: Queryable, patientId: string) {
  const { rows } = await q.query<PrescriptionRow>(
    `${SELECT} where p.patient_id = $1 and p.status = 'signed' order by p.prescribed_on, p.created_at, p.id`,
    [patientId],
  );
  return rows;
}

/** A practitioner a prescription can refer the patient to. */
export async function findDentist(q: Queryable, id: string) {
  const { rows } = await q.query<{ active: boolean; is_dentist: boolean }>(
    'select active, is_dentist from practitioners where id = $1',
    [id],
  );
  return rows[0];
}

/**
 * Moves a merged duplicate's prescriptions and lines to the survivor (Citus cannot update
 * patient_id in place). Signed ones are read-only; the flag lets the triggers accept this move.
 */
export async function movePrescriptions(q: Queryable, fromPatientId: string, toPatientId: string) {
  await q.query(`select set_config('clinica.moving_patient_rows', 'on', true)`);
  await q.query(
    `insert into prescriptions (patient_id, id, number, status, appointment_id, treatment_id, treatment_cost, teeth,
       prescriber_user_id, referred_practitioner_id, prescribed_on, next_appointment_on, notes, signed_at,
       created_at, updated_at)
     select $2, id, number, status, appointment_id, treatment_id, treatment_cost, teeth, prescriber_user_id,
       referred_practitioner_id, prescribed_on, next_appointment_on, notes, signed_at, created_at, updated_at
       from prescriptions where patient_id = $1`,
    [fromPatientId, toPatientId],
  );
  await q.query(
    `insert into prescription_lines (patient_id, prescription_id, line_no, medicament, generic_name, strength, form,
       quantity, price, food_timing, morning, afternoon, night, days, instructions)
     select $2, prescription_id, line_no, medicament, generic_name, strength, form, quantity, price, food_timing,
       morning, afternoon, night, days, instructions
       from prescription_lines where patient_id = $1`,
    [fromPatientId, toPatientId],
  );
  await q.query('delete from prescription_lines where patient_id = $1', [fromPatientId]);
  await q.query('delete from prescriptions where patient_id = $1', [fromPatientId]);
  await q.query(`select set_config('clinica.moving_patient_rows', 'off', true)`);
}
