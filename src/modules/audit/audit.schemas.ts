import { z } from 'zod';
import { cursorOf, Instant, Limit, Uuid } from '../../platform/http/schemas.js';

const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/** Normalised to UTC: PostgreSQL takes neither year 0 nor offsets beyond ±15:59. */
const InstantParam = z.iso
  .datetime({ offset: true, message: 'must be an ISO-8601 instant, e.g. 2026-01-31T00:00:00Z' })
  .refine((s) => !(Date.parse(s) < EARLIEST || Date.parse(s) > LATEST), {
    message: 'must be between the years 0001 and 9999 (UTC)',
  })
  .transform((s) => new Date(s).toISOString());

export const AuditQuery = z.strictObject({
  userId: Uuid.optional(),
  patientId: Uuid.optional(),
  action: z
    .string()
    .regex(/^[a-z_.]+\*?$/, { message: 'must be an action such as patient.read, or a prefix ending in * (patient.*)' })
    .optional(),
  outcome: z.enum(['success', 'denied', 'failure']).optional(),
  from: InstantParam.optional(),
  to: InstantParam.optional(),
  cursor: cursorOf(z.string().regex(/^\d{1,15}$/)),
  limit: Limit,
});
export type AuditQuery = z.output<typeof AuditQuery>;

export const AuditEvent = z.object({
  id: z.string(),
  occurredAt: Instant,
  actorId: Uuid.nullable(),
  actorEmail: z.string().nullable(),
  actorRoles: z.array(z.string()),
  action: z.string(),
  resourceType: z.string().nullable(),
  resourceId: z.string().nullable(),
  patientId: Uuid.nullable(),
  outcome: z.enum(['success', 'denied', 'failure']),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  sealed: z.boolean().describe('Covered by a seal of the hash chain'),
});
export type AuditEvent = z.output<typeof AuditEvent>;
