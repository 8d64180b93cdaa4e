import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { IdParams, page, problems } from '../../platform/http/schemas.js';
import { LangQuery, pickLanguage } from '../../platform/pdf/language.js';
import {
  PdfParams,
  Prescription,
  PrescriptionInput,
  PrescriptionQuery,
  PrescriptionUpdate,
} from './prescriptions.schemas.js';
import type { PrescriptionsService } from './prescriptions.service.js';

const tags = ['Prescriptions'];
/** Patients read their own signed prescriptions, pharmacists every signed one; the service enforces it. */
const READ: Role[] = ['patient', 'doctor', 'pharmacist', 'admin'];
const WRITE: Role[] = ['doctor'];

const Pdf = z.any().describe('The prescription as a PDF (application/pdf)');

export function prescriptionsRoutes(service: PrescriptionsService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post('/prescriptions', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Write a prescription (a draft)',
        description:
          'The signed-in doctor is the prescriber. With a treatment, its cost is copied from the catalogue. Sign it to issue it.',
        body: PrescriptionInput,
        response: { 201: Prescription, ...problems(400, 401, 403) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.create(req.body, contextOf(req))),
    });

    app.get('/prescriptions', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Find prescriptions, newest first',
        description: 'A patient sees only their own signed prescriptions; a pharmacist only signed ones.',
        querystring: PrescriptionQuery,
        response: { 200: page(Prescription), ...problems(400, 401, 403) },
      },
      handler: async (req) => service.list(req.query, contextOf(req)),
    });

    app.get('/prescriptions/:id', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Read a prescription',
        params: IdParams,
        response: { 200: Prescription, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.get(req.params.id, contextOf(req)),
    });

    app.put('/prescriptions/:id', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Replace a draft, lines included',
        description: 'Only its author, and only while it is a draft: a signed prescription answers 409.',
        params: IdParams,
        body: PrescriptionUpdate,
        response: { 200: Prescription, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.update(req.params.id, req.body, contextOf(req)),
    });

    app.post('/prescriptions/:id/sign', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Sign a draft: it becomes read-only',
        description: 'Only its author. Emits `prescription.signed`. Signing twice answers 409.',
        params: IdParams,
        response: { 200: Prescription, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.sign(req.params.id, contextOf(req)),
    });

    app.get('/prescriptions/:id.pdf', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'The printable prescription (PDF)',
        description:
          'In Spanish or English (`?lang=`, else Accept-Language). A draft prints marked as such. Every download is audited.',
        params: PdfParams,
        querystring: LangQuery,
        produces: ['application/pdf'],
        response: { 200: Pdf, ...problems(400, 401, 403, 404) },
      },
      handler: async (req, reply) => {
        const lang = pickLanguage(req.query.lang, req.headers['accept-language']);
        const { number, stream } = await service.pdf(req.params.id, lang, contextOf(req));
        return reply
          .type('application/pdf')
          .header('content-disposition', `inline; filename="${number}.pdf"`)
          .header('cache-control', 'no-store')
          .send(stream);
      },
    });
  };
}
