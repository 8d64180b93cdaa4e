/**
 * Quantities and amounts travel as exact decimal strings: what a person types ("2,5" in
 * Spanish) becomes "2.5", and what the server sends is shown through Intl from the string,
 * never through a float.
 */
export function decimalInput(value: string): string {
  return value.trim().replace(',', '.');
}

/** An exact quantity ("12.500") in the reader's language, without trailing zeros ("12,5"). */
export function formatQuantity(quantity: string, language: string): string {
  return new Intl.NumberFormat(language, { maximumFractionDigits: 3 }).format(quantity as Intl.StringNumericLiteral);
}

/** An exact decimal without its trailing zeros, to fill an input: "33.000" -> "33", "0.2500" -> "0.25". */
export function plainDecimal(value: string): string {
  return value.includes('.') ? value.replace(/\.?0+$/, '') : value;
}

/** Thousandths of an exact decimal quantity, as bigint: arithmetic on quantities never goes through a float. */
function milli(q: string): bigint {
  const [whole = '0', frac = ''] = q.split('.');
  return BigInt(whole) * 1000n + BigInt(`${frac}000`.slice(0, 3));
}

/** What is left of `total` once `used` is taken (never below zero), as a plain decimal: "20", "7.5". */
export function remainingQuantity(total: string, used: string): string {
  const rest = milli(total) - milli(used);
  if (rest <= 0n) return '0';
  return plainDecimal(`${rest / 1000n}.${String(rest % 1000n).padStart(3, '0')}`);
}
