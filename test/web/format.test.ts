import { describe, expect, it } from 'vitest';
import { formatDate, formatInstant } from '../../web/src/format.js';

describe('dates in the reader’s language', () => {
  it('formats a calendar date in Spanish and English without shifting the day', () => {
    expect(formatDate('1990-04-12', 'es')).toBe('12 abr 1990');
    expect(formatDate('1990-04-12', 'en')).toBe('Apr 12, 1990');
    // The first and last day of a year stay in their year whatever the time zone.
    expect(formatDate('2000-01-01', 'en')).toBe('Jan 1, 2000');
    expect(formatDate('1999-12-31', 'es')).toBe('31 dic 1999');
  });

  it('leaves a value that is not a date as it is', () => {
    expect(formatDate('not a date', 'es')).toBe('not a date');
  });

  it('formats an instant with date and time', () => {
    const text = formatInstant('2026-11-22T10:30:00Z', 'en');
    expect(text).toMatch(/Nov 22, 2026/);
    expect(text).toMatch(/\d{1,2}:30/);
  });
});
