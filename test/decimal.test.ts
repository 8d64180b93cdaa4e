import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromMilli, fromScaled, lineAmounts, toCents, toMilli, toScaled } from '../src/platform/decimal.js';

const decimal = (places: number) =>
  fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 12n }))
    .map(([negative, units]) => fromScaled(negative ? -units : units, places));

describe('exact decimals', () => {
  it('reads and writes decimal strings without losing a unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (places, n) => {
        expect(toScaled(fromScaled(n, places), places)).toBe(n);
      }),
    );
    fc.assert(fc.property(decimal(3), (q) => fromMilli(toMilli(q)) === q));
    expect(toMilli('2.5')).toBe(2500n);
    expect(toMilli('-0.001')).toBe(-1n);
    expect(fromMilli(-2500n)).toBe('-2.500');
    expect(toCents('12')).toBe(1200n);
    expect(toScaled('2.335', 4)).toBe(23350n);
  });

  it('rounds a line half up to the cent, the subtotal first and then its tax', () => {
    // 3 x 2.3350 = 7.005 -> 7.01; 15 % of 7.01 = 1.0515 -> 1.05.
    expect(lineAmounts('3', '2.3350', '15')).toEqual({ subtotal: 701n, tax: 105n, total: 806n });
    // 0.5 x 0.01 = 0.005 -> 0.01 (half up, not to even); 21 % of 0.01 = 0.0021 -> 0.00.
    expect(lineAmounts('0.5', '0.01', '21')).toEqual({ subtotal: 1n, tax: 0n, total: 1n });
    // 1 x 0.10 at 5 %: 0.005 -> 0.01.
    expect(lineAmounts('1', '0.10', '5')).toEqual({ subtotal: 10n, tax: 1n, total: 11n });
    expect(lineAmounts('999999999.999', '0', '100')).toEqual({ subtotal: 0n, tax: 0n, total: 0n });
  });

  it('never strays more than half a cent from the exact product, whatever the line', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        fc.bigInt({ min: 0n, max: 10n ** 8n }),
        fc.bigInt({ min: 0n, max: 10_000n }),
        (milli, priceUnits, rateHundredths) => {
          const { subtotal, tax, total } = lineAmounts(
            fromScaled(milli, 3),
            fromScaled(priceUnits, 4),
            fromScaled(rateHundredths, 2),
          );
          // Exact subtotal in 10^-7 units; the rounded one, times 10^5, is within half a cent.
          const exact = milli * priceUnits;
          expect(2n * (subtotal * 100_000n - exact) <= 100_000n).toBe(true);
          expect(2n * (exact - subtotal * 100_000n) < 100_000n).toBe(true);
          const exactTax = subtotal * rateHundredths;
          expect(2n * (tax * 10_000n - exactTax) <= 10_000n).toBe(true);
          expect(2n * (exactTax - tax * 10_000n) < 10_000n).toBe(true);
          expect(total).toBe(subtotal + tax);
        },
      ),
    );
  });
});
