import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dni, prng, syntheticPatient } from '../src/cli/synthetic.js';
import {
  ageOn,
  digitsOf,
  foldText,
  likeEscape,
  nameSearchOf,
  normalizeDocument,
  patientNumberOf,
  sortKeyOf,
} from '../src/modules/patients/normalize.js';
import { PatientInput } from '../src/modules/patients/patients.schemas.js';

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe('foldText', () => {
  it('drops accents, the tilde of ñ, the diaeresis and the cedilla, and lowers the case', () => {
    expect(foldText('José  Ñúñez')).toBe('jose nunez');
    expect(foldText('ÁLVARO IBÁÑEZ')).toBe('alvaro ibanez');
    expect(foldText('Agüero Çelik')).toBe('aguero celik');
    expect(foldText('Íñigo Quiñones')).toBe('inigo quinones');
  });

  it('folds composed and decomposed spellings of the same name alike', () => {
    const composed = 'Mu\u00f1oz'; // ñ as one code point
    const decomposed = 'Mun\u0303oz'; // n + combining tilde
    expect(composed).not.toBe(decomposed);
    expect(foldText(composed)).toBe(foldText(decomposed));
    expect(foldText(decomposed)).toBe('munoz');
  });

  it('collapses runs of spaces, tabs and line breaks and trims the ends', () => {
    expect(foldText('  María\t\tJosé \n García  ')).toBe('maria jose garcia');
    expect(foldText('   ')).toBe('');
  });

  it('is idempotent and leaves no upper case, marks or doubled spaces', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const once = foldText(s);
        expect(foldText(once)).toBe(once);
        expect(once).toBe(once.trim());
        expect(once).not.toMatch(/\s{2}/);
        expect(once).not.toMatch(/\p{M}/u);
        expect(once).not.toMatch(/[A-Z]/);
      }),
      { numRuns: 500 },
    );
  });

  it('makes accents and case irrelevant for Spanish names', () => {
    const names = ['María', 'José', 'Ángela', 'Íñigo', 'Begoña', 'Óscar', 'Zoé', 'Núñez', 'Echeverría'];
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.boolean(), (name, upper) => {
        const plain = name.normalize('NFD').replace(/\p{M}/gu, '');
        expect(foldText(upper ? name.toUpperCase() : name)).toBe(plain.toLowerCase());
      }),
    );
  });

  it('builds the name search text and the sort key (surname first) from it', () => {
    expect(nameSearchOf('María José', 'Echeverría  Gil')).toBe('maria jose echeverria gil');
    expect(sortKeyOf('María José', 'Echeverría Gil')).toBe('echeverria gil maria jose');
  });
});

describe('normalizeDocument', () => {
  it('ignores case, spaces, dots and dashes', () => {
    expect(normalizeDocument('12.345.678-z')).toBe('12345678Z');
    expect(normalizeDocument(' 12 345 678 Z ')).toBe('12345678Z');
    expect(normalizeDocument('x-1234567-l')).toBe('X1234567L');
  });

  it('keeps letters and digits as they are (apart from case)', () => {
    expect(normalizeDocument('AB123456')).toBe('AB123456');
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        expect(normalizeDocument(normalizeDocument(s))).toBe(normalizeDocument(s));
      }),
    );
  });
});

describe('digitsOf', () => {
  it('keeps only the digits of a phone number', () => {
    expect(digitsOf('+34 (611) 222-333')).toBe('34611222333');
  });
});

describe('likeEscape', () => {
  it('escapes the LIKE wildcards and the escape character itself', () => {
    expect(likeEscape('50%')).toBe('50\\%');
    expect(likeEscape('a_b')).toBe('a\\_b');
    expect(likeEscape('back\\slash')).toBe('back\\\\slash');
    expect(likeEscape('100%_\\')).toBe('100\\%\\_\\\\');
  });

  it('leaves ordinary text alone', () => {
    expect(likeEscape('García López 611')).toBe('García López 611');
  });

  it('turns any text into a pattern that matches exactly that text', () => {
    // A LIKE matcher with backslash escapes, as PostgreSQL applies it by default.
    const likeToRegExp = (pattern: string) => {
      let re = '';
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i] as string;
        if (c === '\\') re += (pattern[++i] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        else if (c === '%') re += '[\\s\\S]*';
        else if (c === '_') re += '[\\s\\S]';
        else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      }
      return new RegExp(`^${re}$`, 'u');
    };
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (text, other) => {
        const pattern = likeToRegExp(likeEscape(text));
        expect(pattern.test(text)).toBe(true);
        if (other !== text) expect(pattern.test(other)).toBe(false);
      }),
    );
  });
});

describe('ageOn', () => {
  it('counts a year only once the birthday has come', () => {
    expect(ageOn('1990-04-12', day('2026-04-11'))).toBe(35);
    expect(ageOn('1990-04-12', day('2026-04-12'))).toBe(36);
    expect(ageOn('1990-04-12', day('2026-04-13'))).toBe(36);
    expect(ageOn('1990-12-31', day('2026-01-01'))).toBe(35);
    expect(ageOn('1990-01-01', day('2026-12-31'))).toBe(36);
  });

  it('is 0 on the day of birth and before the first birthday', () => {
    expect(ageOn('2026-11-22', day('2026-11-22'))).toBe(0);
    expect(ageOn('2025-11-23', day('2026-11-22'))).toBe(0);
    expect(ageOn('2025-11-22', day('2026-11-22'))).toBe(1);
  });

  it('lets someone born on 29 February turn a year older on 1 March in common years', () => {
    expect(ageOn('2000-02-29', day('2001-02-28'))).toBe(0);
    expect(ageOn('2000-02-29', day('2001-03-01'))).toBe(1);
    expect(ageOn('2000-02-29', day('2004-02-28'))).toBe(3);
    expect(ageOn('2000-02-29', day('2004-02-29'))).toBe(4);
    expect(ageOn('2000-02-29', day('2026-02-28'))).toBe(25);
    expect(ageOn('2000-02-29', day('2026-03-01'))).toBe(26);
  });

  it('reads today in UTC, whatever the time zone of the instant', () => {
    // 23:30 on 11 April at UTC-2 is already 12 April in UTC.
    expect(ageOn('1990-04-12', new Date('2026-04-11T23:30:00-02:00'))).toBe(36);
    expect(ageOn('1990-04-12', new Date('2026-04-11T23:59:59Z'))).toBe(35);
  });

  it('never decreases as time passes', () => {
    const dates = fc
      .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(dates, fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 0, max: 400 }), (birth, from, step) => {
        const t1 = new Date(day(birth).getTime() + from * 86_400_000);
        const t2 = new Date(t1.getTime() + step * 86_400_000);
        expect(ageOn(birth, t2)).toBeGreaterThanOrEqual(ageOn(birth, t1));
        expect(ageOn(birth, t1)).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe('patientNumberOf', () => {
  it('pads to five digits', () => {
    expect(patientNumberOf(1)).toBe('PT00001');
    expect(patientNumberOf(42)).toBe('PT00042');
    expect(patientNumberOf(99_999)).toBe('PT99999');
  });

  it('grows past five digits instead of wrapping or cutting', () => {
    expect(patientNumberOf(100_000)).toBe('PT100000');
    expect(patientNumberOf(1_234_567)).toBe('PT1234567');
  });

  it('keeps different patients apart', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 10_000_000 }), (a, b) => {
        expect(patientNumberOf(a) === patientNumberOf(b)).toBe(a === b);
        expect(Number(patientNumberOf(a).slice(2))).toBe(a);
      }),
    );
  });
});

describe('synthetic patients', () => {
  it('gives a DNI the check letter the Spanish rule gives it', () => {
    expect(dni(12_345_678)).toBe('12345678Z');
    expect(dni(0)).toBe('00000000T');
    expect(dni(99_999_999)).toBe('99999999R');
    expect(dni(40_000_000)).toBe('40000000X');
    expect(dni(1)).toBe('00000001R');
  });

  it('always answers eight digits and a letter, never I, Ñ, O or U', () => {
    fc.assert(
      fc.property(fc.nat(), (n) => {
        expect(dni(n)).toMatch(/^\d{8}[A-HJ-NP-TV-Z]$/);
      }),
    );
  });

  it('prng: the same seed gives the same numbers, another seed others', () => {
    const a = prng(20_260_101);
    const b = prng(20_260_101);
    const c = prng(20_260_102);
    const seqA = Array.from({ length: 20 }, () => a.next());
    const seqB = Array.from({ length: 20 }, () => b.next());
    const seqC = Array.from({ length: 20 }, () => c.next());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
    for (const x of seqA) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('prng: int stays within its bounds and reaches both ends', () => {
    const r = prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) {
      const n = r.int(1, 6);
      expect(Number.isInteger(n)).toBe(true);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(6);
      seen.add(n);
    }
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('makes the same patient from the same seed and serial', () => {
    expect(syntheticPatient(prng(99), 40_000_000)).toEqual(syntheticPatient(prng(99), 40_000_000));
    expect(syntheticPatient(prng(99), 40_000_000).documentNumber).toBe('40000000X');
  });

  it('makes patients that pass the API validation unchanged (bulk import skips it)', () => {
    const rand = prng(2026);
    for (let i = 0; i < 500; i++) {
      const p = syntheticPatient(rand, 10_000_000 + i);
      const parsed = PatientInput.safeParse(p);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(parsed.data).toEqual(p);
    }
  });

  it('uses realistic Spanish names: two surnames, accents and ñ among them', () => {
    const rand = prng(1);
    const people = Array.from({ length: 300 }, (_, i) => syntheticPatient(rand, i));
    for (const p of people) expect(p.lastName.split(' ')).toHaveLength(2);
    const all = people.map((p) => `${p.firstName} ${p.lastName}`).join(' ');
    expect(all).toMatch(/[áéíóú]/i);
    expect(all).toMatch(/ñ/i);
    expect(new Set(people.map((p) => p.sex))).toEqual(new Set(['female', 'male']));
    // E-mail addresses are plain ASCII even when the name is not.
    for (const p of people) expect(p.email).toMatch(/^[a-z0-9.]+@example\.com$/);
  });
});
