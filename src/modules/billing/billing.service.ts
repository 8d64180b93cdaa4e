import { randomUUID } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import type { AuditTrail } from '../../platform/audit/audit.js';
import { type Database, pgErrorCode, type Queryable } from '../../platform/db/database.js';
import { fromCents, toCents } from '../../platform/decimal.js';
import { appendEvent } from '../../platform/events/outbox.js';
import type { RequestContext } from '../../platform/http/access.js';
import { badRequest, conflict, DomainError, notFound, unauthorized } from '../../platform/http/errors.js';
import type { DocumentStager } from '../documents/documents.filing.js';
import { findPatient, type PatientRow } from '../patients/patients.repository.js';
import { invoiceTitle, renderInvoice } from './billing.pdf.js';
import { draftConflict, InvoiceReads } from './billing.reads.js';
import * as repo from './billing.repository.js';
import type { Invoice, InvoiceInput, InvoiceStatus, InvoiceUpdate, PaymentInput } from './billing.schemas.js';
import { alreadyBilled, composeLines, type Pricing } from './billing.sources.js';
import * as sourceRepo from './billing.sources.repository.js';

/** `invoice.issued`, `invoice.paid` or `invoice.voided`: each names the invoice and its patient. */
const invoiceEvent = (
  tx: Queryable,
  type: 'invoice.issued' | 'invoice.paid' | 'invoice.voided',
  invoiceId: string,
  patientId: string,
) => appendEvent(tx, { type, aggregateId: invoiceId, patientId, payload: { invoiceId, patientId } });

/** The database refusing two lines of one source on two invoices (exclusion) or twice on one (unique). */
const EXCLUSION_VIOLATION = '23P01';
const UNIQUE_VIOLATION = '23505';
/** The triggers' refusal to change an issued invoice (SQLSTATE 55000). */
const ISSUED_READ_ONLY = '55000';

export interface BillingOptions extends Pricing {
  clinicName: string;
}

const issuedConflict = (status: InvoiceStatus, number: string | null) =>
  new DomainError(
    'INVOICE_ISSUED',
    409,
    status === 'void'
      ? `Invoice ${number} is void; it cannot change.`
      : `Invoice ${number} is issued; only payments and a void change it now.`,
    { code: status === 'void' ? 'invoice_void' : 'invoice_issued' },
  );

/**
 * Invoices F2026/00001 for treatments, appointments and dispensed products (capability 9).
 * Drafts are rebuilt freely; issuing assigns the year's next number and files the PDF in the
 * patient's documents in one transaction; payments move the status from unpaid to paid; a void
 * keeps the number. The desk, the pharmacy and administrators bill; doctors read; a patient
 * reads their own issued invoices. Every read and change is audited with the patient.
 */
export class BillingService {
  private readonly day: Intl.DateTimeFormat;
  /** Lists, single invoices, what is billable and the PDF. */
  readonly reads: InvoiceReads;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly documents: DocumentStager,
    private readonly options: BillingOptions,
  ) {
    this.day = new Intl.DateTimeFormat('en-CA', { timeZone: options.timeZone });
    this.reads = new InvoiceReads(db, audit, options);
  }

  /** Today in the clinic's time zone. */
  private today(): string {
    return this.day.format(new Date());
  }

  // Drafts ------------------------------------------------------------------------------------------

  async create(input: InvoiceInput, ctx: RequestContext): Promise<Invoice> {
    const userId = this.userOf(ctx);
    const id = randomUUID();
    await this.guardSources(input, undefined, () =>
      this.db.transaction(async (tx) => {
        await this.writablePatient(tx, input.patientId, 'body.patientId');
        const composed = await composeLines(tx, input.patientId, input, this.options);
        await repo.insertDraft(tx, {
          patientId: input.patientId,
          id,
          createdBy: userId,
          subtotal: composed.subtotal,
          taxTotal: composed.taxTotal,
          total: composed.total,
          notes: input.notes ?? null,
        });
        await repo.replaceLines(tx, input.patientId, id, composed.lines);
        await this.audit.write(tx, ctx, {
          action: 'invoice.create',
          resourceType: 'Invoice',
          resourceId: id,
          patientId: input.patientId,
          details: { lines: composed.lines.length, total: composed.total },
        });
      }),
    );
    return this.load(id);
  }

  async update(id: string, input: InvoiceUpdate, ctx: RequestContext): Promise<Invoice> {
    this.userOf(ctx);
    const patientId = await this.patientOf(id);
    await this.guardSources(input, id, () =>
      this.db.transaction(async (tx) => {
        await this.writablePatient(tx, patientId);
        await this.lockDraft(tx, patientId, id);
        const composed = await composeLines(tx, patientId, input, this.options, id);
        await repo.updateDraft(tx, patientId, id, {
          subtotal: composed.subtotal,
          taxTotal: composed.taxTotal,
          total: composed.total,
          notes: input.notes ?? null,
        });
        await repo.replaceLines(tx, patientId, id, composed.lines);
        await this.audit.write(tx, ctx, {
          action: 'invoice.update',
          resourceType: 'Invoice',
          resourceId: id,
          patientId,
          details: { lines: composed.lines.length, total: composed.total },
        });
      }),
    );
    return this.load(id);
  }

  /** A draft thrown away: it has no number yet, so nothing is missing from the series. */
  async discard(id: string, ctx: RequestContext): Promise<void> {
    this.userOf(ctx);
    const patientId = await this.patientOf(id);
    await this.guardIssued(() =>
      this.db.transaction(async (tx) => {
        await this.writablePatient(tx, patientId);
        await this.lockDraft(tx, patientId, id);
        await repo.deleteDraft(tx, patientId, id);
        await this.audit.write(tx, ctx, {
          action: 'invoice.discard',
          resourceType: 'Invoice',
          resourceId: id,
          patientId,
        });
      }),
    );
  }

  // Issuing, payments, void ----------------------------------------------------------------------

  /**
   * Gives the draft the year's next number and today's date, prints it and stages the PDF for
   * the patient's documents, all in one transaction: a failure anywhere gives the number back.
   */
  async issue(id: string, ctx: RequestContext): Promise<Invoice> {
    const userId = this.userOf(ctx);
    const patientId = await this.patientOf(id);
    await this.guardIssued(() =>
      this.db.transaction(async (tx) => {
        await this.writablePatient(tx, patientId);
        const current = await this.lockDraft(tx, patientId, id);
        if (current.lines === 0) {
          throw conflict('An invoice without lines cannot be issued.', { code: 'invoice_empty' });
        }
        const issuedOn = this.today();
        // The counter is taken last, so that concurrent issues wait on it as briefly as possible.
        const number = await repo.nextInvoiceNumber(tx, Number(issuedOn.slice(0, 4)));
        const paid = toCents(current.total) === 0n;
        await repo.markIssued(tx, { patientId, id, number, issuedOn, status: paid ? 'paid' : 'unpaid' });
        const row = (await repo.findInvoice(tx, id)) as repo.InvoiceDetailRow;
        const patient = (await findPatient(tx, patientId)) as PatientRow;
        const invoice = repo.toInvoice(row);
        const printed = await renderInvoice(invoice, patient, 'es', {
          clinicName: this.options.clinicName,
          timeZone: this.options.timeZone,
          at: row.issued_at ?? new Date(),
          by: this.options.clinicName,
        });
        const pdf = await buffer(printed);
        await this.documents.stage(tx, {
          patientId,
          category: 'invoice',
          title: `${invoiceTitle('es')} ${number}`,
          fileName: `${number.replace('/', '-')}.pdf`,
          contentType: 'application/pdf',
          content: pdf,
          source: { type: 'invoice', id },
          authorId: userId,
        });
        await this.audit.write(tx, ctx, {
          action: 'invoice.issue',
          resourceType: 'Invoice',
          resourceId: id,
          patientId,
          details: { number, total: invoice.total },
        });
        await invoiceEvent(tx, 'invoice.issued', id, patientId);
        // Nothing to pay: paid the moment it is issued.
        if (paid) {
          await invoiceEvent(tx, 'invoice.paid', id, patientId);
        }
      }),
    );
    return this.load(id);
  }

  /** A payment: never more than is still due; the status follows what was paid. */
  async pay(id: string, input: PaymentInput, ctx: RequestContext): Promise<Invoice> {
    const userId = this.userOf(ctx);
    const paidOn = input.paidOn ?? this.today();
    if (paidOn > this.today()) {
      throw badRequest('A payment cannot be dated in the future.', [
        { path: 'body.paidOn', message: 'must not be after today', code: 'too_big' },
      ]);
    }
    const patientId = await this.patientOf(id);
    await this.db.transaction(async (tx) => {
      await this.writablePatient(tx, patientId);
      const current = await repo.lockInvoice(tx, patientId, id);
      if (!current) throw notFound('The invoice');
      if (current.status === 'draft') throw draftConflict();
      if (current.status === 'void') throw issuedConflict('void', current.number);
      const due = toCents(current.total) - toCents(current.paid);
      const amount = toCents(input.amount);
      if (amount > due) {
        throw conflict(
          `Invoice ${current.number} has ${fromCents(due)} still due; a payment of ${input.amount} would be more.`,
          { code: 'overpayment', due: fromCents(due) },
        );
      }
      const paid = toCents(current.paid) + amount;
      const status: InvoiceStatus = paid === toCents(current.total) ? 'paid' : 'partially_paid';
      const paymentId = randomUUID();
      await repo.insertPayment(tx, {
        patientId,
        id: paymentId,
        invoiceId: id,
        amount: input.amount,
        method: input.method,
        paidOn,
        reference: input.reference ?? null,
        userId,
      });
      await repo.setPaid(tx, patientId, id, fromCents(paid), status);
      await this.audit.write(tx, ctx, {
        action: 'invoice.payment',
        resourceType: 'Invoice',
        resourceId: id,
        patientId,
        details: { paymentId, amount: input.amount, method: input.method, status },
      });
      if (status === 'paid') {
        await invoiceEvent(tx, 'invoice.paid', id, patientId);
      }
    });
    return this.load(id);
  }

  /**
   * Voids an issued invoice that nothing was paid on; it keeps its number (the series stays
   * gapless) and its sources may be billed again. Once money was taken the invoice stands:
   * Clinica records no refunds, so a void would leave a payment against nothing.
   */
  async void(id: string, reason: string, ctx: RequestContext): Promise<Invoice> {
    this.userOf(ctx);
    const patientId = await this.patientOf(id);
    await this.guardIssued(() =>
      this.db.transaction(async (tx) => {
        await this.writablePatient(tx, patientId);
        const current = await repo.lockInvoice(tx, patientId, id);
        if (!current) throw notFound('The invoice');
        if (current.status === 'draft') {
          throw conflict('A draft is not voided: discard it instead (it has no number yet).', {
            code: 'invoice_draft',
          });
        }
        if (current.status === 'void') throw issuedConflict('void', current.number);
        if (toCents(current.paid) > 0n) {
          throw conflict(
            `Invoice ${current.number} has payments (${current.paid}); an invoice money was taken on cannot be voided.`,
            { code: 'invoice_has_payments' },
          );
        }
        await repo.markVoid(tx, patientId, id, reason);
        await this.audit.write(tx, ctx, {
          action: 'invoice.void',
          resourceType: 'Invoice',
          resourceId: id,
          patientId,
          details: { number: current.number },
        });
        await invoiceEvent(tx, 'invoice.voided', id, patientId);
      }),
    );
    return this.load(id);
  }

  // Helpers ----------------------------------------------------------------------------------------

  private async load(id: string): Promise<Invoice> {
    const row = await repo.findInvoice(this.db, id);
    if (!row) throw notFound('The invoice');
    return repo.toInvoice(row);
  }

  private async patientOf(id: string): Promise<string> {
    const { rows } = await this.db.query<{ patient_id: string }>('select patient_id from invoices where id = $1', [id]);
    const patientId = rows[0]?.patient_id;
    if (!patientId) throw notFound('The invoice');
    return patientId;
  }

  /** The draft, locked; an issued or void invoice answers 409. */
  private async lockDraft(tx: Queryable, patientId: string, id: string) {
    const current = await repo.lockInvoice(tx, patientId, id);
    // A merge may have moved it since its patient was looked up.
    if (!current) throw conflict('The invoice moved to another patient record; try again.', { code: 'invoice_moved' });
    if (current.status !== 'draft') throw issuedConflict(current.status, current.number);
    return current;
  }

  private async writablePatient(tx: Queryable, patientId: string, path?: string) {
    const patient = await repo.lockPatient(tx, patientId);
    if (!patient) {
      if (path) {
        throw badRequest('The patient does not exist.', [{ path, message: 'is not a patient', code: 'invalid_value' }]);
      }
      throw notFound('The patient');
    }
    if (patient.merged_into) {
      throw conflict('This record was merged into another patient; bill that one.', {
        code: 'patient_merged',
        mergedInto: patient.merged_into,
      });
    }
  }

  /**
   * The database has the last word on double billing: a source another transaction put on an
   * invoice meanwhile answers the same 409 as the service's own check, naming that invoice.
   */
  private async guardSources<T>(
    sources: { appointmentIds: string[]; prescriptionIds: string[] },
    exceptInvoice: string | undefined,
    write: () => Promise<T>,
  ): Promise<T> {
    try {
      return await this.guardIssued(write);
    } catch (err) {
      const code = pgErrorCode(err);
      if (code !== EXCLUSION_VIOLATION && code !== UNIQUE_VIOLATION) throw err;
      const { rows } = await this.db.query<{ patient_id: string }>(
        `select distinct patient_id from appointments where id = any($1::uuid[])
         union select distinct patient_id from prescriptions where id = any($2::uuid[])`,
        [sources.appointmentIds, sources.prescriptionIds],
      );
      for (const { patient_id } of rows) {
        const [billed] = await sourceRepo.billedSources(this.db, patient_id, { ...sources, exceptInvoice });
        if (billed) throw alreadyBilled('An appointment or prescription of this invoice', billed);
      }
      throw conflict('An appointment or prescription of this invoice is already billed.', { code: 'already_billed' });
    }
  }

  private async guardIssued<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (pgErrorCode(err) === ISSUED_READ_ONLY) {
        throw conflict('The invoice was issued meanwhile; it can no longer change this way.', {
          code: 'invoice_issued',
        });
      }
      throw err;
    }
  }

  private userOf(ctx: RequestContext): string {
    if (!ctx.actor) throw unauthorized();
    return ctx.actor.userId;
  }
}
