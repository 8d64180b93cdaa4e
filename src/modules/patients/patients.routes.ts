import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { IdParams, page, problems } from '../../platform/http/schemas.js';
import {
  CreatedPatient,
  DuplicateCandidate,
  MergeBody,
  Patient,
  PatientInput,
  PatientQuery,
} from './patients.schemas.js';
import type { PatientsService } from './patients.service.js';

const tags = ['Patients'];
const REGISTER: Role[] = ['admissions', 'doctor', 'admin'];
const READ: Role[] = ['patient', 'admissions', 'doctor', 'results', 'pharmacist', 'agent', 'admin'];
const EDIT: Role[] = ['patient', 'admissions', 'doctor', 'admin'];
const MERGE: Role[] = ['admissions', 'admin'];

export function patientsRoutes(service: PatientsService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.post('/patients', {
      config: { access: REGISTER },
      schema: {
        tags,
        summary: 'Register a patient',
        description: 'Assigns the next patient number. Answers 409 when the document number is already registered.',
        body: PatientInput,
        response: { 201: CreatedPatient, ...problems(400, 401, 403, 409) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.create(req.body, contextOf(req))),
    });

    app.get('/patients', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Find patients',
        description: 'Without `q`, all patients by last name. A patient sees only their own record.',
        querystring: PatientQuery,
        response: { 200: page(Patient), ...problems(400, 401, 403) },
      },
      handler: async (req) => service.search(req.query, contextOf(req)),
    });

    app.get('/patients/:id', {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Read a patient',
        params: IdParams,
        response: { 200: Patient, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.get(req.params.id, contextOf(req)),
    });

    app.put('/patients/:id', {
      config: { access: EDIT },
      schema: {
        tags,
        summary: 'Replace a patient record',
        description: 'Patients may change only their contact details (phone, e-mail, address, emergency contact).',
        params: IdParams,
        body: PatientInput,
        response: { 200: Patient, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.update(req.params.id, req.body, contextOf(req)),
    });

    app.get('/patients/:id/duplicates', {
      config: { access: MERGE },
      schema: {
        tags,
        summary: 'Likely duplicates of a patient',
        params: IdParams,
        response: { 200: z.object({ items: z.array(DuplicateCandidate) }), ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => ({ items: await service.duplicates(req.params.id, contextOf(req)) }),
    });

    app.post('/patients/:id/merge', {
      config: { access: MERGE },
      schema: {
        tags,
        summary: 'Merge a duplicate into this patient',
        description: 'Moves everything of the duplicate onto this patient; the duplicate is kept as merged.',
        params: IdParams,
        body: MergeBody,
        response: { 200: Patient, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.merge(req.params.id, req.body.duplicateId, contextOf(req)),
    });
  };
}
