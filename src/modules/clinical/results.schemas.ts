import { z } from 'zod';
import { Instant, Uuid } from '../../platform/http/schemas.js';
import { notEmpty, PastInstant, requiredText, text } from './clinical.schemas.js';

export const ResultStatus = z.enum(['preliminary', 'final', 'amended']);
export type ResultStatus = z.output<typeof ResultStatus>;
export const ResultFlag = z.enum(['low', 'normal', 'high', 'critical']);
export type ResultFlag = z.output<typeof ResultFlag>;

/** Lab values span many orders of magnitude, but not beyond this. */
const quantity = z
  .number({ message: 'must be a number' })
  .min(-1e12, { message: 'must be at least -1e12' })
  .max(1e12, { message: 'must be at most 1e12' });

export const ResultParams = z.strictObject({ id: Uuid, resultId: Uuid });

const value = {
  valueQuantity: quantity.optional().describe('A numeric value; its flag is computed from the limits'),
  valueText: text(4000).min(1, { message: 'must not be empty' }).optional().describe('A textual value or report'),
  unit: text(50).optional(),
  referenceLow: quantity.optional(),
  referenceHigh: quantity.optional(),
  referenceText: text(200).optional().describe('A reference range in words, e.g. "negative"'),
  criticalLow: quantity.optional().describe('At or below: flag critical'),
  criticalHigh: quantity.optional().describe('At or above: flag critical'),
};

/** The limits must be in order: critical low <= low <= high <= critical high. */
function limitsInOrder(r: Record<string, unknown>, ctx: z.RefinementCtx) {
  const order = ['criticalLow', 'referenceLow', 'referenceHigh', 'criticalHigh'] as const;
  const given = order.filter((k) => typeof r[k] === 'number');
  for (let i = 1; i < given.length; i++) {
    const [a, b] = [given[i - 1] as string, given[i] as string];
    if ((r[a] as number) > (r[b] as number)) {
      ctx.addIssue({ code: 'custom', path: [b], message: `must not be below ${a}` });
    }
  }
}

function oneValue(r: Record<string, unknown>, ctx: z.RefinementCtx, required: boolean) {
  if (r.valueQuantity !== undefined && r.valueText !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['valueText'], message: 'give either valueQuantity or valueText, not both' });
  } else if (required && r.valueQuantity === undefined && r.valueText === undefined) {
    ctx.addIssue({ code: 'custom', path: ['valueQuantity'], message: 'give valueQuantity or valueText' });
  }
}

export const ResultInput = z
  .strictObject({
    testName: requiredText(200),
    testCode: text(50).min(1, { message: 'must not be empty' }).optional().describe('e.g. a LOINC code'),
    ...value,
    status: ResultStatus.default('final'),
    observedAt: PastInstant,
    performer: text(200).optional().describe('Laboratory or person who performed the test'),
    encounterId: Uuid.optional(),
  })
  .superRefine((r, ctx) => {
    oneValue(r, ctx, true);
    limitsInOrder(r, ctx);
  });
export type ResultInput = z.output<typeof ResultInput>;

export const ResultChanges = z
  .strictObject({
    ...value,
    status: ResultStatus.optional(),
    observedAt: PastInstant.optional(),
    performer: text(200).optional(),
  })
  .superRefine((r, ctx) => {
    notEmpty(r, ctx);
    oneValue(r, ctx, false);
    limitsInOrder(r, ctx);
  });
export type ResultChanges = z.output<typeof ResultChanges>;

export const Result = z.object({
  id: Uuid,
  patientId: Uuid,
  encounterId: Uuid.optional(),
  testName: z.string(),
  testCode: z.string().optional(),
  valueQuantity: z.number().optional(),
  valueText: z.string().optional(),
  unit: z.string().optional(),
  referenceLow: z.number().optional(),
  referenceHigh: z.number().optional(),
  referenceText: z.string().optional(),
  criticalLow: z.number().optional(),
  criticalHigh: z.number().optional(),
  flag: ResultFlag.optional().describe('Computed for numeric values with limits'),
  status: ResultStatus,
  observedAt: Instant,
  performer: z.string().optional(),
  recordedBy: Uuid.optional(),
  createdAt: Instant,
  updatedAt: Instant,
});
export type Result = z.output<typeof Result>;
