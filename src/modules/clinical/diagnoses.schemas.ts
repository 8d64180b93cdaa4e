import { z } from 'zod';
import { Instant, IsoDate, Text, Uuid } from '../../platform/http/schemas.js';
import { notEmpty, text } from './clinical.schemas.js';
import { CODE_SHAPE, dottedCode } from './icd10.repository.js';

export const DiagnosisStatus = z.enum(['active', 'resolved', 'ruled_out']);

export const Icd10Code = z
  .string()
  .trim()
  .regex(CODE_SHAPE, { message: 'must be an ICD-10 code such as E11.9 or K02.1' })
  .transform(dottedCode);

const OnsetDate = IsoDate.refine((d) => d >= '1900-01-01' && d <= new Date().toISOString().slice(0, 10), {
  message: 'must be between 1900-01-01 and today',
});

export const DiagnosisParams = z.strictObject({ id: Uuid, diagnosisId: Uuid });

export const DiagnosisInput = z.strictObject({
  code: Icd10Code.describe('From GET /api/v1/icd10'),
  display: text(500).min(1, { message: 'must not be empty' }).optional().describe("Default: the code's title"),
  status: DiagnosisStatus.default('active'),
  onsetDate: OnsetDate.optional(),
  notes: text(2000).optional(),
  encounterId: Uuid.optional(),
});
export type DiagnosisInput = z.output<typeof DiagnosisInput>;

export const DiagnosisChanges = z
  .strictObject({
    status: DiagnosisStatus.optional(),
    display: text(500).min(1, { message: 'must not be empty' }).optional(),
    onsetDate: OnsetDate.nullable().optional(),
    notes: text(2000).nullable().optional(),
  })
  .superRefine(notEmpty);
export type DiagnosisChanges = z.output<typeof DiagnosisChanges>;

export const Diagnosis = z.object({
  id: Uuid,
  patientId: Uuid,
  encounterId: Uuid.optional(),
  code: z.string(),
  display: z.string(),
  status: DiagnosisStatus,
  onsetDate: z.string().optional(),
  notes: z.string().optional(),
  recordedBy: Uuid.optional(),
  createdAt: Instant,
  updatedAt: Instant,
});
export type Diagnosis = z.output<typeof Diagnosis>;

export const DiagnosisQuery = z.strictObject({
  status: DiagnosisStatus.optional(),
  encounterId: Uuid.optional(),
});
export type DiagnosisQuery = z.output<typeof DiagnosisQuery>;

export const Icd10Query = z.strictObject({
  q: Text.trim()
    .min(1, { message: 'must not be empty' })
    .max(100, { message: 'must be at most 100 characters' })
    .describe('A code prefix (E11, K02.5) or words of the title (asthma, dental caries)'),
  limit: z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'must be at least 1' })
    .max(50, { message: 'must be at most 50' })
    .default(20),
});

export const Icd10Entry = z.object({ code: z.string(), title: z.string() });
