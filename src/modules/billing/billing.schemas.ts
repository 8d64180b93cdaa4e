import { z } from 'zod';
import { fromCents, toCents } from '../../platform/decimal.js';
import { cursorOf, Instant, IsoDate, Limit, Text, Uuid } from '../../platform/http/schemas.js';
import { Quantity, TaxRate } from '../pharmacy/pharmacy.schemas.js';
import { Money } from '../scheduling/practitioners.schemas.js';

const text = (max: number) =>
  Text.trim()
    .min(1, { message: 'must not be empty' })
    .max(max, { message: `must be at most ${max} characters` });

export const INVOICE_STATUSES = ['draft', 'unpaid', 'partially_paid', 'paid', 'void'] as const;
export const InvoiceStatus = z.enum(INVOICE_STATUSES);
export type InvoiceStatus = z.output<typeof InvoiceStatus>;

export const LINE_KINDS = ['treatment', 'appointment', 'product', 'other'] as const;
export const PAYMENT_METHODS = ['cash', 'card', 'transfer', 'insurance', 'other'] as const;
export const PaymentMethod = z.enum(PAYMENT_METHODS);

const PositiveQuantity = Quantity.refine((q) => /[1-9]/.test(q), { message: 'must be more than 0' });
const PositiveMoney = Money.refine((m) => /[1-9]/.test(m), { message: 'must be more than 0' });

const BillingDate = IsoDate.refine((d) => d >= '2000-01-01' && d <= '2199-12-31', {
  message: 'must be between the years 2000 and 2199',
});

/** A line typed by hand (kind `other`): a report, a certificate, material ... */
export const InvoiceLineInput = z.strictObject({
  description: text(300),
  quantity: PositiveQuantity.describe('Exact decimal string, up to 3 decimals'),
  unitPrice: Money.describe('Price of one unit before tax, exact decimal string'),
  taxRate: TaxRate.describe('Percentage, e.g. "21" or "0"'),
});
export type InvoiceLineInput = z.output<typeof InvoiceLineInput>;

const uniqueIds = (what: string) =>
  z
    .array(Uuid)
    .max(20, { message: `must have at most 20 ${what}` })
    .refine((ids) => new Set(ids).size === ids.length, { message: `must not repeat ${what}` })
    .default([]);

const content = {
  appointmentIds: uniqueIds('appointments').describe(
    "The patient's appointments to bill: each adds one line per treatment (at the catalogue's cost), or one appointment line without treatments",
  ),
  prescriptionIds: uniqueIds('prescriptions').describe(
    "The patient's prescriptions whose dispensed lines to bill: one product line per line and product dispensed (less returns) at the product's sale price and tax rate",
  ),
  lines: z
    .array(InvoiceLineInput)
    .max(50, { message: 'must have at most 50 lines' })
    .default([])
    .describe('Lines typed by hand'),
  notes: text(1000).optional(),
};

function notEmpty(i: { appointmentIds: string[]; prescriptionIds: string[]; lines: unknown[] }, ctx: z.RefinementCtx) {
  // Refinements run even when a field failed its own check: count only what parsed.
  const count = (v: unknown) => (Array.isArray(v) ? v.length : 0);
  if (count(i.appointmentIds) + count(i.prescriptionIds) + count(i.lines) === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['lines'],
      message: 'an invoice needs an appointment, a prescription or a line',
    });
  }
}

export const InvoiceInput = z.strictObject({ patientId: Uuid, ...content }).superRefine(notEmpty);
export type InvoiceInput = z.output<typeof InvoiceInput>;

/** A draft is rebuilt whole from what is sent; the patient does not change. */
export const InvoiceUpdate = z.strictObject(content).superRefine(notEmpty);
export type InvoiceUpdate = z.output<typeof InvoiceUpdate>;

export const PaymentInput = z.strictObject({
  amount: PositiveMoney.describe('Exact decimal string; never more than what is still due'),
  method: PaymentMethod,
  paidOn: BillingDate.optional().describe("Default: today in the clinic's time zone; never in the future"),
  reference: text(200).optional().describe('Card receipt, transfer reference, insurer claim ...'),
});
export type PaymentInput = z.output<typeof PaymentInput>;

export const VoidInput = z.strictObject({
  reason: text(500).describe('Why the invoice is void; printed on it'),
});
export type VoidInput = z.output<typeof VoidInput>;

export const InvoiceQuery = z.strictObject({
  patientId: Uuid.optional(),
  status: InvoiceStatus.optional(),
  cursor: cursorOf(z.iso.datetime(), Uuid),
  limit: Limit,
});
export type InvoiceQuery = z.output<typeof InvoiceQuery>;

export const BillableQuery = z.strictObject({ patientId: Uuid });

export const InvoiceLine = z.object({
  lineNo: z.number().int(),
  kind: z.enum(LINE_KINDS),
  description: z.string(),
  quantity: z.string().describe('Exact decimal'),
  unitPrice: z.string(),
  taxRate: z.string().describe('Percentage'),
  subtotal: z.string().describe('quantity x unitPrice, rounded half-up to cents'),
  tax: z.string().describe('subtotal x taxRate / 100, rounded half-up to cents'),
  total: z.string(),
  productId: Uuid.optional(),
  treatmentId: Uuid.optional(),
  appointmentId: Uuid.optional(),
  prescriptionId: Uuid.optional(),
  prescriptionLine: z.number().int().optional(),
});
export type InvoiceLine = z.output<typeof InvoiceLine>;

export const TaxLine = z
  .object({ rate: z.string(), base: z.string(), tax: z.string() })
  .describe('Per tax rate: the sum of the lines at that rate and of their taxes');
export type TaxLine = z.output<typeof TaxLine>;

export const Payment = z.object({
  id: Uuid,
  amount: z.string(),
  method: PaymentMethod,
  paidOn: z.string(),
  reference: z.string().optional(),
  createdAt: Instant,
});
export type Payment = z.output<typeof Payment>;

const head = {
  id: Uuid,
  number: z.string().optional().describe('F2026/00001, once issued'),
  patientId: Uuid,
  patientNumber: z.string(),
  patientName: z.string(),
  status: InvoiceStatus,
  issuedOn: z.string().optional().describe('YYYY-MM-DD, in the clinic time zone'),
  subtotal: z.string(),
  taxTotal: z.string(),
  total: z.string(),
  paid: z.string(),
  due: z.string().describe('What is still owed: total less paid; 0 for void invoices'),
  createdAt: Instant,
  updatedAt: Instant,
  issuedAt: Instant.optional(),
  voidedAt: Instant.optional(),
};

export const InvoiceSummary = z.object(head);
export type InvoiceSummary = z.output<typeof InvoiceSummary>;

export const Invoice = z.object({
  ...head,
  notes: z.string().optional(),
  voidReason: z.string().optional(),
  lines: z.array(InvoiceLine),
  taxLines: z.array(TaxLine),
  payments: z.array(Payment),
});
export type Invoice = z.output<typeof Invoice>;

/** What a source would add to an invoice, priced as it would be now. */
const BillableLine = z.object({
  kind: z.enum(LINE_KINDS),
  description: z.string(),
  quantity: z.string(),
  unitPrice: z.string(),
  taxRate: z.string(),
  total: z.string(),
});

export const Billable = z.object({
  appointments: z.array(
    z.object({
      id: Uuid,
      number: z.string(),
      start: Instant,
      status: z.string(),
      lines: z.array(BillableLine),
    }),
  ),
  prescriptions: z.array(
    z.object({
      id: Uuid,
      number: z.string(),
      date: z.string(),
      lines: z.array(BillableLine),
    }),
  ),
});
export type Billable = z.output<typeof Billable>;

// Tax rates and lines ---------------------------------------------------------------------------

/** A percentage as stored (numeric(5, 2)::text): "21" -> "21.00". */
export const normalizeRate = (rate: string) => fromCents(toCents(rate));

/** The tax breakdown: per rate (ascending), the sum of the lines' subtotals and of their taxes. */
export function taxLinesOf(lines: { taxRate: string; subtotal: string; tax: string }[]): TaxLine[] {
  const byRate = new Map<bigint, { base: bigint; tax: bigint }>();
  for (const line of lines) {
    const rate = toCents(line.taxRate);
    const sum = byRate.get(rate) ?? { base: 0n, tax: 0n };
    sum.base += toCents(line.subtotal);
    sum.tax += toCents(line.tax);
    byRate.set(rate, sum);
  }
  return [...byRate.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([rate, sum]) => ({ rate: fromCents(rate), base: fromCents(sum.base), tax: fromCents(sum.tax) }));
}
