import { z } from 'zod';
import { cursorOf, Instant, Limit, Uuid } from '../../platform/http/schemas.js';
import { notEmpty, PastInstant, text } from './clinical.schemas.js';

export const EncounterKind = z
  .enum(['outpatient', 'inpatient', 'emergency', 'dental'])
  .describe('outpatient visit, admission (inpatient stay), emergency, dental visit');
export const EncounterStatus = z.enum(['in_progress', 'finished', 'cancelled']);
export type EncounterStatus = z.output<typeof EncounterStatus>;

export const EncounterParams = z.strictObject({ id: Uuid, encounterId: Uuid });

export const EncounterInput = z.strictObject({
  kind: EncounterKind,
  reason: text(1000).optional().describe('Reason for the visit or admission'),
  service: text(200).optional().describe('Service or department, e.g. Odontología, Medicina interna'),
  practitionerId: Uuid.optional().describe('From /api/v1/practitioners'),
  appointmentId: Uuid.optional().describe("One of this patient's appointments"),
  admittedAt: PastInstant.optional().describe('Default: now'),
});
export type EncounterInput = z.output<typeof EncounterInput>;

export const EncounterChanges = z
  .strictObject({
    kind: EncounterKind.optional(),
    reason: text(1000).nullable().optional(),
    service: text(200).nullable().optional(),
    practitionerId: Uuid.nullable().optional(),
    appointmentId: Uuid.nullable().optional(),
    admittedAt: PastInstant.optional(),
    status: z.literal('cancelled').optional().describe('Cancels an encounter opened by mistake'),
  })
  .superRefine(notEmpty);
export type EncounterChanges = z.output<typeof EncounterChanges>;

export const DischargeInput = z.strictObject({
  dischargedAt: PastInstant.optional().describe('Default: now; not before admittedAt'),
  summary: text(4000).optional().describe('Discharge summary'),
});
export type DischargeInput = z.output<typeof DischargeInput>;

export const Encounter = z.object({
  id: Uuid,
  patientId: Uuid,
  kind: EncounterKind,
  status: EncounterStatus,
  reason: z.string().optional(),
  service: z.string().optional(),
  practitionerId: Uuid.optional(),
  appointmentId: Uuid.optional(),
  admittedAt: Instant,
  dischargedAt: Instant.optional(),
  dischargeSummary: z.string().optional(),
  createdBy: Uuid.optional().describe('The user who opened it'),
  createdAt: Instant,
  updatedAt: Instant,
});
export type Encounter = z.output<typeof Encounter>;

export const EncounterQuery = z.strictObject({
  status: EncounterStatus.optional(),
  cursor: cursorOf(z.iso.datetime(), Uuid),
  limit: Limit,
});
export type EncounterQuery = z.output<typeof EncounterQuery>;
