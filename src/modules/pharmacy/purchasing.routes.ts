import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { IdParams, page, problems } from '../../platform/http/schemas.js';
import {
  CancelInput,
  PurchaseOrder,
  PurchaseOrderInput,
  PurchaseOrderQuery,
  Receipt,
  ReceiveInput,
  Suggestion,
  Vendor,
  VendorInput,
  VendorQuery,
} from './purchasing.schemas.js';
import type { PurchasingService } from './purchasing.service.js';

const tags = ['Purchasing'];
/** Pharmacists buy; administrators oversee what is bought. */
const READ: Role[] = ['pharmacist', 'admin'];
const WRITE: Role[] = ['pharmacist'];

export function purchasingRoutes(service: PurchasingService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post('/vendors', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Add a vendor',
        body: VendorInput,
        response: { 201: Vendor, ...problems(400, 401, 403) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.createVendor(req.body, contextOf(req))),
    });

    app.get('/vendors', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Find vendors by name, e-mail address or tax id',
        querystring: VendorQuery,
        response: { 200: page(Vendor), ...problems(400, 401, 403) },
      },
      handler: async (req) => service.listVendors(req.query),
    });

    app.get('/vendors/:id', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Read a vendor',
        params: IdParams,
        response: { 200: Vendor, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.getVendor(req.params.id),
    });

    app.put('/vendors/:id', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Replace a vendor',
        description: 'Deactivate a vendor instead of deleting it: its orders keep naming it.',
        params: IdParams,
        body: VendorInput,
        response: { 200: Vendor, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.updateVendor(req.params.id, req.body, contextOf(req)),
    });

    app.get('/purchase-orders', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'List purchase orders, most recent first',
        querystring: PurchaseOrderQuery,
        response: { 200: page(PurchaseOrder), ...problems(400, 401, 403) },
      },
      handler: async (req) => service.listOrders(req.query),
    });

    app.get('/purchase-orders/suggestions', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Reorder suggestions',
        description:
          'Active products whose stock on hand plus what is on order (draft and confirmed orders, less what came in) is below their minimum: how much to order to reach the maximum (else the minimum), rounded up to whole units, with the vendor and unit cost of their most recent order line.',
        response: { 200: z.object({ items: z.array(Suggestion) }), ...problems(401, 403) },
      },
      handler: async () => service.suggestions(),
    });

    app.post('/purchase-orders', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Write a draft purchase order',
        description:
          "Numbered P00001 on, without gaps. Each line's unit cost defaults to the product's cost and its tax rate is the product's; subtotal = quantity x unitCost and tax = subtotal x taxRate / 100, each rounded half up to cents; the order's totals are the lines' sums.",
        body: PurchaseOrderInput,
        response: { 201: PurchaseOrder, ...problems(400, 401, 403) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.createOrder(req.body, contextOf(req))),
    });

    app.get('/purchase-orders/:id', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Read a purchase order with its lines',
        params: IdParams,
        response: { 200: PurchaseOrder, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.getOrder(req.params.id),
    });

    app.put('/purchase-orders/:id', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Replace a draft purchase order',
        description: 'Only a draft can be changed (409 otherwise, naming its status); the lines are numbered again.',
        params: IdParams,
        body: PurchaseOrderInput,
        response: { 200: PurchaseOrder, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.updateOrder(req.params.id, req.body, contextOf(req)),
    });

    app.post('/purchase-orders/:id/confirm', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Confirm a draft: the order is e-mailed to the vendor',
        description:
          'Needs at least one line and an active vendor. Emits `purchase_order.confirmed`, which e-mails the order to the vendor. Any other status answers 409.',
        params: IdParams,
        response: { 200: PurchaseOrder, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.confirm(req.params.id, contextOf(req)),
    });

    app.post('/purchase-orders/:id/receive', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Receive goods of a confirmed order',
        description:
          "Each line goes into the lot of the line's product (created when new; a known lot must keep its expiry) as a receipt move naming the order and line. Partial receipts are allowed; more than ordered less what came in answers 409, and so does an order that is not confirmed. The order is received once every line is complete. Emits `stock.received` per line and `purchase_order.received`.",
        params: IdParams,
        body: ReceiveInput,
        response: { 200: Receipt, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.receive(req.params.id, req.body, contextOf(req)),
    });

    app.post('/purchase-orders/:id/cancel', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Cancel a draft, or a confirmed order with nothing received',
        description: 'Any other status answers 409. Emits `purchase_order.cancelled` (no e-mail).',
        params: IdParams,
        body: CancelInput,
        response: { 200: PurchaseOrder, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.cancel(req.params.id, req.body, contextOf(req)),
    });
  };
}
