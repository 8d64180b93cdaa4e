import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { IdParams, page, problems } from '../../platform/http/schemas.js';
import { Appointment, AppointmentQuery, BookingInput, CancelInput, RescheduleInput } from './scheduling.schemas.js';
import type { SchedulingService } from './scheduling.service.js';

const tags = ['Appointments'];
/** Patients reach only their own appointments; the service enforces it. */
const BOOK: Role[] = ['patient', 'admissions', 'doctor', 'admin'];
const MANAGE: Role[] = ['admissions', 'doctor', 'admin'];

export function schedulingRoutes(service: SchedulingService) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/appointments', {
      config: { access: BOOK },
      schema: {
        tags,
        summary: 'Find appointments',
        description: 'By start time. A patient sees only their own.',
        querystring: AppointmentQuery,
        response: { 200: page(Appointment), ...problems(400, 401, 403) },
      },
      handler: async (req) => service.list(req.query, contextOf(req)),
    });

    app.post('/appointments', {
      config: { access: BOOK },
      schema: {
        tags,
        summary: 'Book an appointment',
        description:
          'The time must lie within the practitioner\'s working hours and outside their absences. A time already taken answers 409 with `code: "slot_taken"`; other 409 codes: `outside_working_hours`, `practitioner_unavailable`, `patient_busy`. A patient books only for themselves and not in the past (422).',
        body: BookingInput,
        response: { 201: Appointment, ...problems(400, 401, 403, 409, 422) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.book(req.body, contextOf(req))),
    });

    app.get('/appointments/:id', {
      config: { access: BOOK },
      schema: {
        tags,
        summary: 'Read an appointment',
        params: IdParams,
        response: { 200: Appointment, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.get(req.params.id, contextOf(req)),
    });

    app.patch('/appointments/:id', {
      config: { access: MANAGE },
      schema: {
        tags,
        summary: 'Move an appointment or change its treatments, type or notes',
        description:
          'Only booked or confirmed appointments; a moved one is booked again (to be confirmed and reminded).',
        params: IdParams,
        body: RescheduleInput,
        response: { 200: Appointment, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.reschedule(req.params.id, req.body, contextOf(req)),
    });

    app.post('/appointments/:id/cancel', {
      config: { access: BOOK },
      schema: {
        tags,
        summary: 'Cancel an appointment',
        description:
          'Frees its time. A patient cancels only their own, up to APPOINTMENT_CANCEL_CUTOFF_HOURS before the start (409 `cancel_cutoff` after).',
        params: IdParams,
        body: CancelInput,
        response: { 200: Appointment, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.cancel(req.params.id, req.body.reason, contextOf(req)),
    });

    const transition = (
      path: string,
      to: 'confirmed' | 'checked_in' | 'done' | 'no_show',
      access: Role[],
      summary: string,
    ) =>
      app.post(`/appointments/:id/${path}`, {
        config: { access },
        schema: {
          tags,
          summary,
          description: 'Answers 409 when the appointment is not in a status that allows it.',
          params: IdParams,
          response: { 200: Appointment, ...problems(400, 401, 403, 404, 409, 422) },
        },
        handler: async (req) => service.advance(req.params.id, to, contextOf(req)),
      });

    transition('confirm', 'confirmed', BOOK, 'Confirm that the appointment will take place');
    transition('check-in', 'checked_in', MANAGE, 'Check the patient in');
    transition('done', 'done', MANAGE, 'Mark a checked-in appointment done');
    transition('no-show', 'no_show', MANAGE, 'Mark that the patient did not come');
  };
}
