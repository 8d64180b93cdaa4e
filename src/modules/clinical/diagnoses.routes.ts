import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { page, problems } from '../../platform/http/schemas.js';
import { PatientParams } from './clinical.schemas.js';
import {
  Diagnosis,
  DiagnosisChanges,
  DiagnosisInput,
  DiagnosisParams,
  DiagnosisQuery,
  Icd10Entry,
  Icd10Query,
} from './diagnoses.schemas.js';
import type { DiagnosesService } from './diagnoses.service.js';

const tags = ['Clinical record'];
const READ: Role[] = ['patient', 'doctor'];
const WRITE: Role[] = ['doctor'];

export function diagnosesRoutes(service: DiagnosesService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/icd10', {
      // Reference data anyone signed in may look up (the portal can explain a code).
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Search ICD-10 codes',
        description:
          'By code prefix (`E11`, `k02.5`) or by words of the title, without regard to case or accents. At most `limit` (20) codes.',
        querystring: Icd10Query,
        response: { 200: z.object({ items: z.array(Icd10Entry) }), ...problems(400, 401) },
      },
      handler: async (req) => service.searchCodes(req.query.q, req.query.limit),
    });

    app.get('/patients/:id/diagnoses', {
      config: { access: READ },
      schema: {
        tags,
        summary: "A patient's diagnoses",
        description: 'Active first, then newest first. A patient sees only their own.',
        params: PatientParams,
        querystring: DiagnosisQuery,
        response: { 200: page(Diagnosis), ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.list(req.params.id, req.query, contextOf(req)),
    });

    app.post('/patients/:id/diagnoses', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Record a diagnosis (ICD-10)',
        description: 'The code must be in the ICD-10 list (400 naming `body.code` otherwise).',
        params: PatientParams,
        body: DiagnosisInput,
        response: { 201: Diagnosis, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) =>
        reply.code(201).send(await service.record(req.params.id, req.body, contextOf(req))),
    });

    app.patch('/patients/:id/diagnoses/:diagnosisId', {
      config: { access: WRITE },
      schema: {
        tags,
        summary: "Change a diagnosis's status, onset date, wording or notes",
        description: 'The code itself does not change: record a new diagnosis and rule this one out.',
        params: DiagnosisParams,
        body: DiagnosisChanges,
        response: { 200: Diagnosis, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.update(req.params.id, req.params.diagnosisId, req.body, contextOf(req)),
    });
  };
}
