import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freeSlots, type Span } from '../src/modules/scheduling/availability.js';

const MIN = 60_000;
/** Minutes after an arbitrary midnight, as epoch milliseconds. */
const at = (minutes: number) => Date.UTC(2030, 0, 7) + minutes * MIN;
const span = (from: number, to: number): Span => ({ start: at(from), end: at(to) });
const starts = (slots: Span[]) => slots.map((s) => (s.start - at(0)) / MIN);

describe('freeSlots', () => {
  it('cuts each working interval into slots of the given length from its start', () => {
    const slots = freeSlots({ working: [span(540, 660), span(900, 960)], busy: [], slotMinutes: 30, now: 0 });
    expect(starts(slots)).toEqual([540, 570, 600, 630, 900, 930]);
    expect(slots.every((s) => s.end - s.start === 30 * MIN)).toBe(true);
  });

  it('leaves out a last slot that would run past the end of the interval', () => {
    expect(starts(freeSlots({ working: [span(540, 640)], busy: [], slotMinutes: 45, now: 0 }))).toEqual([540, 585]);
  });

  it('leaves out slots touching a busy span, but not slots that merely meet it', () => {
    const busy = [span(600, 630), span(640, 650)];
    const slots = freeSlots({ working: [span(540, 720)], busy, slotMinutes: 30, now: 0 });
    expect(starts(slots)).toEqual([540, 570, 660, 690]);
  });

  it('handles busy spans that overlap each other and come in any order', () => {
    const busy = [span(620, 700), span(540, 560), span(600, 610)];
    expect(starts(freeSlots({ working: [span(540, 720)], busy, slotMinutes: 20, now: 0 }))).toEqual([560, 580, 700]);
  });

  it('never offers a slot that starts before now', () => {
    expect(starts(freeSlots({ working: [span(540, 660)], busy: [], slotMinutes: 30, now: at(571) }))).toEqual([
      600, 630,
    ]);
  });

  it('offers nothing without working hours', () => {
    expect(freeSlots({ working: [], busy: [span(0, 100)], slotMinutes: 30, now: 0 })).toEqual([]);
  });

  it('agrees with a brute-force check on arbitrary diaries', () => {
    const interval = fc
      .tuple(fc.integer({ min: 0, max: 1440 }), fc.integer({ min: 1, max: 600 }))
      .map(([from, length]) => span(from, from + length));
    fc.assert(
      fc.property(
        fc.array(interval, { maxLength: 3 }),
        fc.array(interval, { maxLength: 6 }),
        fc.integer({ min: 5, max: 120 }),
        fc.integer({ min: -100, max: 2000 }),
        (working, busy, slotMinutes, nowMinutes) => {
          const now = at(nowMinutes);
          const slots = freeSlots({ working, busy, slotMinutes, now });
          const expected: Span[] = [];
          for (const w of [...working].sort((a, b) => a.start - b.start)) {
            for (let s = w.start; s + slotMinutes * MIN <= w.end; s += slotMinutes * MIN) {
              const e = s + slotMinutes * MIN;
              if (s >= now && !busy.some((b) => b.start < e && s < b.end)) expected.push({ start: s, end: e });
            }
          }
          expect(slots).toEqual(expected);
        },
      ),
    );
  });
});
