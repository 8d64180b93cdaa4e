import { z } from 'zod';
import { cursorOf, Limit, Text, Uuid } from '../../platform/http/schemas.js';
import { InstantInput } from '../scheduling/practitioners.schemas.js';

/** Schemas every part of the clinical record shares. */

export const PatientParams = z.strictObject({ id: Uuid });

/** Optional free text, trimmed, that the database keeps as sent. */
export const text = (max: number) => Text.trim().max(max, { message: `must be at most ${max} characters` });

/** Text that must say something. */
export const requiredText = (max: number) => text(max).min(1, { message: 'must not be empty' });

/** Clocks of devices and servers drift a little; a measurement minutes "ahead" is not an error. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** When something was observed or happened: an instant, not in the future. */
export const PastInstant = InstantInput.refine((s) => Date.parse(s) <= Date.now() + CLOCK_SKEW_MS, {
  message: 'must not be in the future',
});

/** Newest first, by the record's own time and then id. */
export const ListQuery = z.strictObject({
  encounterId: Uuid.optional().describe('Only the records of this encounter'),
  cursor: cursorOf(z.iso.datetime(), Uuid),
  limit: Limit,
});
export type ListQuery = z.output<typeof ListQuery>;

/** At least one field of a change must be present. */
export function notEmpty(value: Record<string, unknown>, ctx: z.RefinementCtx) {
  if (Object.values(value).every((v) => v === undefined)) {
    ctx.addIssue({ code: 'custom', path: [], message: 'must change at least one field' });
  }
}

/** Drops null and undefined values: optional fields are absent from a response, never null. */
export function present<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as {
    [K in keyof T]?: Exclude<T[K], null>;
  };
}

export const iso = (d: Date | null | undefined) => (d ? d.toISOString() : undefined);

/** numeric columns arrive as strings from both drivers; the API speaks JSON numbers. */
export const num = (v: string | number | null | undefined) => (v === null || v === undefined ? undefined : Number(v));
