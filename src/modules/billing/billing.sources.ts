import type { Queryable } from '../../platform/db/database.js';
import { fromCents, lineAmounts, MAX_CENTS, toCents } from '../../platform/decimal.js';
import { badRequest, conflict, DomainError } from '../../platform/http/errors.js';
import type * as repo from './billing.repository.js';
import { type InvoiceLineInput, normalizeRate } from './billing.schemas.js';
import * as sourceRepo from './billing.sources.repository.js';

/** What the clinic charges where the catalogue says nothing (BILLING_* settings). */
export interface Pricing {
  /** Percentage applied to treatment and appointment lines. */
  treatmentTaxRate: string;
  /** Price of an appointment billed without treatments. */
  appointmentPrice: string;
  timeZone: string;
}

export interface Sources {
  appointmentIds: string[];
  prescriptionIds: string[];
  lines: InvoiceLineInput[];
}

export interface Composed {
  lines: repo.NewLine[];
  subtotal: string;
  taxTotal: string;
  total: string;
}

const priced = (
  l: Omit<repo.NewLine, 'subtotal' | 'tax' | 'total' | 'taxRate'> & { taxRate: string },
): repo.NewLine => {
  const amounts = lineAmounts(l.quantity, l.unitPrice, l.taxRate);
  return {
    ...l,
    taxRate: normalizeRate(l.taxRate),
    subtotal: fromCents(amounts.subtotal),
    tax: fromCents(amounts.tax),
    total: fromCents(amounts.total),
  };
};

/** "APT/00001 is already on invoice F2026/00001" (or on a draft, named by its id). */
export function alreadyBilled(what: string, billed: { invoice_id: string; number: string | null }) {
  const on = billed.number ? `invoice ${billed.number}` : `draft invoice ${billed.invoice_id}`;
  return new DomainError('ALREADY_BILLED', 409, `${what} is already on ${on}; void or change that one first.`, {
    code: 'already_billed',
    invoiceId: billed.invoice_id,
    ...(billed.number ? { invoiceNumber: billed.number } : {}),
  });
}

/**
 * The lines an invoice gets from its sources, in the order asked: each appointment's treatments
 * at the catalogue's cost (or one appointment line), each prescription's dispensed lines at the
 * product's price and tax, then the lines typed by hand. Checks that every source is the
 * patient's, billable, and not on another invoice that is not void; the database's exclusion
 * constraints hold the last point under concurrency.
 */
export async function composeLines(
  tx: Queryable,
  patientId: string,
  sources: Sources,
  pricing: Pricing,
  exceptInvoice?: string,
): Promise<Composed> {
  const appointments = await sourceRepo.appointmentsOf(tx, patientId, sources.appointmentIds);
  const prescriptions = await sourceRepo.prescriptionsOf(tx, patientId, sources.prescriptionIds);
  const unknown = [
    ...sources.appointmentIds.flatMap((id, i) =>
      appointments.some((a) => a.id === id)
        ? []
        : [{ path: `body.appointmentIds.${i}`, message: "is not one of this patient's appointments" }],
    ),
    ...sources.prescriptionIds.flatMap((id, i) =>
      prescriptions.some((p) => p.id === id)
        ? []
        : [{ path: `body.prescriptionIds.${i}`, message: "is not one of this patient's prescriptions" }],
    ),
  ];
  if (unknown.length > 0) {
    throw badRequest(
      'An appointment or prescription is not one of this patient.',
      unknown.map((e) => ({ ...e, code: 'invalid_value' })),
    );
  }
  const cancelled = appointments.find((a) => a.status === 'cancelled');
  if (cancelled) {
    throw conflict(`${cancelled.number} was cancelled; there is nothing to bill.`, { code: 'appointment_cancelled' });
  }
  const draft = prescriptions.find((p) => p.status !== 'signed');
  if (draft) {
    throw conflict(`${draft.number} is not signed; nothing of it was dispensed.`, { code: 'prescription_not_signed' });
  }

  const billed = await sourceRepo.billedSources(tx, patientId, { ...sources, exceptInvoice });
  for (const a of appointments) {
    const on = billed.find((b) => b.appointment_id === a.id);
    if (on) throw alreadyBilled(a.number, on);
  }
  const dispensed = await sourceRepo.dispensedLines(tx, patientId, sources.prescriptionIds);
  const unbilled = dispensed.filter(
    (d) => !billed.some((b) => b.prescription_id === d.prescription_id && b.prescription_line === d.line_no),
  );
  for (const p of prescriptions) {
    if (unbilled.some((d) => d.prescription_id === p.id)) continue;
    const on = billed.find((b) => b.prescription_id === p.id);
    if (on) throw alreadyBilled(`Everything dispensed for ${p.number}`, on);
    throw conflict(`Nothing of ${p.number} was dispensed (or all of it came back); there is nothing to bill.`, {
      code: 'nothing_dispensed',
    });
  }

  const lines: repo.NewLine[] = [];
  const treatments = await sourceRepo.treatmentPrices(tx, [...new Set(appointments.flatMap((a) => a.treatment_ids))]);
  for (const id of sources.appointmentIds) {
    const a = appointments.find((x) => x.id === id);
    if (a) lines.push(...appointmentLines(a, treatments, pricing));
  }
  for (const id of sources.prescriptionIds) {
    const p = prescriptions.find((x) => x.id === id);
    if (!p) continue;
    for (const d of unbilled.filter((x) => x.prescription_id === id)) lines.push(productLine(d, p.number));
  }
  const firstTyped = lines.length;
  for (const l of sources.lines) lines.push(priced({ kind: 'other', ...l }));

  let subtotal = 0n;
  let tax = 0n;
  for (const [i, line] of lines.entries()) {
    if (toCents(line.total) > MAX_CENTS) {
      const path = i >= firstTyped ? `body.lines.${i - firstTyped}.quantity` : 'body';
      throw badRequest('A line comes to more than 9999999999.99.', [
        { path, message: 'makes the line too large', code: 'too_big' },
      ]);
    }
    subtotal += toCents(line.subtotal);
    tax += toCents(line.tax);
  }
  if (subtotal + tax > MAX_CENTS) {
    throw badRequest('The invoice would come to more than 9999999999.99; split it.', [
      { path: 'body.lines', message: 'make the invoice too large', code: 'too_big' },
    ]);
  }
  if (lines.length > 500) {
    throw badRequest('An invoice holds at most 500 lines; split it.', [
      { path: 'body', message: 'gives more than 500 lines', code: 'too_big' },
    ]);
  }
  return { lines, subtotal: fromCents(subtotal), taxTotal: fromCents(tax), total: fromCents(subtotal + tax) };
}

/** An appointment's lines: one per treatment given (at the catalogue's cost), or one for the appointment. */
export function appointmentLines(
  a: sourceRepo.AppointmentSource,
  treatments: Map<string, sourceRepo.TreatmentPrice>,
  pricing: Pricing,
): repo.NewLine[] {
  // A treatment listed twice on an appointment was given twice.
  const counts = new Map<string, number>();
  for (const t of a.treatment_ids) counts.set(t, (counts.get(t) ?? 0) + 1);
  if (counts.size === 0) {
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: pricing.timeZone });
    return [
      priced({
        kind: 'appointment',
        description: `${a.number} · ${day.format(a.starts_at)}`,
        quantity: '1',
        unitPrice: pricing.appointmentPrice,
        taxRate: pricing.treatmentTaxRate,
        appointmentId: a.id,
      }),
    ];
  }
  return [...counts].map(([treatmentId, count]) => {
    const t = treatments.get(treatmentId);
    if (!t) throw conflict(`A treatment of ${a.number} is no longer in the catalogue.`, { code: 'unknown_treatment' });
    return priced({
      kind: 'treatment',
      description: `${t.name} · ${a.number}`,
      quantity: `${count}`,
      unitPrice: t.cost,
      taxRate: pricing.treatmentTaxRate,
      treatmentId,
      appointmentId: a.id,
    });
  });
}

/** A dispensed prescription line (one product), at the product's sale price and tax rate. */
export function productLine(d: sourceRepo.DispensedLine, prescriptionNumber: string): repo.NewLine {
  return priced({
    kind: 'product',
    description: `${d.product_name}${d.dosage_strength ? ` ${d.dosage_strength}` : ''} · ${prescriptionNumber}/${d.line_no}`,
    quantity: d.quantity,
    unitPrice: d.sale_price,
    taxRate: d.tax_rate,
    productId: d.product_id,
    prescriptionId: d.prescription_id,
    prescriptionLine: d.line_no,
  });
}
