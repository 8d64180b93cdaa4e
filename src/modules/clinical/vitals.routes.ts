import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { page, problems } from '../../platform/http/schemas.js';
import { ListQuery, PatientParams } from './clinical.schemas.js';
import { Vitals, VitalsInput } from './vitals.schemas.js';
import type { VitalsService } from './vitals.service.js';

const tags = ['Clinical record'];
const READ: Role[] = ['patient', 'doctor'];
const WRITE: Role[] = ['doctor'];

export function vitalsRoutes(service: VitalsService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/patients/:id/vital-signs', {
      config: { access: READ },
      schema: {
        tags,
        summary: "A patient's vital signs",
        description: 'Newest measurement first, with the BMI when weight and height were taken together.',
        params: PatientParams,
        querystring: ListQuery,
        response: { 200: page(Vitals), ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.list(req.params.id, req.query, contextOf(req)),
    });

    app.post('/patients/:id/vital-signs', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Record vital signs',
        description:
          'Values outside physiological bounds answer 400 naming the field (e.g. a temperature of 375 °C, a diastolic pressure above the systolic).',
        params: PatientParams,
        body: VitalsInput,
        response: { 201: Vitals, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) =>
        reply.code(201).send(await service.record(req.params.id, req.body, contextOf(req))),
    });
  };
}
