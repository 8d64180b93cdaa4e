/**
 * Exact decimal arithmetic for money and quantities. A decimal string becomes a whole number
 * of 10^-places units as a bigint, and back: no amount ever passes through a float. Strings
 * come validated by the schemas (digits, an optional '-' and '.').
 */

/** "2.335" at 4 places is 23350n; "-2.5" at 3 places is -2500n. */
export function toScaled(value: string, places: number): bigint {
  const negative = value.startsWith('-');
  const [whole = '0', frac = ''] = (negative ? value.slice(1) : value).split('.');
  const scaled = BigInt(whole) * 10n ** BigInt(places) + BigInt(`${frac}${'0'.repeat(places)}`.slice(0, places) || '0');
  return negative ? -scaled : scaled;
}

/** 23350n at 4 places is "2.3350". */
export function fromScaled(value: bigint, places: number): string {
  const unit = 10n ** BigInt(places);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const frac = places > 0 ? `.${String(abs % unit).padStart(places, '0')}` : '';
  return `${negative ? '-' : ''}${abs / unit}${frac}`;
}

/** Quantities of stock: thousandths. */
export const toMilli = (quantity: string) => toScaled(quantity, 3);
export const fromMilli = (milli: bigint) => fromScaled(milli, 3);

/** Money: cents. */
export const toCents = (amount: string) => toScaled(amount, 2);
export const fromCents = (cents: bigint) => fromScaled(cents, 2);

/** The most a numeric(12, 2) column holds, in cents. */
export const MAX_CENTS = 999_999_999_999n;

/** numerator / divisor, rounded half up (both non-negative). */
export const divideHalfUp = (numerator: bigint, divisor: bigint) => (numerator * 2n + divisor) / (divisor * 2n);

export interface LineAmounts {
  /** Cents. */
  subtotal: bigint;
  tax: bigint;
  total: bigint;
}

/**
 * A priced line of an invoice or a purchase order, in cents: subtotal = quantity x unit price
 * rounded half up to the cent, tax = subtotal x rate / 100 rounded half up to the cent
 * (3 x 2.3350 = 7.005 -> 7.01; 15 % of it, 1.0515 -> 1.05), total = subtotal + tax. Unit prices
 * carry up to 4 decimals (costs do): thousandths times ten-thousandths are 10^-7 units.
 */
export function lineAmounts(quantity: string, unitPrice: string, taxRate: string): LineAmounts {
  const subtotal = divideHalfUp(toMilli(quantity) * toScaled(unitPrice, 4), 100_000n);
  const tax = divideHalfUp(subtotal * toScaled(taxRate, 2), 10_000n);
  return { subtotal, tax, total: subtotal + tax };
}
