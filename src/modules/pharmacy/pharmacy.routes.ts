import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { IdParams, page, problems } from '../../platform/http/schemas.js';
import {
  DispenseInput,
  DispenseParams,
  Dispensing,
  MoveInput,
  Product,
  ProductInput,
  ProductQuery,
  ReceiptInput,
  StockLevel,
  StockMove,
  StockQuery,
} from './pharmacy.schemas.js';
import type { PharmacyService } from './pharmacy.service.js';

const tags = ['Pharmacy'];
/** Doctors read the catalogue to prescribe; administrators to oversee it. */
const CATALOGUE_READ: Role[] = ['pharmacist', 'doctor', 'admin'];
const PHARMACY: Role[] = ['pharmacist'];

export function pharmacyRoutes(service: PharmacyService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post('/products', {
      config: { access: PHARMACY },
      schema: {
        tags,
        summary: 'Add a product (medicine or supply) to the catalogue',
        description: 'Prices, tax rate, cost and stock levels are exact decimals sent as strings.',
        body: ProductInput,
        response: { 201: Product, ...problems(400, 401, 403, 409) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.createProduct(req.body, contextOf(req))),
    });

    app.get('/products', {
      config: { access: CATALOGUE_READ },
      schema: {
        tags,
        summary: 'Find products by name, generic name or barcode',
        querystring: ProductQuery,
        response: { 200: page(Product), ...problems(400, 401, 403) },
      },
      handler: async (req) => service.listProducts(req.query),
    });

    app.get('/products/:id', {
      config: { access: CATALOGUE_READ },
      schema: {
        tags,
        summary: 'Read a product with its on-hand quantity',
        params: IdParams,
        response: { 200: Product, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.getProduct(req.params.id),
    });

    app.put('/products/:id', {
      config: { access: PHARMACY },
      schema: {
        tags,
        summary: 'Replace a product',
        description: 'Deactivate a product instead of deleting it: its moves stay in the ledger.',
        params: IdParams,
        body: ProductInput,
        response: { 200: Product, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.updateProduct(req.params.id, req.body, contextOf(req)),
    });

    app.get('/stock', {
      config: { access: PHARMACY },
      schema: {
        tags,
        summary: 'Stock levels: on hand per product and lot',
        description: 'Products by name, each with its lots holding stock (first to expire first) and a low flag.',
        querystring: StockQuery,
        response: { 200: page(StockLevel), ...problems(400, 401, 403) },
      },
      handler: async (req) => service.stock(req.query),
    });

    app.post('/stock/receipts', {
      config: { access: PHARMACY },
      schema: {
        tags,
        summary: 'Receive goods into lots',
        description:
          'Each line goes into the lot of that product and number (created when new; the expiry must match). Emits `stock.received` per line.',
        body: ReceiptInput,
        response: { 201: z.object({ moves: z.array(StockMove) }), ...problems(400, 401, 403, 409) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.receive(req.body, contextOf(req))),
    });

    app.post('/stock/moves', {
      config: { access: PHARMACY },
      schema: {
        tags,
        summary: 'Adjust a lot, take back a return, or write off expired stock',
        description:
          'A move that would take a lot below zero answers 409. A return may name the prescription line it comes from. Emits `stock.adjusted`.',
        body: MoveInput,
        response: { 201: StockMove, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.move(req.body, contextOf(req))),
    });

    app.post('/prescriptions/:id/lines/:lineNo/dispense', {
      config: { access: PHARMACY },
      schema: {
        tags,
        summary: 'Dispense (part of) a signed prescription line',
        description:
          'Takes from the unexpired lots first to expire first. Never more than prescribed less what went out already (409); not enough stock answers 409 with what is available. Emits `stock.dispensed`.',
        params: DispenseParams,
        body: DispenseInput,
        response: { 201: Dispensing, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) =>
        reply.code(201).send(await service.dispense(req.params.id, req.params.lineNo, req.body, contextOf(req))),
    });
  };
}
