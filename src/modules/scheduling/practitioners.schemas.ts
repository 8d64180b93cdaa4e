import { z } from 'zod';
import { Email, Instant, IsoDate, Text, Uuid } from '../../platform/http/schemas.js';

const text = (max: number) => Text.trim().min(1, { message: 'must not be empty' }).max(max);

/** A boolean query parameter: `true` or `false`. */
const Flag = z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true');

const EARLIEST = Date.parse('2000-01-01T00:00:00Z');
const LATEST = Date.parse('2200-01-01T00:00:00Z');

/** An instant as sent (any offset), normalised to UTC; the clinic's diary spans 2000 to 2199. */
export const InstantInput = z.iso
  .datetime({ offset: true, message: 'must be an ISO-8601 instant, e.g. 2026-05-04T08:30:00Z' })
  .refine((s) => Date.parse(s) >= EARLIEST && Date.parse(s) < LATEST, {
    message: 'must be between the years 2000 and 2199',
  })
  .transform((s) => new Date(s).toISOString());

/** A date of the diary, within the same years. */
const DiaryDate = IsoDate.refine((d) => d >= '2000-01-01' && d <= '2199-12-31', {
  message: 'must be between the years 2000 and 2199',
});

// Treatments catalogue ----------------------------------------------------------------

/** Money as an exact decimal string with at most two decimals, never a float. */
export const Money = z
  .string()
  .regex(/^\d{1,10}(\.\d{1,2})?$/, { message: 'must be an amount such as 45.00 (a string, up to 2 decimals)' });

export const TreatmentInput = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, { message: 'must be 1 to 32 letters, digits, dots, dashes or _' }),
  name: text(200),
  durationMinutes: z
    .number({ message: 'must be a number of minutes' })
    .int({ message: 'must be a whole number' })
    .min(5, { message: 'must be at least 5' })
    .max(720, { message: 'must be at most 720' }),
  cost: Money,
  isDental: z.boolean().default(false),
  active: z.boolean().default(true),
});
export type TreatmentInput = z.output<typeof TreatmentInput>;

export const Treatment = z.object({
  id: Uuid,
  code: z.string(),
  name: z.string(),
  durationMinutes: z.number().int().describe('Length of one slot for this treatment'),
  cost: z.string().describe('Exact decimal, e.g. "45.00"'),
  isDental: z.boolean(),
  active: z.boolean(),
});
export type Treatment = z.output<typeof Treatment>;

export const TreatmentQuery = z.strictObject({
  includeInactive: Flag.optional().describe('Also list withdrawn treatments'),
});

// Practitioners -----------------------------------------------------------------------

const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{6,24}$/, { message: 'must be a phone number: digits, spaces, + ( ) -' });

export const PractitionerInput = z.strictObject({
  name: text(200).describe('Designation: the name patients see, e.g. "Dra. Ana Gil"'),
  specialty: text(100).optional(),
  email: Email.optional().describe('Work e-mail'),
  mobile: Phone.optional(),
  isDentist: z.boolean().default(false),
  userId: Uuid.nullable().optional().describe('The account this practitioner signs in with'),
  active: z.boolean().default(true),
});
export type PractitionerInput = z.output<typeof PractitionerInput>;

/** A local time of day HH:MM; `24:00` is the end of the day. */
const TimeOfDay = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, { message: 'must be a time as HH:MM' });

export const WorkingInterval = z.strictObject({
  dayOfWeek: z
    .number({ message: 'must be a day number' })
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'must be 1 (Monday) to 7 (Sunday)' })
    .max(7, { message: 'must be 1 (Monday) to 7 (Sunday)' }),
  start: TimeOfDay.describe('Local time in the clinic time zone'),
  end: TimeOfDay,
});
export type WorkingInterval = z.output<typeof WorkingInterval>;

export const WorkingHoursInput = z.strictObject({
  workingHours: z
    .array(WorkingInterval)
    .max(100)
    .superRefine((hours, ctx) => {
      hours.forEach((h, i) => {
        if (h.start >= h.end) ctx.addIssue({ code: 'custom', path: [i, 'end'], message: 'must be after start' });
        const overlapping = hours.findIndex(
          (o, j) => j < i && o.dayOfWeek === h.dayOfWeek && o.start < h.end && h.start < o.end,
        );
        if (overlapping >= 0) {
          ctx.addIssue({ code: 'custom', path: [i], message: `overlaps workingHours.${overlapping} on the same day` });
        }
      });
    })
    .describe('The whole week; replaces what was there'),
});

export const Practitioner = z.object({
  id: Uuid,
  name: z.string(),
  specialty: z.string().optional(),
  email: z.string().optional(),
  mobile: z.string().optional(),
  isDentist: z.boolean(),
  userId: Uuid.optional(),
  active: z.boolean(),
  workingHours: z.array(WorkingInterval),
});
export type Practitioner = z.output<typeof Practitioner>;

export const PractitionerQuery = z.strictObject({
  includeInactive: Flag.optional().describe('Also list practitioners no longer active'),
  isDentist: Flag.optional(),
});

/** Either whole local days (`startDate`..`endDate`, both included) or two instants. */
export const ExceptionInput = z
  .strictObject({
    startDate: DiaryDate.optional(),
    endDate: DiaryDate.optional(),
    start: InstantInput.optional(),
    end: InstantInput.optional(),
    reason: text(200).describe('e.g. holiday, leave, course'),
  })
  .superRefine((x, ctx) => {
    const days = x.startDate !== undefined || x.endDate !== undefined;
    const instants = x.start !== undefined || x.end !== undefined;
    if (days && instants) {
      ctx.addIssue({ code: 'custom', path: ['start'], message: 'give either startDate/endDate or start/end' });
      return;
    }
    const [from, to, first, second] = instants
      ? [x.start, x.end, 'start', 'end']
      : [x.startDate, x.endDate, 'startDate', 'endDate'];
    if (from === undefined) ctx.addIssue({ code: 'custom', path: [first as string], message: 'is required' });
    if (to === undefined) ctx.addIssue({ code: 'custom', path: [second as string], message: 'is required' });
    if (from === undefined || to === undefined) return;
    if (instants ? to <= from : to < from) {
      const message = instants ? 'must be after start' : 'must not be before startDate';
      ctx.addIssue({ code: 'custom', path: [second as string], message });
    }
  });
export type ExceptionInput = z.output<typeof ExceptionInput>;

export const PractitionerException = z.object({
  id: Uuid,
  practitionerId: Uuid,
  start: Instant,
  end: Instant,
  startDate: z.string().optional().describe('Set for whole days'),
  endDate: z.string().optional(),
  reason: z.string(),
});
export type PractitionerException = z.output<typeof PractitionerException>;

export const ExceptionQuery = z.strictObject({
  from: InstantInput.optional().describe('Exceptions ending after this instant; default now'),
});

export const ExceptionParams = z.strictObject({ id: Uuid, exceptionId: Uuid });

// Availability ------------------------------------------------------------------------

export const AvailabilityQuery = z
  .strictObject({
    date: DiaryDate.describe('A local date in the clinic time zone'),
    treatmentId: Uuid.optional().describe('Slots as long as this treatment'),
    durationMinutes: z.coerce
      .number({ message: 'must be a number of minutes' })
      .int({ message: 'must be a whole number' })
      .min(5, { message: 'must be at least 5' })
      .max(720, { message: 'must be at most 720' })
      .optional()
      .describe('Slot length when no treatment is given; default 30'),
  })
  .refine((q) => !(q.treatmentId && q.durationMinutes), {
    path: ['durationMinutes'],
    message: 'give either treatmentId or durationMinutes',
  });
export type AvailabilityQuery = z.output<typeof AvailabilityQuery>;

export const Availability = z.object({
  date: z.string(),
  timeZone: z.string(),
  durationMinutes: z.number().int(),
  slots: z.array(z.object({ start: Instant, end: Instant })).describe('Free slots only, none in the past'),
});
