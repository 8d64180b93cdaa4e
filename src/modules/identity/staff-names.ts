import type { Queryable } from '../../platform/db/database.js';

/** The name shown for a staff account `u`: its practitioner `p`'s, else its e-mail. */
export const STAFF_NAME = {
  from: 'users u left join practitioners p on p.user_id = u.id',
  name: 'coalesce(p.name, u.email)',
};

/**
 * How documents and lists name the staff who wrote something: the practitioner linked to
 * the account, else the account's e-mail. One query for all the ids of a page, not one per row.
 */
export async function staffNames(q: Queryable, userIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return new Map();
  const { rows } = await q.query<{ id: string; name: string }>(
    `select u.id, ${STAFF_NAME.name} as name from ${STAFF_NAME.from} where u.id = any($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}
