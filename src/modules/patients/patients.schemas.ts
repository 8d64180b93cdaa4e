import { z } from 'zod';
import { cursorOf, Email, Instant, IsoDate, Limit, Text, Uuid } from '../../platform/http/schemas.js';
import { normalizeDocument } from './normalize.js';

const text = (max: number) => Text.trim().min(1, { message: 'must not be empty' }).max(max);

export const Sex = z.enum(['female', 'male', 'other', 'unknown']);
export const BloodType = z.enum(['A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-']);
export const Category = z.enum(['new', 'returning']);

const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{6,24}$/, { message: 'must be a phone number: digits, spaces, + ( ) -' });

export const Address = z.strictObject({
  street: text(200).optional(),
  city: text(100).optional(),
  state: text(100).optional(),
  postalCode: text(20).optional(),
  country: text(100).optional(),
});

export const EmergencyContact = z.strictObject({
  name: text(200),
  phone: Phone.optional(),
  relationship: text(100).optional(),
});

export const DocumentNumber = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 .-]{2,24}$/, {
    message: 'must be 3 to 25 letters and digits (dots and dashes allowed)',
  })
  .transform(normalizeDocument);

const BirthDate = IsoDate.refine((d) => d >= '1900-01-01' && d <= new Date().toISOString().slice(0, 10), {
  message: 'must be between 1900-01-01 and today',
});

export const PatientInput = z.strictObject({
  documentNumber: DocumentNumber,
  firstName: text(100),
  lastName: text(100),
  birthDate: BirthDate,
  sex: Sex,
  phone: Phone.optional(),
  email: Email.optional(),
  address: Address.optional(),
  emergencyContact: EmergencyContact.optional(),
  allergies: z.array(text(200)).max(100).default([]),
  bloodType: BloodType.optional(),
  category: Category.default('new'),
});
export type PatientInput = z.output<typeof PatientInput>;

/** Fields a patient may change on their own record from the portal. */
export const SELF_EDITABLE: readonly (keyof PatientInput)[] = ['phone', 'email', 'address', 'emergencyContact'];

export const Patient = z.object({
  id: Uuid,
  patientNumber: z.string(),
  documentNumber: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  birthDate: z.string(),
  age: z.number().int(),
  sex: Sex,
  phone: z.string().optional(),
  email: z.string().optional(),
  address: Address.optional(),
  emergencyContact: EmergencyContact.optional(),
  allergies: z.array(z.string()),
  bloodType: BloodType.optional(),
  category: Category,
  mergedInto: Uuid.optional().describe('Set when this record was merged into another'),
  createdAt: Instant,
  updatedAt: Instant,
});
export type Patient = z.output<typeof Patient>;

export const DuplicateCandidate = z.object({
  id: Uuid,
  patientNumber: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  birthDate: z.string(),
  documentNumber: z.string(),
  similarity: z.number(),
});
export type DuplicateCandidate = z.output<typeof DuplicateCandidate>;

export const CreatedPatient = Patient.extend({
  possibleDuplicates: z
    .array(DuplicateCandidate)
    .describe('Existing patients with a similar name and the same birth date'),
});

export const PatientQuery = z.strictObject({
  q: Text.trim().max(100).optional().describe('Document number, patient number, name (partial, any accents) or phone'),
  cursor: cursorOf(z.string(), Uuid),
  limit: Limit,
});
export type PatientQuery = z.output<typeof PatientQuery>;

export const MergeBody = z.strictObject({
  duplicateId: Uuid.describe('The record to merge into this one; it is kept, marked as merged'),
});
