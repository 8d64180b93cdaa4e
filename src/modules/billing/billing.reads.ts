import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database } from '../../platform/db/database.js';
import { isPatientOnly, type RequestContext } from '../../platform/http/access.js';
import { badRequest, DomainError, forbidden, notFound } from '../../platform/http/errors.js';
import type { Language } from '../../platform/pdf/language.js';
import { findPatient, type PatientRow } from '../patients/patients.repository.js';
import { renderInvoice } from './billing.pdf.js';
import * as repo from './billing.repository.js';
import type { Billable, Invoice, InvoiceQuery } from './billing.schemas.js';
import { appointmentLines, type Pricing, productLine } from './billing.sources.js';
import * as sourceRepo from './billing.sources.repository.js';

export interface ReadOptions extends Pricing {
  clinicName: string;
}

export const draftConflict = () =>
  new DomainError('INVOICE_DRAFT', 409, 'This invoice is a draft: issue it first.', { code: 'invoice_draft' });

/**
 * Reading invoices: staff read every one, a patient only their own issued ones (never a
 * draft). Every read is audited with the patient, refusals too.
 */
export class InvoiceReads {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly options: ReadOptions,
  ) {}

  async get(id: string, ctx: RequestContext): Promise<Invoice> {
    const row = await this.reach(id, ctx, 'invoice.read');
    await this.audit.record(ctx, {
      action: 'invoice.read',
      resourceType: 'Invoice',
      resourceId: id,
      patientId: row.patient_id,
    });
    return repo.toInvoice(row);
  }

  async list(query: InvoiceQuery, ctx: RequestContext) {
    const patientOnly = isPatientOnly(ctx.actor);
    const own = patientOnly ? (ctx.actor?.patientId ?? randomUUID()) : undefined;
    if (own && query.patientId && query.patientId !== own) {
      await this.audit.record(ctx, {
        action: 'invoice.search',
        outcome: 'denied',
        resourceType: 'Invoice',
        patientId: query.patientId,
      });
      throw forbidden('You can only see your own invoices.');
    }
    const result = await repo.searchInvoices(this.db, {
      ...query,
      ...(own ? { patientId: own } : {}),
      issuedOnly: patientOnly,
    });
    if (!result) {
      throw badRequest('The cursor is not valid; start again without it.', [
        { path: 'querystring.cursor', message: 'is not a cursor returned by this list', code: 'invalid_value' },
      ]);
    }
    const { cursor, limit, ...filters } = query;
    const patientIds = [...new Set(result.rows.map((r) => r.patient_id))];
    await this.audit.record(ctx, {
      action: 'invoice.search',
      resourceType: 'Invoice',
      patientId: own ?? query.patientId ?? (patientIds.length === 1 ? patientIds[0] : null),
      details: { filters, patientIds },
    });
    return { items: result.rows.map(repo.toSummary), nextCursor: result.nextCursor };
  }

  /** What could be billed for a patient now: appointments and dispensed prescription lines not on an invoice. */
  async billable(patientId: string, ctx: RequestContext): Promise<Billable> {
    const patient = await findPatient(this.db, patientId);
    if (!patient) throw notFound('The patient');
    const appointments = await sourceRepo.unbilledAppointments(this.db, patientId);
    const treatments = await sourceRepo.treatmentPrices(this.db, [
      ...new Set(appointments.flatMap((a) => a.treatment_ids)),
    ]);
    const prescriptions = await sourceRepo.dispensedPrescriptions(this.db, patientId);
    const ids = prescriptions.map((p) => p.id);
    const dispensed = await sourceRepo.dispensedLines(this.db, patientId, ids);
    const billed = await sourceRepo.billedSources(this.db, patientId, { appointmentIds: [], prescriptionIds: ids });
    await this.audit.record(ctx, { action: 'invoice.billable', resourceType: 'Invoice', patientId });
    const preview = (l: repo.NewLine) => ({
      kind: l.kind,
      description: l.description,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      taxRate: l.taxRate,
      total: l.total,
    });
    return {
      appointments: appointments.map((a) => ({
        id: a.id,
        number: a.number,
        start: a.starts_at.toISOString(),
        status: a.status,
        lines: appointmentLines(a, treatments, this.options).map(preview),
      })),
      prescriptions: prescriptions
        .map((p) => ({
          id: p.id,
          number: p.number,
          date: p.prescribed_on,
          lines: dispensed
            .filter(
              (d) =>
                d.prescription_id === p.id &&
                !billed.some((b) => b.prescription_id === p.id && b.prescription_line === d.line_no),
            )
            .map((d) => preview(productLine(d, p.number))),
        }))
        .filter((p) => p.lines.length > 0),
    };
  }

  /**
   * The printable invoice as it stands now (payments included), in Spanish or English. Drafts
   * have none: they are not invoices yet. The download is audited before a byte leaves.
   */
  async pdf(id: string, lang: Language, ctx: RequestContext): Promise<{ number: string; stream: Readable }> {
    const row = await this.reach(id, ctx, 'invoice.download');
    if (row.status === 'draft' || !row.number) throw draftConflict();
    const patient = (await findPatient(this.db, row.patient_id)) as PatientRow;
    await this.audit.record(ctx, {
      action: 'invoice.download',
      resourceType: 'Invoice',
      resourceId: id,
      patientId: row.patient_id,
      details: { number: row.number, lang },
    });
    const stream = await renderInvoice(repo.toInvoice(row), patient, lang, {
      clinicName: this.options.clinicName,
      timeZone: this.options.timeZone,
      at: new Date(),
      by: ctx.actor?.email ?? this.options.clinicName,
    });
    return { number: row.number, stream };
  }

  /**
   * Loads an invoice the caller may see. A patient reaches only their own (a refusal is
   * audited), and never a draft: for them it does not exist yet.
   */
  private async reach(id: string, ctx: RequestContext, action: string): Promise<repo.InvoiceDetailRow> {
    const row = await repo.findInvoice(this.db, id);
    if (!row) throw notFound('The invoice');
    if (isPatientOnly(ctx.actor)) {
      if (ctx.actor?.patientId !== row.patient_id) {
        await this.audit.record(ctx, {
          action,
          outcome: 'denied',
          resourceType: 'Invoice',
          resourceId: id,
          patientId: row.patient_id,
        });
        throw forbidden('You can only see your own invoices.');
      }
      if (row.status === 'draft') throw notFound('The invoice');
    }
    return row;
  }
}
