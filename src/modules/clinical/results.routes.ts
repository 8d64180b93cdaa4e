import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { page, problems } from '../../platform/http/schemas.js';
import { ListQuery, PatientParams } from './clinical.schemas.js';
import { Result, ResultChanges, ResultInput, ResultParams } from './results.schemas.js';
import type { ResultsService } from './results.service.js';

const tags = ['Clinical record'];
/** The results desk records and reads results (and only results); patients read their released ones. */
const READ: Role[] = ['patient', 'doctor', 'results'];
const WRITE: Role[] = ['doctor', 'results'];

export function resultsRoutes(service: ResultsService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const base = '/patients/:id/results';

    app.get(base, {
      config: { access: READ },
      schema: {
        tags,
        summary: "A patient's results (lab and imaging)",
        description: 'Newest observation first. A patient sees only their own final or amended results.',
        params: PatientParams,
        querystring: ListQuery,
        response: { 200: page(Result), ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.list(req.params.id, req.query, contextOf(req)),
    });

    app.post(base, {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Record a result',
        description:
          'A numeric value (`valueQuantity`) is flagged low, normal, high or critical from the limits given; a text value is not flagged.',
        params: PatientParams,
        body: ResultInput,
        response: { 201: Result, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) =>
        reply.code(201).send(await service.record(req.params.id, req.body, contextOf(req))),
    });

    app.get(`${base}/:resultId`, {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Read a result',
        params: ResultParams,
        response: { 200: Result, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.get(req.params.id, req.params.resultId, contextOf(req)),
    });

    app.patch(`${base}/:resultId`, {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Complete or correct a result',
        description:
          'A change to a final result makes it `amended`; a released result never becomes preliminary again (409).',
        params: ResultParams,
        body: ResultChanges,
        response: { 200: Result, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.update(req.params.id, req.params.resultId, req.body, contextOf(req)),
    });
  };
}
