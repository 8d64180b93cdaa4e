import type { Queryable } from '../../platform/db/database.js';

/**
 * What invoices are made of, read from the other modules' tables: appointments and their
 * treatments, prescriptions and what the stock ledger says went out for them, and which of
 * these are on an invoice already. SQL only.
 */

export interface AppointmentSource {
  id: string;
  number: string;
  starts_at: Date;
  status: string;
  treatment_ids: string[];
}

export async function appointmentsOf(q: Queryable, patientId: string, ids: string[]): Promise<AppointmentSource[]> {
  const { rows } = await q.query<AppointmentSource>(
    `select id, number, starts_at, status, treatment_ids from appointments
      where patient_id = $1 and id = any($2::uuid[])`,
    [patientId, ids],
  );
  return rows;
}

/** Appointments of the patient not cancelled and not on an invoice that is not void, newest first. */
export async function unbilledAppointments(q: Queryable, patientId: string): Promise<AppointmentSource[]> {
  const { rows } = await q.query<AppointmentSource>(
    `select a.id, a.number, a.starts_at, a.status, a.treatment_ids from appointments a
      where a.patient_id = $1 and a.status <> 'cancelled'
        and not exists (select 1 from invoice_lines l where l.patient_id = a.patient_id and l.appointment_id = a.id
                          and l.invoice_status <> 'void')
      order by a.starts_at desc, a.id limit 50`,
    [patientId],
  );
  return rows;
}

export interface TreatmentPrice {
  id: string;
  name: string;
  cost: string;
}

/** Treatments by id, inactive ones included: an appointment booked with one is still billed. */
export async function treatmentPrices(q: Queryable, ids: string[]): Promise<Map<string, TreatmentPrice>> {
  if (ids.length === 0) return new Map();
  const { rows } = await q.query<TreatmentPrice>(
    'select id, name, cost::text as cost from treatments where id = any($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

export interface PrescriptionSource {
  id: string;
  number: string;
  status: 'draft' | 'signed';
  prescribed_on: string;
}

export async function prescriptionsOf(q: Queryable, patientId: string, ids: string[]): Promise<PrescriptionSource[]> {
  const { rows } = await q.query<PrescriptionSource>(
    `select id, number, status, prescribed_on from prescriptions where patient_id = $1 and id = any($2::uuid[])`,
    [patientId, ids],
  );
  return rows;
}

export interface DispensedLine {
  prescription_id: string;
  line_no: number;
  product_id: string;
  product_name: string;
  dosage_strength: string | null;
  sale_price: string;
  tax_rate: string;
  quantity: string;
}

/**
 * What went out for each line of these prescriptions, per product: dispenses less returns
 * (the stock ledger is the truth), only where something is left.
 */
export async function dispensedLines(q: Queryable, patientId: string, ids: string[]): Promise<DispensedLine[]> {
  const { rows } = await q.query<DispensedLine>(
    `select p.id as prescription_id, m.reference_line as line_no, m.product_id, pr.name as product_name,
        pr.dosage_strength, pr.sale_price::text as sale_price, pr.tax_rate::text as tax_rate,
        (-sum(m.quantity))::text as quantity
       from prescriptions p
       join stock_moves m on m.reference_type = 'prescription_line' and m.reference_id = p.id
                         and m.kind in ('dispense', 'return')
       join products pr on pr.id = m.product_id
      where p.patient_id = $1 and p.id = any($2::uuid[])
      group by p.id, m.reference_line, m.product_id, pr.name, pr.dosage_strength, pr.sale_price, pr.tax_rate
     having sum(m.quantity) < 0
      order by p.id, m.reference_line, pr.name, m.product_id`,
    [patientId, ids],
  );
  return rows;
}

/** Signed prescriptions of the patient with something dispensed, newest first (the billable list). */
export async function dispensedPrescriptions(q: Queryable, patientId: string): Promise<PrescriptionSource[]> {
  const { rows } = await q.query<PrescriptionSource>(
    `select p.id, p.number, p.status, p.prescribed_on from prescriptions p
      where p.patient_id = $1 and p.status = 'signed'
        and exists (select 1 from stock_moves m where m.reference_type = 'prescription_line' and m.reference_id = p.id
                      and m.kind = 'dispense')
      order by p.prescribed_on desc, p.created_at desc, p.id limit 50`,
    [patientId],
  );
  return rows;
}

export interface Billed {
  invoice_id: string;
  number: string | null;
  appointment_id: string | null;
  prescription_id: string | null;
  prescription_line: number | null;
}

/** Lines of invoices that are not void (other than `exceptInvoice`) billing any of these sources. */
export async function billedSources(
  q: Queryable,
  patientId: string,
  s: { appointmentIds: string[]; prescriptionIds: string[]; exceptInvoice?: string | undefined },
): Promise<Billed[]> {
  const { rows } = await q.query<Billed>(
    `select distinct l.invoice_id, i.number, l.appointment_id, l.prescription_id, l.prescription_line
       from invoice_lines l join invoices i on i.patient_id = l.patient_id and i.id = l.invoice_id
      where l.patient_id = $1 and l.invoice_status <> 'void' and ($4::uuid is null or l.invoice_id <> $4::uuid)
        and (l.appointment_id = any($2::uuid[]) or l.prescription_id = any($3::uuid[]))
      order by l.invoice_id, l.appointment_id, l.prescription_id, l.prescription_line`,
    [patientId, s.appointmentIds, s.prescriptionIds, s.exceptInvoice ?? null],
  );
  return rows;
}
