import { z } from 'zod';
import { Instant, Text, Uuid } from '../../platform/http/schemas.js';

/** FDI / ISO 3950: quadrants 1-4 hold permanent teeth 1-8, quadrants 5-8 primary teeth 1-5. */
export function isFdiTooth(n: number): boolean {
  const quadrant = Math.floor(n / 10);
  const position = n % 10;
  if (!Number.isInteger(n)) return false;
  if (quadrant >= 1 && quadrant <= 4) return position >= 1 && position <= 8;
  if (quadrant >= 5 && quadrant <= 8) return position >= 1 && position <= 5;
  return false;
}

const TOOTH_MESSAGE =
  'must be an FDI tooth number: 11-18, 21-28, 31-38, 41-48 (permanent) or 51-55, 61-65, 71-75, 81-85 (primary)';

export const Tooth = z
  .number({ message: TOOTH_MESSAGE })
  .int({ message: TOOTH_MESSAGE })
  .refine(isFdiTooth, { message: TOOTH_MESSAGE })
  .describe('FDI (ISO 3950) tooth number');

/** The tooth in a path: two digits, checked as above. */
export const ToothParams = z.strictObject({
  id: Uuid,
  tooth: z
    .string()
    .regex(/^\d{2}$/, { message: TOOTH_MESSAGE })
    .transform(Number)
    .pipe(Tooth),
});

/** Occlusal stands for incisal on front teeth, buccal for vestibular, lingual for palatal. */
export const SURFACES = ['mesial', 'distal', 'occlusal', 'buccal', 'lingual'] as const;
export const Surface = z.enum(SURFACES);

export const FINDINGS = [
  'sound',
  'caries',
  'fracture',
  'missing',
  'filling',
  'crown',
  'bridge',
  'implant',
  'root_canal',
  'sealant',
  'veneer',
  'abscess',
  'mobility',
  'impacted',
  'extraction_indicated',
  'other',
] as const;
export const Finding = z.enum(FINDINGS);

export const TreatmentStatus = z.enum(['planned', 'done']);

/**
 * One observation or treatment of a tooth. Entries are never edited: a later entry on the
 * same tooth and surface supersedes an earlier one, and both stay in the tooth's history.
 * No surfaces means the whole tooth (missing, crown, implant ...).
 */
export const ChartEntryInput = z
  .strictObject({
    tooth: Tooth,
    surfaces: z.array(Surface).max(5).default([]).describe('Empty: the whole tooth'),
    kind: z.enum(['finding', 'treatment']),
    finding: Finding.optional().describe('Required when kind is finding'),
    treatmentId: Uuid.optional().describe('A treatment of the catalogue; required when kind is treatment'),
    status: TreatmentStatus.optional().describe('planned or done; required when kind is treatment'),
    note: Text.trim().max(2000).optional(),
    encounterId: Uuid.optional(),
    appointmentId: Uuid.optional().describe("One of this patient's appointments"),
  })
  .superRefine((e, ctx) => {
    if (new Set(e.surfaces).size !== e.surfaces.length) {
      ctx.addIssue({ code: 'custom', path: ['surfaces'], message: 'must not repeat a surface' });
    }
    if (e.kind === 'finding') {
      if (!e.finding) ctx.addIssue({ code: 'custom', path: ['finding'], message: 'is required for a finding' });
      for (const key of ['treatmentId', 'status'] as const) {
        if (e[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is only for treatments' });
      }
    } else {
      if (!e.treatmentId)
        ctx.addIssue({ code: 'custom', path: ['treatmentId'], message: 'is required for a treatment' });
      if (!e.status) ctx.addIssue({ code: 'custom', path: ['status'], message: 'is required for a treatment' });
      if (e.finding !== undefined) ctx.addIssue({ code: 'custom', path: ['finding'], message: 'is only for findings' });
    }
  });
export type ChartEntryInput = z.output<typeof ChartEntryInput>;

export const ChartEntry = z.object({
  id: Uuid,
  patientId: Uuid,
  tooth: z.number().int(),
  surfaces: z.array(Surface),
  kind: z.enum(['finding', 'treatment']),
  finding: Finding.optional(),
  treatmentId: Uuid.optional(),
  treatmentName: z.string().optional(),
  status: TreatmentStatus.optional(),
  note: z.string().optional(),
  encounterId: Uuid.optional(),
  appointmentId: Uuid.optional(),
  recordedBy: Uuid.describe('The account that recorded it'),
  recordedByName: z.string().optional().describe('Its practitioner name, else its e-mail'),
  recordedAt: Instant,
});
export type ChartEntry = z.output<typeof ChartEntry>;

export const CurrentEntry = ChartEntry.extend({
  currentFor: z
    .array(z.enum(['whole', ...SURFACES]))
    .describe('The surfaces (or `whole`) on which this entry is the latest; the others were superseded'),
});
export type CurrentEntry = z.output<typeof CurrentEntry>;

export const DentalChart = z.object({
  patientId: Uuid,
  teeth: z
    .array(z.object({ tooth: z.number().int(), entries: z.array(CurrentEntry) }))
    .describe('Every tooth with at least one entry, in FDI order; teeth not listed have nothing recorded'),
});
export type DentalChart = z.output<typeof DentalChart>;

export const ToothHistory = z.object({
  patientId: Uuid,
  tooth: z.number().int(),
  entries: z.array(ChartEntry).describe('Oldest first, superseded entries included'),
});
