import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { page, problems } from '../../platform/http/schemas.js';
import { PatientParams } from './clinical.schemas.js';
import {
  DischargeInput,
  Encounter,
  EncounterChanges,
  EncounterInput,
  EncounterParams,
  EncounterQuery,
} from './encounters.schemas.js';
import type { EncountersService } from './encounters.service.js';

const tags = ['Clinical record'];
/**
 * The admissions desk opens and discharges admissions (SPEC: "admissions (ingresos)") and
 * doctors their visits; patients read their own. Notes, diagnoses, vitals and results stay
 * closed to admissions.
 */
const READ: Role[] = ['patient', 'admissions', 'doctor'];
const WRITE: Role[] = ['admissions', 'doctor'];

export function encountersRoutes(service: EncountersService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const base = '/patients/:id/encounters';

    app.get(base, {
      config: { access: READ },
      schema: {
        tags,
        summary: "A patient's encounters",
        description: 'Newest admission first. A patient sees only their own.',
        params: PatientParams,
        querystring: EncounterQuery,
        response: { 200: page(Encounter), ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.list(req.params.id, req.query, contextOf(req)),
    });

    app.post(base, {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Open an encounter (visit, admission, emergency, dental visit)',
        description: 'It starts in progress. A merged patient answers 409.',
        params: PatientParams,
        body: EncounterInput,
        response: { 201: Encounter, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.open(req.params.id, req.body, contextOf(req))),
    });

    app.get(`${base}/:encounterId`, {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Read an encounter',
        params: EncounterParams,
        response: { 200: Encounter, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.get(req.params.id, req.params.encounterId, contextOf(req)),
    });

    app.patch(`${base}/:encounterId`, {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Change or cancel an encounter in progress',
        description: 'A finished or cancelled encounter answers 409.',
        params: EncounterParams,
        body: EncounterChanges,
        response: { 200: Encounter, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.update(req.params.id, req.params.encounterId, req.body, contextOf(req)),
    });

    app.post(`${base}/:encounterId/discharge`, {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Discharge: finish an encounter in progress',
        description: 'Answers 409 when it is not in progress.',
        params: EncounterParams,
        body: DischargeInput,
        response: { 200: Encounter, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.discharge(req.params.id, req.params.encounterId, req.body, contextOf(req)),
    });
  };
}
