import { z } from 'zod';

/** Schemas shared by every module's routes. */

/** An id as the API returns it; upper-case input is folded to the stored lower case. */
export const Uuid = z.uuid({ message: 'must be an id as returned by the API (a UUID)' }).toLowerCase();

export const IdParams = z.strictObject({ id: Uuid });

/**
 * Text the database keeps exactly as sent. PostgreSQL refuses the NUL character (in text and
 * jsonb) and unpaired UTF-16 surrogates (in jsonb), and would store an unpaired surrogate in
 * a text column altered; such input is refused here instead of failing (or changing) later.
 */
export const isStorableText = (s: string) => !s.includes('\u0000') && !/\p{Cs}/u.test(s);

export const Text = z.string().refine(isStorableText, {
  message: 'must not contain NUL characters or unpaired Unicode surrogates',
});

/** A calendar date `YYYY-MM-DD` that exists (2023-02-30 does not). */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date as YYYY-MM-DD' })
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, 'is not a real date');

export const Instant = z.string().describe('ISO-8601 instant in UTC');

export const Email = z
  .email({ message: 'must be an e-mail address' })
  .max(254)
  .transform((s) => s.toLowerCase());

export const Limit = z.coerce
  .number({ message: 'must be a number' })
  .int({ message: 'must be a whole number' })
  .min(1, { message: 'must be at least 1' })
  .max(100, { message: 'must be at most 100' })
  .default(20);

/**
 * A cursor whose key has these parts, as this list's `encodeCursor` wrote it. A forged or
 * damaged cursor is refused at validation, before its parts reach a query.
 */
export function cursorOf(...parts: z.ZodType<string>[]) {
  return z
    .string()
    .max(512)
    .refine(
      (cursor) => {
        const key = decodeCursor(cursor, parts.length);
        return !!key?.every((k, i) => parts[i]?.safeParse(k).success);
      },
      { message: 'is not a cursor returned by this list; start again without it' },
    )
    .optional();
}

export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const NoContent = z.void().describe('No content');

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    errors: z
      .array(
        z.object({
          path: z.string().describe('The field, e.g. body.documentNumber or querystring.limit'),
          message: z.string().describe('What is wrong, in English'),
          code: z
            .string()
            .describe(
              'Why, for translating: required, unknown_field, incorrect, or the zod issue code (invalid_type, invalid_format, invalid_value, too_small, too_big, custom, ...)',
            ),
          limit: z.number().optional().describe('The bound of too_small / too_big'),
          origin: z.string().optional().describe('What the bound counts: string (characters), array (items), number'),
        }),
      )
      .optional(),
  })
  .loose()
  .describe('RFC 9457 problem details');

/** Problem responses every authenticated route may give, for the OpenAPI document. */
export const problems = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: 'Problem details', content: { 'application/problem+json': { schema: Problem } } },
    ]),
  ) as Record<number, { description: string; content: { 'application/problem+json': { schema: typeof Problem } } }>;

/** Opaque keyset cursor: base64url JSON of the last row's sort key. */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): string[] | null {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === 'string' && isStorableText(k))) {
      return key;
    }
  } catch {}
  return null;
}
