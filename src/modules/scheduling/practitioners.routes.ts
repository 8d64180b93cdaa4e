import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { IdParams, NoContent, problems } from '../../platform/http/schemas.js';
import {
  Availability,
  AvailabilityQuery,
  ExceptionInput,
  ExceptionParams,
  ExceptionQuery,
  Practitioner,
  PractitionerException,
  PractitionerInput,
  PractitionerQuery,
  Treatment,
  TreatmentInput,
  TreatmentQuery,
  WorkingHoursInput,
} from './practitioners.schemas.js';
import type { PractitionersService } from './practitioners.service.js';

const ADMIN: Role[] = ['admin'];
/** Absences are staff matters: patients see free slots, not why a day is closed. */
const DIARY: Role[] = ['admissions', 'doctor', 'admin'];

export function practitionersRoutes(service: PractitionersService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/treatments', {
      config: { access: 'authenticated' },
      schema: {
        tags: ['Treatments'],
        summary: 'The treatments catalogue',
        querystring: TreatmentQuery,
        response: { 200: z.object({ items: z.array(Treatment) }), ...problems(400, 401) },
      },
      handler: async (req) => ({ items: await service.listTreatments(req.query.includeInactive ?? false) }),
    });

    app.post('/treatments', {
      config: { access: ADMIN },
      schema: {
        tags: ['Treatments'],
        summary: 'Add a treatment',
        description: 'Answers 409 when the code is taken.',
        body: TreatmentInput,
        response: { 201: Treatment, ...problems(400, 401, 403, 409) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.createTreatment(req.body, contextOf(req))),
    });

    app.put('/treatments/:id', {
      config: { access: ADMIN },
      schema: {
        tags: ['Treatments'],
        summary: 'Replace a treatment',
        description: 'Set `active: false` to withdraw it; appointments that name it keep it.',
        params: IdParams,
        body: TreatmentInput,
        response: { 200: Treatment, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.updateTreatment(req.params.id, req.body, contextOf(req)),
    });

    const tags = ['Practitioners'];

    app.get('/practitioners', {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'List practitioners',
        description: 'Active ones by name, unless `includeInactive=true`.',
        querystring: PractitionerQuery,
        response: { 200: z.object({ items: z.array(Practitioner) }), ...problems(400, 401) },
      },
      handler: async (req) => ({ items: await service.list(req.query) }),
    });

    app.post('/practitioners', {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'Add a practitioner',
        body: PractitionerInput,
        response: { 201: Practitioner, ...problems(400, 401, 403, 409) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.create(req.body, contextOf(req))),
    });

    app.get('/practitioners/:id', {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Read a practitioner, with their weekly working hours',
        params: IdParams,
        response: { 200: Practitioner, ...problems(400, 401, 404) },
      },
      handler: async (req) => service.get(req.params.id),
    });

    app.put('/practitioners/:id', {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: "Replace a practitioner's details",
        description: 'Working hours and exceptions have their own routes.',
        params: IdParams,
        body: PractitionerInput,
        response: { 200: Practitioner, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.update(req.params.id, req.body, contextOf(req)),
    });

    app.put('/practitioners/:id/hours', {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'Replace the weekly working hours',
        description:
          'Local times in the clinic time zone (CLINIC_TIMEZONE); several intervals per day, none overlapping. Existing appointments are kept.',
        params: IdParams,
        body: WorkingHoursInput,
        response: { 200: Practitioner, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.setWorkingHours(req.params.id, req.body.workingHours, contextOf(req)),
    });

    app.get('/practitioners/:id/exceptions', {
      config: { access: DIARY },
      schema: {
        tags,
        summary: 'Absences (holidays, leave) that have not ended',
        params: IdParams,
        querystring: ExceptionQuery,
        response: { 200: z.object({ items: z.array(PractitionerException) }), ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => ({ items: await service.listExceptions(req.params.id, req.query.from) }),
    });

    app.post('/practitioners/:id/exceptions', {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'Add an absence',
        description:
          'Whole local days (`startDate`, `endDate`, both included) or a span of time (`start`, `end`). No slots are offered in it; existing appointments are kept.',
        params: IdParams,
        body: ExceptionInput,
        response: { 201: PractitionerException, ...problems(400, 401, 403, 404) },
      },
      handler: async (req, reply) =>
        reply.code(201).send(await service.addException(req.params.id, req.body, contextOf(req))),
    });

    app.delete('/practitioners/:id/exceptions/:exceptionId', {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'Remove an absence',
        params: ExceptionParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404) },
      },
      handler: async (req, reply) => {
        await service.removeException(req.params.id, req.params.exceptionId, contextOf(req));
        return reply.code(204).send();
      },
    });

    app.get('/practitioners/:id/availability', {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Free slots on one local day',
        description:
          'Working hours minus absences and booked appointments, in slots as long as the treatment (or `durationMinutes`, default 30), none in the past.',
        params: IdParams,
        querystring: AvailabilityQuery,
        response: { 200: Availability, ...problems(400, 401, 404) },
      },
      handler: async (req) => service.availability(req.params.id, req.query),
    });
  };
}
