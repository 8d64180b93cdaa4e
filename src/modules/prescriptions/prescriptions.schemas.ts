import { z } from 'zod';
import { cursorOf, Instant, IsoDate, Limit, Text, Uuid } from '../../platform/http/schemas.js';
import { Tooth } from '../dentistry/dentistry.schemas.js';
import { Money } from '../scheduling/practitioners.schemas.js';

const text = (max: number) => Text.trim().min(1, { message: 'must not be empty' }).max(max);

export const FORMS = [
  'tablet',
  'capsule',
  'liquid',
  'drops',
  'cream',
  'ointment',
  'gel',
  'mouthwash',
  'injection',
  'inhaler',
  'patch',
  'suppository',
  'powder',
  'other',
] as const;
export const Form = z.enum(FORMS);

export const FOOD_TIMINGS = ['before', 'after', 'with', 'any'] as const;
export const FoodTiming = z.enum(FOOD_TIMINGS);

const Count = (min: number, max: number, what: string) =>
  z
    .number({ message: `must be a number of ${what}` })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

const PrescriptionDate = IsoDate.refine((d) => d >= '2000-01-01' && d <= '2199-12-31', {
  message: 'must be between the years 2000 and 2199',
});

export const PrescriptionLineInput = z.strictObject({
  medicament: text(200).describe('Brand or product name'),
  genericName: text(200).optional(),
  strength: text(100).optional().describe('Dosage strength, e.g. "500 mg"'),
  form: Form,
  quantity: Count(1, 10_000, 'units'),
  price: Money.optional().describe('Price of the line (for the quantity), exact decimal, e.g. "4.95"'),
  foodTiming: FoodTiming.describe('Take before, after or with food, or at any time'),
  morning: z.boolean().default(false),
  afternoon: z.boolean().default(false),
  night: z.boolean().default(false),
  days: Count(1, 365, 'days'),
  instructions: text(500).optional(),
});
export type PrescriptionLineInput = z.output<typeof PrescriptionLineInput>;

const fields = {
  appointmentId: Uuid.optional().describe("One of the patient's appointments"),
  treatmentId: Uuid.optional().describe('A treatment of the catalogue: its cost is copied onto the prescription'),
  teeth: z.array(Tooth).max(52).default([]).describe('FDI tooth numbers the prescription concerns'),
  referredPractitionerId: Uuid.optional().describe('A practitioner who is a dentist'),
  date: PrescriptionDate.optional().describe("Default: today in the clinic's time zone"),
  nextAppointmentDate: PrescriptionDate.optional(),
  notes: Text.trim().max(2000).optional(),
  lines: z
    .array(PrescriptionLineInput)
    .min(1, { message: 'must have at least one line' })
    .max(30, { message: 'must have at most 30 lines' }),
};

function checkPrescription(
  p: { teeth: number[]; date?: string | undefined; nextAppointmentDate?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (new Set(p.teeth).size !== p.teeth.length) {
    ctx.addIssue({ code: 'custom', path: ['teeth'], message: 'must not repeat a tooth' });
  }
  if (p.date && p.nextAppointmentDate && p.nextAppointmentDate < p.date) {
    ctx.addIssue({ code: 'custom', path: ['nextAppointmentDate'], message: 'must not be before the date' });
  }
}

export const PrescriptionInput = z.strictObject({ patientId: Uuid, ...fields }).superRefine(checkPrescription);
export type PrescriptionInput = z.output<typeof PrescriptionInput>;

/** A draft is replaced whole, lines included; the patient does not change. */
export const PrescriptionUpdate = z.strictObject(fields).superRefine(checkPrescription);
export type PrescriptionUpdate = z.output<typeof PrescriptionUpdate>;

export const PrescriptionStatus = z.enum(['draft', 'signed']);

export const PrescriptionLine = z.object({
  lineNo: z.number().int(),
  medicament: z.string(),
  genericName: z.string().optional(),
  strength: z.string().optional(),
  form: Form,
  quantity: z.number().int(),
  price: z.string().optional().describe('Exact decimal'),
  foodTiming: FoodTiming,
  morning: z.boolean(),
  afternoon: z.boolean(),
  night: z.boolean(),
  days: z.number().int(),
  instructions: z.string().optional(),
  dispensed: z
    .string()
    .describe('What the pharmacy dispensed for this line, less what came back: exact decimal, e.g. "10.000"'),
  lastDispensedAt: Instant.optional().describe('When the pharmacy last dispensed for this line'),
});
export type PrescriptionLine = z.output<typeof PrescriptionLine>;

export const Prescription = z.object({
  id: Uuid,
  number: z.string().describe('PRN00001'),
  patientId: Uuid,
  status: PrescriptionStatus,
  appointmentId: Uuid.optional(),
  appointmentNumber: z.string().optional(),
  treatmentId: Uuid.optional(),
  treatmentName: z.string().optional(),
  treatmentCost: z.string().optional().describe('Exact decimal, copied from the catalogue'),
  teeth: z.array(z.number().int()),
  prescriberId: Uuid.describe('The account of the prescribing doctor'),
  prescriberName: z.string().optional(),
  referredPractitionerId: Uuid.optional(),
  referredPractitionerName: z.string().optional(),
  date: z.string().describe('YYYY-MM-DD'),
  nextAppointmentDate: z.string().optional(),
  notes: z.string().optional(),
  lines: z.array(PrescriptionLine),
  linesTotal: z.string().describe('Sum of the priced lines, exact decimal'),
  signedAt: Instant.optional(),
  createdAt: Instant,
  updatedAt: Instant,
});
export type Prescription = z.output<typeof Prescription>;

export const PrescriptionQuery = z.strictObject({
  patientId: Uuid.optional(),
  number: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^PRN\d{5,9}$/, { message: 'must be a prescription number such as PRN00012' })
    .optional()
    .describe('The number printed on the prescription'),
  status: PrescriptionStatus.optional(),
  cursor: cursorOf(z.iso.datetime(), Uuid),
  limit: Limit,
});
export type PrescriptionQuery = z.output<typeof PrescriptionQuery>;

/** `/prescriptions/{id}.pdf` */
export const PdfParams = z.strictObject({ id: Uuid });
