import { api, unwrap } from '../api/client';
import type { paths } from '../api/schema';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Body<T> = NonNullable<T> extends { content: { 'application/json': infer B } } ? B : never;

export type Invoice = Json<paths['/api/v1/invoices/{id}']['get']['responses'][200]>;
export type InvoiceSummary = Json<paths['/api/v1/invoices']['get']['responses'][200]>['items'][number];
export type InvoiceStatus = Invoice['status'];
export type InvoiceLine = Invoice['lines'][number];
export type LineKind = InvoiceLine['kind'];
export type PaymentMethod = Invoice['payments'][number]['method'];
export type InvoiceInput = Body<paths['/api/v1/invoices']['post']['requestBody']>;
export type TypedLine = NonNullable<InvoiceInput['lines']>[number];
export type PaymentInput = Body<paths['/api/v1/invoices/{id}/payments']['post']['requestBody']>;
export type Billable = Json<paths['/api/v1/invoices/billable']['get']['responses'][200]>;

export const PAGE_SIZE = 25;

export function listInvoices(query: { status?: InvoiceStatus | undefined; cursor?: string | undefined }) {
  return unwrap(
    api.GET('/api/v1/invoices', {
      params: {
        query: {
          ...(query.status ? { status: query.status } : {}),
          ...(query.cursor ? { cursor: query.cursor } : {}),
          limit: PAGE_SIZE,
        },
      },
    }),
  );
}

export const getInvoice = (id: string) => unwrap(api.GET('/api/v1/invoices/{id}', { params: { path: { id } } }));

export const billableFor = (patientId: string) =>
  unwrap(api.GET('/api/v1/invoices/billable', { params: { query: { patientId } } }));

export const createInvoice = (body: InvoiceInput) => unwrap(api.POST('/api/v1/invoices', { body }));

export const issueInvoice = (id: string) =>
  unwrap(api.POST('/api/v1/invoices/{id}/issue', { params: { path: { id } } }));

export const discardInvoice = (id: string) => unwrap(api.DELETE('/api/v1/invoices/{id}', { params: { path: { id } } }));

export const payInvoice = (id: string, body: PaymentInput) =>
  unwrap(api.POST('/api/v1/invoices/{id}/payments', { params: { path: { id } }, body }));

export const voidInvoice = (id: string, reason: string) =>
  unwrap(api.POST('/api/v1/invoices/{id}/void', { params: { path: { id } }, body: { reason } }));

/** The PDF needs the bearer token, which a plain link cannot send: fetched as a blob. */
export const invoicePdf = (id: string, lang: 'es' | 'en') =>
  unwrap(
    api.GET('/api/v1/invoices/{id}/pdf', { params: { path: { id }, query: { lang } }, parseAs: 'blob' }),
  ) as Promise<Blob>;

/** "F2026/00001" -> "F2026-00001.pdf": a file name without a slash. */
export const pdfName = (number: string | undefined) => `${(number ?? 'factura').replace('/', '-')}.pdf`;
