import { z } from 'zod';

/** The languages documents are printed in; Spanish is the clinic's default. */
export const LANGUAGES = ['es', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** `?lang=` of every PDF route. */
export const LangQuery = z.strictObject({
  lang: z.enum(LANGUAGES).optional().describe('es or en; without it, the Accept-Language header, then Spanish'),
});

/**
 * `?lang=` wins; then the first of es/en the Accept-Language header prefers (by q-value);
 * then Spanish.
 */
export function pickLanguage(lang: Language | undefined, acceptLanguage: string | undefined): Language {
  if (lang) return lang;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { base: tag.split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.q > 0 && (LANGUAGES as readonly string[]).includes(r.base))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return (ranked[0]?.base as Language | undefined) ?? 'es';
}

/** Dates and instants as a reader of that language expects them, in the clinic's time zone. */
export class Formats {
  private readonly date: Intl.DateTimeFormat;
  private readonly instant: Intl.DateTimeFormat;
  private readonly time: Intl.DateTimeFormat;
  private readonly numbers: Intl.NumberFormat;

  constructor(
    readonly lang: Language,
    readonly timeZone: string,
  ) {
    const locale = lang === 'es' ? 'es-ES' : 'en-GB';
    this.date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
    this.instant = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
    this.time = new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone });
    this.numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 3, useGrouping: false });
  }

  /** A calendar date `YYYY-MM-DD` (no time zone: it is a date, not an instant). */
  day(date: string | null | undefined): string {
    return date ? this.date.format(new Date(`${date}T00:00:00Z`)) : '';
  }

  at(instant: Date | string | null | undefined): string {
    return instant ? this.instant.format(new Date(instant)) : '';
  }

  clock(instant: Date | string): string {
    return this.time.format(new Date(instant));
  }

  /** A measured number (not money) with the language's decimal separator. */
  number(value: number | null | undefined): string {
    return value === null || value === undefined ? '' : this.numbers.format(value);
  }

  /**
   * An exact decimal string as printed: the decimal separator of the language, the digits
   * untouched (never through a float).
   */
  money(amount: string | null | undefined): string {
    if (amount === null || amount === undefined) return '';
    return this.lang === 'es' ? `${amount.replace('.', ',')} €` : `€${amount}`;
  }
}
