import { z } from 'zod';
import { Instant, Uuid } from '../../platform/http/schemas.js';
import { notEmpty, text } from './clinical.schemas.js';

const SECTION = 20_000;

const soap = {
  subjective: text(SECTION).optional().describe('S: what the patient reports'),
  objective: text(SECTION).optional().describe('O: examination and measurements'),
  assessment: text(SECTION).optional().describe('A: the clinical judgement'),
  plan: text(SECTION).optional().describe('P: what happens next'),
};

/** A note must say something in at least one of its four sections. */
function somethingWritten(n: Record<string, unknown>, ctx: z.RefinementCtx) {
  const sections = [n.subjective, n.objective, n.assessment, n.plan];
  if (sections.every((s) => typeof s !== 'string' || s === '')) {
    ctx.addIssue({ code: 'custom', path: ['subjective'], message: 'write at least one of the four sections' });
  }
}

export const NoteParams = z.strictObject({ id: Uuid, noteId: Uuid });

export const NoteInput = z
  .strictObject({ encounterId: Uuid.describe("The encounter this note belongs to (one of the patient's)"), ...soap })
  .superRefine(somethingWritten);
export type NoteInput = z.output<typeof NoteInput>;

export const NoteChanges = z.strictObject(soap).superRefine(notEmpty);
export type NoteChanges = z.output<typeof NoteChanges>;

export const AddendumInput = z.strictObject(soap).superRefine(somethingWritten);
export type AddendumInput = z.output<typeof AddendumInput>;

export const NoteStatus = z.enum(['draft', 'signed']);

export const Note = z.object({
  id: Uuid,
  patientId: Uuid,
  encounterId: Uuid,
  authorId: Uuid.describe('The doctor who wrote it'),
  amends: Uuid.optional().describe('For an addendum: the signed note it corrects'),
  subjective: z.string(),
  objective: z.string(),
  assessment: z.string(),
  plan: z.string(),
  status: NoteStatus,
  signedAt: Instant.optional(),
  signedBy: Uuid.optional(),
  contentHash: z.string().optional().describe('SHA-256 (hex) of the signed content'),
  createdAt: Instant,
  updatedAt: Instant,
});
export type Note = z.output<typeof Note>;
