import type { Queryable } from '../../platform/db/database.js';
import { foldText, likeEscape } from '../patients/normalize.js';

export interface Icd10Code {
  code: string;
  title: string;
}

/** "E119" (the CMS files' form) or "e11.9" -> "E11.9": the dot after the category, as clinicians write it. */
export function dottedCode(code: string): string {
  const c = code.trim().toUpperCase().replace('.', '');
  return c.length > 3 ? `${c.slice(0, 3)}.${c.slice(3)}` : c;
}

/** A letter, two characters and up to four more: the shape of every ICD-10 (and -CM) code. */
export const CODE_SHAPE = /^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$/i;
const CODE_PREFIX = /^[A-Z][0-9][0-9A-Z]?(\.?[0-9A-Z]{0,4})?$/i;

/**
 * Up to `limit` codes: by code prefix ("E11", "e11.6", "K021") when the text looks like one,
 * else by the words of the title, each a substring, without regard to case or accents
 * ("diabetes tipo" finds nothing, "diab type 2" finds E11). Both use an index: the compact
 * code's text_pattern_ops b-tree and the folded title's trigram GIN index.
 */
export async function searchIcd10(q: Queryable, text: string, limit: number): Promise<Icd10Code[]> {
  const query = text.trim();
  if (CODE_PREFIX.test(query)) {
    const prefix = `${likeEscape(query.toUpperCase().replace('.', ''))}%`;
    const { rows } = await q.query<Icd10Code>(
      `select code, title from icd10_codes where compact like $1 order by length(compact), compact limit $2`,
      [prefix, limit],
    );
    if (rows.length > 0) return rows;
  }
  const folded = foldText(query);
  const words = folded.split(' ').filter(Boolean).slice(0, 8);
  if (words.length === 0) return [];
  const params: unknown[] = [folded, limit];
  const where = words.map((w) => {
    params.push(`%${likeEscape(w)}%`);
    return `search like $${params.length}`;
  });
  const { rows } = await q.query<Icd10Code>(
    `select code, title from icd10_codes where ${where.join(' and ')}
      order by similarity(search, $1) desc, length(code), code limit $2`,
    params,
  );
  return rows;
}

export async function findIcd10(q: Queryable, code: string): Promise<Icd10Code | undefined> {
  const { rows } = await q.query<Icd10Code>('select code, title from icd10_codes where code = $1', [dottedCode(code)]);
  return rows[0];
}

/** Adds codes and updates the titles of known ones; never removes a code a diagnosis may use. */
export async function upsertIcd10(q: Queryable, codes: Icd10Code[]): Promise<void> {
  if (codes.length === 0) return;
  // A code twice in one statement would fail the upsert; the later line wins, as it would across batches.
  const unique = [...new Map(codes.map((c) => [c.code, c])).values()];
  await q.query(
    `insert into icd10_codes (code, title)
     select code, title from jsonb_to_recordset($1::jsonb) as x(code text, title text)
     on conflict (code) do update set title = excluded.title where icd10_codes.title <> excluded.title`,
    [JSON.stringify(unique)],
  );
}

export async function countIcd10(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: number }>('select count(*)::int as n from icd10_codes');
  return rows[0]?.n ?? 0;
}
