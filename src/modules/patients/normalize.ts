/** Pure text folding for search and identity: tested on its own. */

/** Lower case, accents and other marks removed, spaces collapsed: "José  Ñúñez" -> "jose nunez". */
export function foldText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

export const nameSearchOf = (firstName: string, lastName: string) => foldText(`${firstName} ${lastName}`);

export const sortKeyOf = (firstName: string, lastName: string) => foldText(`${lastName} ${firstName}`);

export const digitsOf = (s: string) => s.replace(/\D/g, '');

/** National document numbers compare without case, spaces, dots or dashes: "12.345.678-k" = "12345678K". */
export const normalizeDocument = (s: string) => s.toUpperCase().replace(/[\s.-]/g, '');

/** Escapes LIKE wildcards so user text matches literally. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Whole years between a `YYYY-MM-DD` birth date and `today`. */
export function ageOn(birthDate: string, today: Date = new Date()): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  let age = today.getUTCFullYear() - y;
  const month = today.getUTCMonth() + 1;
  if (month < m || (month === m && today.getUTCDate() < d)) age -= 1;
  return age;
}

/** `PT00001`: five digits, growing past them rather than wrapping. */
export const patientNumberOf = (n: number) => `PT${String(n).padStart(5, '0')}`;
