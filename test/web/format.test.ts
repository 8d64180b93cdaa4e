import { describe, expect, it } from 'vitest';
import {
  addDays,
  clock,
  formatClinicInstant,
  formatDate,
  formatInstant,
  formatMoney,
  formatTime,
  isoWeekday,
  minutesOf,
  startOfWeek,
  zonedInstant,
  zonedParts,
} from '../../web/src/format.js';

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

describe('the clinic’s diary time, whatever the browser’s zone', () => {
  const MADRID = 'Europe/Madrid';

  it('turns a local date and time into the instant, across daylight saving changes', () => {
    // Winter (UTC+1), the spring change (last Sunday of March), summer (UTC+2), the autumn change.
    expect(zonedInstant('2026-03-28', 9 * 60, MADRID)).toBe('2026-03-28T08:00:00.000Z');
    expect(zonedInstant('2026-03-29', 9 * 60, MADRID)).toBe('2026-03-29T07:00:00.000Z');
    expect(zonedInstant('2026-03-29', 1 * 60 + 30, MADRID)).toBe('2026-03-29T00:30:00.000Z');
    expect(zonedInstant('2026-03-29', 3 * 60 + 30, MADRID)).toBe('2026-03-29T01:30:00.000Z');
    expect(zonedInstant('2026-10-25', 9 * 60, MADRID)).toBe('2026-10-25T08:00:00.000Z');
    expect(zonedInstant('2026-05-04', 0, MADRID)).toBe('2026-05-03T22:00:00.000Z');
    expect(zonedInstant('2026-05-04', 24 * 60, MADRID)).toBe('2026-05-04T22:00:00.000Z');
    expect(zonedInstant('2026-05-04', 9 * 60, 'America/New_York')).toBe('2026-05-04T13:00:00.000Z');
  });

  it('reads an instant as the local date and minutes since midnight', () => {
    expect(zonedParts('2026-03-29T07:00:00Z', MADRID)).toEqual({ date: '2026-03-29', minutes: 9 * 60 });
    expect(zonedParts('2026-05-03T22:30:00Z', MADRID)).toEqual({ date: '2026-05-04', minutes: 30 });
    expect(zonedParts('2026-05-04T03:00:00Z', 'America/Los_Angeles')).toEqual({ date: '2026-05-03', minutes: 20 * 60 });
    // Every quarter hour of a year round-trips (the DST gap aside, which has no local times).
    for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 15 * 60_000 * 97) {
      const { date, minutes } = zonedParts(t, MADRID);
      expect(zonedInstant(date, minutes, MADRID)).toBe(new Date(t).toISOString());
    }
    expect(formatTime('2026-07-01T07:05:00Z', MADRID)).toBe('09:05');
    expect(formatClinicInstant('2026-07-01T07:05:00Z', 'en', MADRID)).toMatch(/Jul 1, 2026.*9:05/);
  });

  it('counts days and weeks on calendar dates', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(isoWeekday('2026-05-04')).toBe(1);
    expect(isoWeekday('2026-05-10')).toBe(7);
    expect(startOfWeek('2026-05-10')).toBe('2026-05-04');
    expect(startOfWeek('2026-05-04')).toBe('2026-05-04');
    expect(clock(9 * 60 + 5)).toBe('09:05');
    expect(minutesOf('13:45')).toBe(13 * 60 + 45);
  });
});

describe('money', () => {
  it('formats a decimal string exactly, in the reader’s language', () => {
    expect(formatMoney('1234.5', 'en')).toBe('1,234.50');
    expect(formatMoney('45.00', 'es')).toBe('45,00');
    // Beyond what a float holds exactly.
    expect(formatMoney('9999999999.99', 'en')).toBe('9,999,999,999.99');
  });
});
