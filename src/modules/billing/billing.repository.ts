import type { Queryable } from '../../platform/db/database.js';
import { fromCents, toCents } from '../../platform/decimal.js';
import { decodeCursor, encodeCursor } from '../../platform/http/schemas.js';
import {
  type Invoice,
  type InvoiceLine,
  type InvoiceStatus,
  type InvoiceSummary,
  type Payment,
  taxLinesOf,
} from './billing.schemas.js';

/** Amounts leave PostgreSQL as text (numeric::text): no float on the way. */
export interface InvoiceRow {
  patient_id: string;
  id: string;
  number: string | null;
  status: InvoiceStatus;
  issued_on: string | null;
  subtotal: string;
  tax_total: string;
  total: string;
  paid: string;
  notes: string | null;
  void_reason: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  issued_at: Date | null;
  voided_at: Date | null;
  patient_number: string;
  first_name: string;
  last_name: string;
}

interface LineJson {
  line_no: number;
  kind: InvoiceLine['kind'];
  description: string;
  quantity: string;
  unit_price: string;
  tax_rate: string;
  subtotal: string;
  tax: string;
  total: string;
  product_id: string | null;
  treatment_id: string | null;
  appointment_id: string | null;
  prescription_id: string | null;
  prescription_line: number | null;
}

interface PaymentJson {
  id: string;
  amount: string;
  method: Payment['method'];
  paid_on: string;
  reference: string | null;
  created_at: string;
}

export interface InvoiceDetailRow extends InvoiceRow {
  lines: LineJson[];
  payments: PaymentJson[];
}

const HEAD = `select i.patient_id, i.id, i.number, i.status, i.issued_on, i.subtotal::text as subtotal,
    i.tax_total::text as tax_total, i.total::text as total, i.paid::text as paid, i.notes, i.void_reason,
    i.created_by, i.created_at, i.updated_at, i.issued_at, i.voided_at,
    p.patient_number, p.first_name, p.last_name
  from invoices i join patients p on p.id = i.patient_id`;

/** One statement: the invoice, its patient's name, its lines and its payments (co-located on Citus). */
const DETAIL = `select h.*,
    coalesce((select json_agg(json_build_object(
        'line_no', l.line_no, 'kind', l.kind, 'description', l.description, 'quantity', l.quantity::text,
        'unit_price', l.unit_price::text, 'tax_rate', l.tax_rate::text, 'subtotal', l.subtotal::text,
        'tax', l.tax::text, 'total', l.total::text, 'product_id', l.product_id, 'treatment_id', l.treatment_id,
        'appointment_id', l.appointment_id, 'prescription_id', l.prescription_id,
        'prescription_line', l.prescription_line) order by l.line_no)
      from invoice_lines l where l.patient_id = h.patient_id and l.invoice_id = h.id), '[]') as lines,
    coalesce((select json_agg(json_build_object(
        'id', y.id, 'amount', y.amount::text, 'method', y.method, 'paid_on', y.paid_on, 'reference', y.reference,
        'created_at', y.created_at) order by y.created_at, y.id)
      from invoice_payments y where y.patient_id = h.patient_id and y.invoice_id = h.id), '[]') as payments
  from (${HEAD} where i.id = $1) h`;

const present = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

export function toSummary(r: InvoiceRow): InvoiceSummary {
  const due = r.status === 'void' ? 0n : toCents(r.total) - toCents(r.paid);
  return {
    id: r.id,
    ...present({ number: r.number, issuedOn: r.issued_on }),
    patientId: r.patient_id,
    patientNumber: r.patient_number,
    patientName: `${r.first_name} ${r.last_name}`,
    status: r.status,
    subtotal: r.subtotal,
    taxTotal: r.tax_total,
    total: r.total,
    paid: r.paid,
    due: fromCents(due),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    ...present({ issuedAt: r.issued_at?.toISOString(), voidedAt: r.voided_at?.toISOString() }),
  } as InvoiceSummary;
}

export function toInvoice(r: InvoiceDetailRow): Invoice {
  const lines: InvoiceLine[] = r.lines.map(
    (l) =>
      ({
        lineNo: l.line_no,
        kind: l.kind,
        description: l.description,
        quantity: l.quantity,
        unitPrice: l.unit_price,
        taxRate: l.tax_rate,
        subtotal: l.subtotal,
        tax: l.tax,
        total: l.total,
        ...present({
          productId: l.product_id,
          treatmentId: l.treatment_id,
          appointmentId: l.appointment_id,
          prescriptionId: l.prescription_id,
          prescriptionLine: l.prescription_line,
        }),
      }) as InvoiceLine,
  );
  return {
    ...toSummary(r),
    ...present({ notes: r.notes, voidReason: r.void_reason }),
    lines,
    taxLines: taxLinesOf(lines),
    payments: r.payments.map(
      (p) =>
        ({
          id: p.id,
          amount: p.amount,
          method: p.method,
          paidOn: p.paid_on,
          ...present({ reference: p.reference }),
          createdAt: new Date(p.created_at).toISOString(),
        }) as Payment,
    ),
  };
}

export async function findInvoice(q: Queryable, id: string): Promise<InvoiceDetailRow | undefined> {
  const { rows } = await q.query<InvoiceDetailRow>(DETAIL, [id]);
  return rows[0];
}

/** The invoice row, locked for the rest of the transaction: changes of one invoice run one after the other. */
export async function lockInvoice(q: Queryable, patientId: string, id: string) {
  const { rows } = await q.query<{
    status: InvoiceStatus;
    number: string | null;
    issued_on: string | null;
    total: string;
    paid: string;
    lines: number;
  }>(
    `select i.status, i.number, i.issued_on, i.total::text as total, i.paid::text as paid,
        (select count(*)::int from invoice_lines l where l.patient_id = i.patient_id and l.invoice_id = i.id) as lines
       from invoices i where i.patient_id = $1 and i.id = $2 for update of i`,
    [patientId, id],
  );
  return rows[0];
}

/**
 * The patient a write goes to, key-share locked: a merge (which locks the row for update)
 * either waits for this write or has already moved everything.
 */
export async function lockPatient(q: Queryable, patientId: string) {
  const { rows } = await q.query<{ merged_into: string | null }>(
    'select merged_into from patients where id = $1 for key share',
    [patientId],
  );
  return rows[0];
}

export interface InvoiceSearch {
  patientId?: string | undefined;
  status?: InvoiceStatus | undefined;
  /** Patients never see drafts. */
  issuedOnly: boolean;
  cursor?: string | undefined;
  limit: number;
}

/** Newest first, keyset on (created_at, id). */
export async function searchInvoices(q: Queryable, s: InvoiceSearch) {
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (s.patientId) where.push(`i.patient_id = ${param(s.patientId)}`);
  if (s.status) where.push(`i.status = ${param(s.status)}`);
  if (s.issuedOnly) where.push(`i.status <> 'draft'`);
  if (s.cursor) {
    const key = decodeCursor(s.cursor, 2);
    if (!key) return null;
    where.push(`(i.created_at, i.id) < (${param(key[0])}::timestamptz, ${param(key[1])}::uuid)`);
  }
  const { rows } = await q.query<InvoiceRow>(
    `${HEAD} ${where.length ? `where ${where.join(' and ')}` : ''}
     order by i.created_at desc, i.id desc limit ${param(s.limit + 1)}`,
    params,
  );
  const more = rows.length > s.limit;
  const page = more ? rows.slice(0, s.limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, nextCursor: more && last ? encodeCursor([last.created_at.toISOString(), last.id]) : null };
}

// Writing drafts ----------------------------------------------------------------------------------

export interface NewLine {
  kind: InvoiceLine['kind'];
  description: string;
  quantity: string;
  unitPrice: string;
  taxRate: string;
  subtotal: string;
  tax: string;
  total: string;
  productId?: string | null;
  treatmentId?: string | null;
  appointmentId?: string | null;
  prescriptionId?: string | null;
  prescriptionLine?: number | null;
}

export interface DraftValues {
  subtotal: string;
  taxTotal: string;
  total: string;
  notes: string | null;
}

export async function insertDraft(q: Queryable, d: DraftValues & { patientId: string; id: string; createdBy: string }) {
  await q.query(
    `insert into invoices (patient_id, id, subtotal, tax_total, total, notes, created_by)
     values ($1, $2, $3::numeric, $4::numeric, $5::numeric, $6, $7)`,
    [d.patientId, d.id, d.subtotal, d.taxTotal, d.total, d.notes, d.createdBy],
  );
}

export async function updateDraft(q: Queryable, patientId: string, id: string, d: DraftValues) {
  await q.query(
    `update invoices set subtotal = $3::numeric, tax_total = $4::numeric, total = $5::numeric, notes = $6,
       updated_at = now()
     where patient_id = $1 and id = $2 and status = 'draft'`,
    [patientId, id, d.subtotal, d.taxTotal, d.total, d.notes],
  );
}

/** The draft's lines replaced by these, numbered from 1 in one statement. */
export async function replaceLines(q: Queryable, patientId: string, invoiceId: string, lines: NewLine[]) {
  await q.query('delete from invoice_lines where patient_id = $1 and invoice_id = $2', [patientId, invoiceId]);
  if (lines.length === 0) return;
  await q.query(
    `insert into invoice_lines (patient_id, invoice_id, line_no, kind, description, quantity, unit_price, tax_rate,
       subtotal, tax, total, product_id, treatment_id, appointment_id, prescription_id, prescription_line)
     select $1, $2, x.line_no, x.kind, x.description, x.quantity, x.unit_price, x.tax_rate, x.subtotal, x.tax, x.total,
       x.product_id, x.treatment_id, x.appointment_id, x.prescription_id, x.prescription_line
       from jsonb_to_recordset($3::jsonb) as x(line_no smallint, kind text, description text, quantity numeric,
         unit_price numeric, tax_rate numeric, subtotal numeric, tax numeric, total numeric, product_id uuid,
         treatment_id uuid, appointment_id uuid, prescription_id uuid, prescription_line smallint)`,
    [
      patientId,
      invoiceId,
      JSON.stringify(
        lines.map((l, i) => ({
          line_no: i + 1,
          kind: l.kind,
          description: l.description,
          quantity: l.quantity,
          unit_price: l.unitPrice,
          tax_rate: l.taxRate,
          subtotal: l.subtotal,
          tax: l.tax,
          total: l.total,
          product_id: l.productId ?? null,
          treatment_id: l.treatmentId ?? null,
          appointment_id: l.appointmentId ?? null,
          prescription_id: l.prescriptionId ?? null,
          prescription_line: l.prescriptionLine ?? null,
        })),
      ),
    ],
  );
}

export async function deleteDraft(q: Queryable, patientId: string, id: string) {
  await q.query('delete from invoice_lines where patient_id = $1 and invoice_id = $2', [patientId, id]);
  await q.query(`delete from invoices where patient_id = $1 and id = $2 and status = 'draft'`, [patientId, id]);
}

// Issuing, payments, void ----------------------------------------------------------------------

/**
 * The next number of the year, gapless: the counter row stays locked until the issuing
 * transaction ends (concurrent issues wait here), and a rollback gives the number back.
 */
export async function nextInvoiceNumber(q: Queryable, year: number): Promise<string> {
  const { rows } = await q.query<{ last_number: number }>(
    `insert into invoice_number_counters (year, last_number) values ($1, 1)
     on conflict (year) do update set last_number = invoice_number_counters.last_number + 1
     returning last_number`,
    [year],
  );
  const n = rows[0]?.last_number;
  if (!n) throw new Error('the invoice number counter answered nothing');
  return `F${year}/${String(n).padStart(5, '0')}`;
}

export async function markIssued(
  q: Queryable,
  i: { patientId: string; id: string; number: string; issuedOn: string; status: InvoiceStatus },
) {
  await q.query('insert into invoice_numbers (number, invoice_id) values ($1, $2)', [i.number, i.id]);
  await q.query(
    `update invoices set number = $3, issued_on = $4::date, status = $5, paid = 0, issued_at = now(), updated_at = now()
      where patient_id = $1 and id = $2 and status = 'draft'`,
    [i.patientId, i.id, i.number, i.issuedOn, i.status],
  );
}

export async function insertPayment(
  q: Queryable,
  p: {
    patientId: string;
    id: string;
    invoiceId: string;
    amount: string;
    method: Payment['method'];
    paidOn: string;
    reference: string | null;
    userId: string;
  },
) {
  await q.query(
    `insert into invoice_payments (patient_id, id, invoice_id, amount, method, paid_on, reference, user_id)
     values ($1, $2, $3, $4::numeric, $5, $6::date, $7, $8)`,
    [p.patientId, p.id, p.invoiceId, p.amount, p.method, p.paidOn, p.reference, p.userId],
  );
}

export async function setPaid(q: Queryable, patientId: string, id: string, paid: string, status: InvoiceStatus) {
  await q.query(
    'update invoices set paid = $3::numeric, status = $4, updated_at = now() where patient_id = $1 and id = $2',
    [patientId, id, paid, status],
  );
}

export async function markVoid(q: Queryable, patientId: string, id: string, reason: string) {
  await q.query(
    `update invoices set status = 'void', void_reason = $3, voided_at = now(), updated_at = now()
      where patient_id = $1 and id = $2`,
    [patientId, id, reason],
  );
}

/**
 * Moves a merged duplicate's invoices, lines and payments to the survivor (Citus cannot update
 * patient_id in place). Issued invoices and payments are read-only; the flag lets the triggers
 * accept this one move. Invoice ids and numbers do not change.
 */
export async function moveInvoices(q: Queryable, fromPatientId: string, toPatientId: string) {
  await q.query(`select set_config('clinica.moving_patient_rows', 'on', true)`);
  await q.query(
    `insert into invoices (patient_id, id, number, status, issued_on, subtotal, tax_total, total, paid, notes,
       void_reason, created_by, created_at, updated_at, issued_at, voided_at)
     select $2, id, number, status, issued_on, subtotal, tax_total, total, paid, notes, void_reason, created_by,
       created_at, updated_at, issued_at, voided_at
       from invoices where patient_id = $1`,
    [fromPatientId, toPatientId],
  );
  await q.query(
    `insert into invoice_lines (patient_id, invoice_id, line_no, kind, description, quantity, unit_price, tax_rate,
       subtotal, tax, total, product_id, treatment_id, appointment_id, prescription_id, prescription_line,
       invoice_status)
     select $2, invoice_id, line_no, kind, description, quantity, unit_price, tax_rate, subtotal, tax, total,
       product_id, treatment_id, appointment_id, prescription_id, prescription_line, invoice_status
       from invoice_lines where patient_id = $1`,
    [fromPatientId, toPatientId],
  );
  await q.query(
    `insert into invoice_payments (patient_id, id, invoice_id, amount, method, paid_on, reference, user_id, created_at)
     select $2, id, invoice_id, amount, method, paid_on, reference, user_id, created_at
       from invoice_payments where patient_id = $1`,
    [fromPatientId, toPatientId],
  );
  await q.query('delete from invoice_payments where patient_id = $1', [fromPatientId]);
  await q.query('delete from invoice_lines where patient_id = $1', [fromPatientId]);
  await q.query('delete from invoices where patient_id = $1', [fromPatientId]);
  await q.query(`select set_config('clinica.moving_patient_rows', 'off', true)`);
}
