import { describe, expect, it } from 'vitest';
import { FINDINGS, isFdiTooth, SURFACES } from '../../src/modules/dentistry/dentistry.schemas.js';
import { isMissing, LAYOUT, markOf, sideOf, surfaceEntries } from '../../web/src/clinical/dental/teeth.js';

type Entry = Parameters<typeof isMissing>[0][number] & { id: string };
const entry = (e: Partial<Entry>): Entry => ({ id: 'e', kind: 'finding', currentFor: [], ...e });

/** The odontogram's drawing rules (no browser needed). */
describe('the dental chart layout', () => {
  it('draws every FDI tooth once, as a dentist reads the chart', () => {
    const all = Object.values(LAYOUT).flatMap((d) => [...d.upper, ...d.lower].flat());
    expect(all).toHaveLength(32 + 20);
    expect(new Set(all).size).toBe(all.length);
    expect(all.every(isFdiTooth)).toBe(true);
    expect(LAYOUT.permanent.upper).toEqual([
      [18, 17, 16, 15, 14, 13, 12, 11],
      [21, 22, 23, 24, 25, 26, 27, 28],
    ]);
    expect(LAYOUT.permanent.lower).toEqual([
      [48, 47, 46, 45, 44, 43, 42, 41],
      [31, 32, 33, 34, 35, 36, 37, 38],
    ]);
    expect(LAYOUT.primary.upper).toEqual([
      [55, 54, 53, 52, 51],
      [61, 62, 63, 64, 65],
    ]);
    expect(LAYOUT.primary.lower).toEqual([
      [85, 84, 83, 82, 81],
      [71, 72, 73, 74, 75],
    ]);
  });

  it('puts the cheek side outwards and the mesial side towards the midline', () => {
    // Upper right (viewer's top left): buccal up, mesial towards the centre (right).
    expect(SURFACES.map((s) => sideOf(16, s))).toEqual(['right', 'left', 'centre', 'top', 'bottom']);
    // Lower left (viewer's bottom right): buccal down, mesial towards the centre (left).
    expect(SURFACES.map((s) => sideOf(36, s))).toEqual(['left', 'right', 'centre', 'bottom', 'top']);
    expect(sideOf(46, 'mesial')).toBe('right');
    expect(sideOf(21, 'mesial')).toBe('left');
    expect(sideOf(55, 'buccal')).toBe('top');
    expect(sideOf(75, 'buccal')).toBe('bottom');
    // Every surface of a tooth on a side of its own.
    for (const tooth of [11, 26, 33, 48, 52, 64, 71, 85])
      expect(new Set(SURFACES.map((s) => sideOf(tooth, s))).size, String(tooth)).toBe(5);
  });

  it('colours findings to treat red, work done blue and planned treatment apart', () => {
    expect(markOf({ kind: 'finding', finding: 'caries' })).toBe('pathology');
    expect(markOf({ kind: 'finding', finding: 'filling' })).toBe('restored');
    expect(markOf({ kind: 'finding', finding: 'missing' })).toBe('missing');
    expect(markOf({ kind: 'finding', finding: 'sound' })).toBe('sound');
    expect(markOf({ kind: 'finding', finding: 'other' })).toBe('other');
    // Each finding the server knows has its colour: only `other` is other.
    expect(FINDINGS.filter((finding) => markOf({ kind: 'finding', finding }) === 'other')).toEqual(['other']);
    expect(markOf({ kind: 'treatment', status: 'planned' })).toBe('planned');
    expect(markOf({ kind: 'treatment', status: 'done' })).toBe('restored');
  });

  it('colours each surface by the entry the server says is current there', () => {
    const whole = entry({ id: 'w', finding: 'sound', currentFor: ['whole', 'mesial', 'distal', 'buccal'] });
    const caries = entry({
      id: 'c',
      finding: 'caries',
      currentFor: ['occlusal', 'lingual'],
    });
    const by = surfaceEntries([whole, caries]);
    expect(Object.fromEntries(Object.entries(by).map(([s, e]) => [s, e?.id]))).toEqual({
      mesial: 'w',
      distal: 'w',
      buccal: 'w',
      occlusal: 'c',
      lingual: 'c',
    });
    expect(isMissing([whole, caries])).toBe(false);
    const gone = entry({ finding: 'missing', currentFor: ['whole', ...SURFACES] });
    expect(isMissing([gone])).toBe(true);
  });
});
