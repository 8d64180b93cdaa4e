import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { IdParams, NoContent, page, problems } from '../../platform/http/schemas.js';
import { LangQuery, pickLanguage } from '../../platform/pdf/language.js';
import {
  Billable,
  BillableQuery,
  Invoice,
  InvoiceInput,
  InvoiceQuery,
  InvoiceSummary,
  InvoiceUpdate,
  PaymentInput,
  VoidInput,
} from './billing.schemas.js';
import type { BillingService } from './billing.service.js';

const tags = ['Billing'];
/** The admissions desk and the pharmacy bill what they gave; administrators oversee. */
const BILL: Role[] = ['admissions', 'pharmacist', 'admin'];
/** Doctors read; a patient reads their own issued invoices (the service enforces it). */
const READ: Role[] = ['patient', 'admissions', 'doctor', 'pharmacist', 'admin'];

const Pdf = z.any().describe('The invoice as a PDF (application/pdf)');

export function billingRoutes(service: BillingService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post('/invoices', {
      config: { access: BILL },
      schema: {
        tags,
        summary: 'Start an invoice (a draft) from appointments, dispensed prescriptions and typed lines',
        description:
          "Each appointment adds its treatments at the catalogue's cost (or one appointment line at BILLING_APPOINTMENT_PRICE), taxed at BILLING_TREATMENT_TAX_RATE; each prescription adds its dispensed lines (less returns) at the product's sale price and tax rate. Sources must be the patient's (400) and not on another invoice that is not void (409 naming it). Amounts are exact decimal strings: line subtotal = quantity x unit price and tax = subtotal x rate / 100, each rounded half-up to cents.",
        body: InvoiceInput,
        response: { 201: Invoice, ...problems(400, 401, 403, 409) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.create(req.body, contextOf(req))),
    });

    app.get('/invoices', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Find invoices, newest first',
        description: 'A patient sees only their own, and never drafts.',
        querystring: InvoiceQuery,
        response: { 200: page(InvoiceSummary), ...problems(400, 401, 403) },
      },
      handler: async (req) => service.reads.list(req.query, contextOf(req)),
    });

    app.get('/invoices/billable', {
      config: { access: BILL },
      schema: {
        tags,
        summary: 'What could be billed for a patient: appointments and dispensed prescriptions not on an invoice',
        description: 'Each with the lines it would add, priced as they would be now.',
        querystring: BillableQuery,
        response: { 200: Billable, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.reads.billable(req.query.patientId, contextOf(req)),
    });

    app.get('/invoices/:id', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Read an invoice with its lines, tax breakdown and payments',
        params: IdParams,
        response: { 200: Invoice, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.reads.get(req.params.id, contextOf(req)),
    });

    app.put('/invoices/:id', {
      config: { access: BILL },
      schema: {
        tags,
        summary: 'Rebuild a draft from its sources and lines',
        description: 'Only while it is a draft: an issued or void invoice answers 409.',
        params: IdParams,
        body: InvoiceUpdate,
        response: { 200: Invoice, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.update(req.params.id, req.body, contextOf(req)),
    });

    app.delete('/invoices/:id', {
      config: { access: BILL },
      schema: {
        tags,
        summary: 'Discard a draft',
        description: 'A draft has no number yet, so the series keeps no gap. Issued invoices are voided instead (409).',
        params: IdParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) => {
        await service.discard(req.params.id, contextOf(req));
        return reply.code(204).send();
      },
    });

    app.post('/invoices/:id/issue', {
      config: { access: BILL },
      schema: {
        tags,
        summary: "Issue a draft: it gets the year's next number (F2026/00001) and today's date",
        description:
          "Gapless numbering, also under concurrency. The PDF is filed in the patient's documents (category invoice). An invoice with nothing to pay is paid at once. Emits `invoice.issued`.",
        params: IdParams,
        response: { 200: Invoice, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.issue(req.params.id, contextOf(req)),
    });

    app.post('/invoices/:id/payments', {
      config: { access: BILL },
      schema: {
        tags,
        summary: 'Record a payment',
        description:
          'Unpaid -> partially paid -> paid. More than is still due answers 409, as does a draft or a void invoice. Emits `invoice.paid` once the total is reached.',
        params: IdParams,
        body: PaymentInput,
        response: { 201: Invoice, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.pay(req.params.id, req.body, contextOf(req))),
    });

    app.post('/invoices/:id/void', {
      config: { access: BILL },
      schema: {
        tags,
        summary: 'Void an issued invoice',
        description:
          'Only an issued invoice without payments (409 otherwise); it keeps its number, and its appointments and prescriptions can be billed again. Emits `invoice.voided`.',
        params: IdParams,
        body: VoidInput,
        response: { 200: Invoice, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.void(req.params.id, req.body.reason, contextOf(req)),
    });

    app.get('/invoices/:id/pdf', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'The printable invoice (PDF), as it stands now',
        description:
          'In Spanish or English (`?lang=`, else Accept-Language). Issued invoices only (a draft answers 409; to a patient, 404). Every download is audited.',
        params: IdParams,
        querystring: LangQuery,
        produces: ['application/pdf'],
        response: { 200: Pdf, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) => {
        const lang = pickLanguage(req.query.lang, req.headers['accept-language']);
        const { number, stream } = await service.reads.pdf(req.params.id, lang, contextOf(req));
        return reply
          .type('application/pdf')
          .header('content-disposition', `inline; filename="${number.replace('/', '-')}.pdf"`)
          .header('cache-control', 'no-store')
          .send(stream);
      },
    });
  };
}
