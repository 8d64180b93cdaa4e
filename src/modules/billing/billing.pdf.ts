import type { Readable } from 'node:stream';
import type { Content, TableCell } from 'pdfmake/interfaces.js';
import { dataTable, fields, heading, renderPdf } from '../../platform/pdf/document.js';
import { Formats, type Language } from '../../platform/pdf/language.js';
import type { PatientRow } from '../patients/patients.repository.js';
import type { Invoice } from './billing.schemas.js';

const LABELS = {
  es: {
    title: 'Factura',
    patient: 'Paciente',
    patientNumber: 'N.º de paciente',
    document: 'Documento',
    address: 'Dirección',
    issuedOn: 'Fecha de emisión',
    status: 'Estado',
    lines: 'Conceptos',
    columns: ['#', 'Concepto', 'Cant.', 'Precio', 'IVA', 'Base', 'Total'],
    noLines: 'Sin conceptos.',
    taxes: 'Desglose de impuestos',
    taxColumns: ['Tipo', 'Base imponible', 'Cuota'],
    subtotal: 'Base imponible',
    taxTotal: 'Impuestos',
    total: 'Total',
    paid: 'Pagado',
    due: 'Pendiente',
    payments: 'Pagos',
    paymentColumns: ['Fecha', 'Forma de pago', 'Referencia', 'Importe'],
    notes: 'Observaciones',
    voided: 'FACTURA ANULADA',
    voidReason: 'Motivo',
    kinds: { treatment: 'Tratamiento', appointment: 'Consulta', product: 'Producto', other: '' },
    statuses: {
      draft: 'Borrador',
      unpaid: 'Pendiente de pago',
      partially_paid: 'Pagada parcialmente',
      paid: 'Pagada',
      void: 'Anulada',
    },
    methods: {
      cash: 'Efectivo',
      card: 'Tarjeta',
      transfer: 'Transferencia',
      insurance: 'Aseguradora',
      other: 'Otra',
    },
  },
  en: {
    title: 'Invoice',
    patient: 'Patient',
    patientNumber: 'Patient no.',
    document: 'Document',
    address: 'Address',
    issuedOn: 'Date of issue',
    status: 'Status',
    lines: 'Items',
    columns: ['#', 'Item', 'Qty', 'Price', 'VAT', 'Net', 'Total'],
    noLines: 'No items.',
    taxes: 'Tax breakdown',
    taxColumns: ['Rate', 'Taxable base', 'Tax'],
    subtotal: 'Taxable base',
    taxTotal: 'Taxes',
    total: 'Total',
    paid: 'Paid',
    due: 'Due',
    payments: 'Payments',
    paymentColumns: ['Date', 'Method', 'Reference', 'Amount'],
    notes: 'Notes',
    voided: 'VOID INVOICE',
    voidReason: 'Reason',
    kinds: { treatment: 'Treatment', appointment: 'Appointment', product: 'Product', other: '' },
    statuses: {
      draft: 'Draft',
      unpaid: 'Unpaid',
      partially_paid: 'Partially paid',
      paid: 'Paid',
      void: 'Void',
    },
    methods: {
      cash: 'Cash',
      card: 'Card',
      transfer: 'Bank transfer',
      insurance: 'Insurer',
      other: 'Other',
    },
  },
} as const;

export const invoiceTitle = (lang: Language) => LABELS[lang].title;

/** What the invoice says of its patient, as recorded now. */
interface InvoicePatient {
  name: string;
  patientNumber: string;
  documentNumber: string;
  address: string | null;
}

/** "2.500" -> "2,5" / "2.5": a quantity without its trailing zeros, in the language's notation. */
function quantity(q: string, f: Formats): string {
  const trimmed = q.includes('.') ? q.replace(/0+$/, '').replace(/\.$/, '') : q;
  return f.lang === 'es' ? trimmed.replace('.', ',') : trimmed;
}

/** "21.00" -> "21 %" / "21%". */
function rate(r: string, f: Formats): string {
  const trimmed = r.replace(/\.00$/, '').replace(/(\.\d)0$/, '$1');
  return f.lang === 'es' ? `${trimmed.replace('.', ',')} %` : `${trimmed}%`;
}

const right = (text: string): TableCell => ({ text, alignment: 'right' });

/** Amount columns read from the right: their headers too. */
function rightHeaders(table: Content, columns: number[]): Content {
  const header = (table as { table?: { body: TableCell[][] } }).table?.body[0];
  for (const i of columns) {
    const cell = header?.[i];
    if (cell && typeof cell === 'object') Object.assign(cell, { alignment: 'right' });
  }
  return table;
}

export function invoiceContent(invoice: Invoice, patient: InvoicePatient, f: Formats): Content[] {
  const l = LABELS[f.lang];
  const content: Content[] = [{ text: `${l.title} ${invoice.number ?? ''}`.trim(), style: 'title' }];
  if (invoice.status === 'void') {
    content.push({
      text: `${l.voided}${invoice.voidReason ? `. ${l.voidReason}: ${invoice.voidReason}` : ''}`,
      bold: true,
      color: '#b42318',
      margin: [0, 0, 0, 8],
    });
  }
  content.push(
    fields([
      [l.issuedOn, f.day(invoice.issuedOn)],
      [l.status, l.statuses[invoice.status]],
    ]),
    heading(l.patient),
    fields([
      [l.patient, patient.name],
      [l.patientNumber, patient.patientNumber],
      [l.document, patient.documentNumber],
      [l.address, patient.address],
    ]),
    heading(l.lines),
    rightHeaders(
      dataTable(
        [...l.columns],
        invoice.lines.map((line) => [
          String(line.lineNo),
          {
            stack: [
              { text: line.description },
              ...(l.kinds[line.kind] ? [{ text: l.kinds[line.kind], style: 'label' }] : []),
            ],
          },
          right(quantity(line.quantity, f)),
          right(f.money(line.unitPrice)),
          right(rate(line.taxRate, f)),
          right(f.money(line.subtotal)),
          right(f.money(line.total)),
        ]),
        { widths: [14, '*', 34, 58, 36, 62, 62], empty: l.noLines },
      ),
      [2, 3, 4, 5, 6],
    ),
    heading(l.taxes),
    rightHeaders(
      dataTable(
        [...l.taxColumns],
        invoice.taxLines.map((t) => [rate(t.rate, f), right(f.money(t.base)), right(f.money(t.tax))]),
        { widths: ['*', 100, 100], empty: l.noLines },
      ),
      [1, 2],
    ),
    {
      margin: [0, 10, 0, 0],
      columns: [
        { text: '', width: '*' },
        {
          width: 220,
          table: {
            widths: ['*', 90],
            body: [
              [{ text: l.subtotal, style: 'label' }, right(f.money(invoice.subtotal))],
              [{ text: l.taxTotal, style: 'label' }, right(f.money(invoice.taxTotal))],
              [
                { text: l.total, bold: true },
                { text: f.money(invoice.total), bold: true, alignment: 'right' },
              ],
              [{ text: l.paid, style: 'label' }, right(f.money(invoice.paid))],
              [{ text: l.due, style: 'label' }, right(f.money(invoice.due))],
            ],
          },
          layout: 'noBorders',
        },
      ],
    },
  );
  if (invoice.payments.length > 0) {
    content.push(
      heading(l.payments),
      rightHeaders(
        dataTable(
          [...l.paymentColumns],
          invoice.payments.map((p) => [
            f.day(p.paidOn),
            l.methods[p.method],
            p.reference ?? '',
            right(f.money(p.amount)),
          ]),
          { widths: [80, 100, '*', 80], empty: '' },
        ),
        [3],
      ),
    );
  }
  if (invoice.notes) content.push(heading(l.notes), { text: invoice.notes });
  return content;
}

export interface InvoicePrint {
  clinicName: string;
  timeZone: string;
  /** Printed as when it was generated: the issue for the filed copy, now for a download. */
  at: Date;
  /** Who asked for it (their e-mail); the clinic for the filed copy. */
  by: string;
}

/** The invoice as a PDF, in the frame every printed document shares. */
export function renderInvoice(
  invoice: Invoice,
  patient: PatientRow,
  lang: Language,
  print: InvoicePrint,
): Promise<Readable> {
  const formats = new Formats(lang, print.timeZone);
  const a = patient.address;
  const address = a ? [a.street, [a.postalCode, a.city].filter(Boolean).join(' '), a.state, a.country] : [];
  const printed: InvoicePatient = {
    name: `${patient.first_name} ${patient.last_name}`,
    patientNumber: patient.patient_number,
    documentNumber: patient.document_number,
    address: address.filter(Boolean).join(', ') || null,
  };
  return renderPdf(
    {
      clinicName: print.clinicName,
      title: `${LABELS[lang].title} ${invoice.number ?? ''}`.trim(),
      formats,
      generatedAt: print.at,
      generatedBy: print.by,
    },
    invoiceContent(invoice, printed, formats),
  );
}
