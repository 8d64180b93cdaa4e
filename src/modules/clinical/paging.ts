import type { Queryable } from '../../platform/db/database.js';
import { decodeCursor, encodeCursor } from '../../platform/http/schemas.js';

/** Builds a parameter list alongside the SQL that uses it. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/**
 * One page of a patient's rows, newest first by `(timeColumn, id)`, with an opaque keyset
 * cursor. The patient filter leads every index these tables have.
 */
export async function newestFirst<R extends { id: string }>(
  q: Queryable,
  s: {
    select: string;
    where: string[];
    params: Params;
    timeColumn: string;
    timeOf: (row: R) => Date;
    cursor: string | undefined;
    limit: number;
  },
): Promise<{ rows: R[]; nextCursor: string | null }> {
  const where = [...s.where];
  if (s.cursor) {
    // The route's schema has already checked the cursor's parts.
    const [at, id] = decodeCursor(s.cursor, 2) as [string, string];
    where.push(`(${s.timeColumn}, id) < (${s.params.add(at)}::timestamptz, ${s.params.add(id)}::uuid)`);
  }
  const { rows } = await q.query<R>(
    `${s.select} where ${where.join(' and ')} order by ${s.timeColumn} desc, id desc limit ${s.params.add(s.limit + 1)}`,
    s.params.values,
  );
  const more = rows.length > s.limit;
  const page = more ? rows.slice(0, s.limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, nextCursor: more && last ? encodeCursor([s.timeOf(last).toISOString(), last.id]) : null };
}
