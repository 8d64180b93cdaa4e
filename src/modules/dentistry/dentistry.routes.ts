import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { IdParams, problems } from '../../platform/http/schemas.js';
import { ChartEntry, ChartEntryInput, DentalChart, ToothHistory, ToothParams } from './dentistry.schemas.js';
import type { DentistryService } from './dentistry.service.js';

const tags = ['Dental chart'];
/** Patients read only their own chart; the service enforces it. */
const READ: Role[] = ['patient', 'doctor', 'admin'];
/** Dentists are doctors. */
const WRITE: Role[] = ['doctor'];

export function dentistryRoutes(service: DentistryService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/patients/:id/dental-chart', {
      config: { access: READ },
      schema: {
        tags,
        summary: "A patient's dental chart as it stands",
        description:
          'For each tooth, the latest entry on each surface (and on the whole tooth); superseded entries are in the tooth history.',
        params: IdParams,
        response: { 200: DentalChart, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.chart(req.params.id, contextOf(req)),
    });

    app.get('/patients/:id/dental-chart/teeth/:tooth/history', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Every entry of one tooth, oldest first',
        params: ToothParams,
        response: { 200: ToothHistory, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.toothHistory(req.params.id, req.params.tooth, contextOf(req)),
    });

    app.post('/patients/:id/dental-chart/entries', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Record a finding or a treatment on a tooth',
        description:
          'Entries are never edited: record a new one on the same tooth and surfaces to supersede it. Tooth numbers are FDI (ISO 3950).',
        params: IdParams,
        body: ChartEntryInput,
        response: { 201: ChartEntry, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) =>
        reply.code(201).send(await service.record(req.params.id, req.body, contextOf(req))),
    });
  };
}
