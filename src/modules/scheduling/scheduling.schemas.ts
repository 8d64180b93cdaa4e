import { z } from 'zod';
import { cursorOf, Instant, Limit, Text, Uuid } from '../../platform/http/schemas.js';
import { InstantInput } from './practitioners.schemas.js';

export const STATUSES = ['booked', 'confirmed', 'checked_in', 'done', 'no_show', 'cancelled'] as const;
export const AppointmentStatus = z.enum(STATUSES);
export type AppointmentStatus = z.output<typeof AppointmentStatus>;

export const AppointmentType = z.enum(['consultation', 'follow_up', 'procedure', 'emergency']);
export const PatientCategory = z.enum(['new', 'returning']);

const MAX_MINUTES = 12 * 60;

const Notes = Text.trim().max(2000);
const TreatmentIds = z.array(Uuid).max(20, { message: 'must list at most 20 treatments' });

/** `end` after `start`, and an appointment no longer than a working day. */
function checkSpan(a: { start?: string | undefined; end?: string | undefined }, ctx: z.RefinementCtx) {
  if (a.start === undefined || a.end === undefined) return;
  const minutes = (Date.parse(a.end) - Date.parse(a.start)) / 60_000;
  if (minutes <= 0) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
  else if (minutes > MAX_MINUTES) {
    ctx.addIssue({ code: 'custom', path: ['end'], message: `must be at most ${MAX_MINUTES / 60} hours after start` });
  }
}

export const BookingInput = z
  .strictObject({
    patientId: Uuid,
    practitionerId: Uuid,
    start: InstantInput,
    end: InstantInput,
    treatmentIds: TreatmentIds.default([]),
    type: AppointmentType.default('consultation'),
    patientCategory: PatientCategory.optional().describe("Default: the patient record's category"),
    notes: Notes.optional(),
  })
  .superRefine(checkSpan);
export type BookingInput = z.output<typeof BookingInput>;

export const RescheduleInput = z
  .strictObject({
    practitionerId: Uuid.optional(),
    start: InstantInput.optional(),
    end: InstantInput.optional(),
    treatmentIds: TreatmentIds.optional(),
    type: AppointmentType.optional(),
    notes: Notes.nullable().optional().describe('null removes the notes'),
  })
  .superRefine((a, ctx) => {
    if ((a.start === undefined) !== (a.end === undefined)) {
      const missing = a.start === undefined ? 'start' : 'end';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'is required when moving an appointment' });
    }
    if (Object.values(a).every((v) => v === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'must change at least one field' });
    }
    checkSpan(a, ctx);
  });
export type RescheduleInput = z.output<typeof RescheduleInput>;

export const CancelInput = z.strictObject({
  reason: Text.trim().min(1, { message: 'must not be empty' }).max(500),
});

export const Appointment = z.object({
  id: Uuid,
  number: z.string().describe('APT/00001'),
  patientId: Uuid,
  practitionerId: Uuid,
  start: Instant,
  end: Instant,
  status: AppointmentStatus,
  type: AppointmentType,
  patientCategory: PatientCategory,
  treatmentIds: z.array(Uuid),
  responsibleUserId: Uuid.optional().describe('Who booked it'),
  notes: z.string().optional(),
  cancellationReason: z.string().optional(),
  cancelledBy: z.enum(['patient', 'staff']).optional(),
  cancelledAt: Instant.optional(),
  checkedInAt: Instant.optional(),
  reminderSentAt: Instant.optional(),
  createdAt: Instant,
  updatedAt: Instant,
});
export type Appointment = z.output<typeof Appointment>;

export const AppointmentQuery = z.strictObject({
  practitionerId: Uuid.optional(),
  patientId: Uuid.optional(),
  from: InstantInput.optional().describe('Appointments starting at or after this instant'),
  to: InstantInput.optional().describe('Appointments starting before this instant'),
  status: AppointmentStatus.optional(),
  cursor: cursorOf(z.iso.datetime(), Uuid),
  limit: Limit,
});
export type AppointmentQuery = z.output<typeof AppointmentQuery>;
