import { describe, expect, it } from 'vitest';
import { OccurrenceCounter, type UuidScheme } from '../../src/message/uuid.js';

/**
 * The counter's answers, from a plain Map: a fingerprint is a repeat when an earlier one agrees with it on
 * the scheme's bits (scheme 3: the low 32, 0 taken as 1; scheme 2: those and the high 20 modulo 65535); its
 * number counts the repeats of that very fingerprint.
 */
function reference(scheme: UuidScheme): (fp: number) => number {
  const seen = new Set<number>();
  const repeats = new Map<number, number>();
  return (fp) => {
    const lo = fp >>> 0;
    const key = scheme === 3 ? lo || 1 : ((((fp - lo) / 2 ** 32) % 0xffff) + 1) * 2 ** 32 + lo;
    if (!seen.has(key)) {
      seen.add(key);
      return 1;
    }
    const n = (repeats.get(fp) ?? 1) + 1;
    repeats.set(fp, n);
    return n;
  };
}

/** A fixed pseudo-random 52-bit fingerprint sequence (xorshift): the same in every run. */
function fingerprints(n: number, seed: number): number[] {
  let a = seed >>> 0 || 1;
  const next32 = () => {
    a ^= a << 13;
    a ^= a >>> 17;
    a ^= a << 5;
    return a >>> 0;
  };
  return Array.from({ length: n }, () => (next32() % 2 ** 20) * 2 ** 32 + next32());
}

describe('OccurrenceCounter (the uuid deriver\'s compact occurrence count)', () => {
  for (const scheme of [3, 2] as const) {
    it(`answers as a Map would over 200,000 fingerprints, a tenth of them repeats, through every widening (scheme ${scheme})`, () => {
      const fresh = fingerprints(180_000, 7 + scheme);
      const input = [...fresh];
      for (let i = 0; i < 20_000; i++) input.splice((i * 9) % input.length, 0, fresh[(i * 31) % fresh.length]!);
      const c = new OccurrenceCounter(scheme);
      const ref = reference(scheme);
      const got = input.map((fp) => c.next(fp));
      const want = input.map(ref);
      expect(got).toEqual(want);
      expect(got.filter((n) => n > 1).length).toBeGreaterThanOrEqual(20_000);
    });

    it(`keeps count of keys that all land in one bucket, past its width and after the table widens (scheme ${scheme})`, () => {
      const c = new OccurrenceCounter(scheme);
      const ref = reference(scheme);
      // 3,000 keys sharing their low 16 bits: one bucket, far more than its slots while the table is small.
      const crowded = Array.from({ length: 3000 }, (_, i) => (i % 7) * 2 ** 32 + i * 2 ** 16 + 5);
      const spread = fingerprints(300_000, 99);
      const run = [...crowded, ...spread, ...crowded, ...crowded.slice(0, 10)];
      expect(run.map((fp) => c.next(fp))).toEqual(run.map(ref));
      // The second pass found every crowded key (2), the third the first ten again (3).
      expect(c.next(crowded[0]!)).toBe(4);
    });
  }

  it('compares the low 32 bits under scheme 3 (0 counts as 1), 48 under scheme 2', () => {
    const three = new OccurrenceCounter(3);
    const two = new OccurrenceCounter(2);
    const a = 5 * 2 ** 32 + 123;
    const b = 6 * 2 ** 32 + 123; // the same low 32 bits
    expect([three.next(a), three.next(b), three.next(b)]).toEqual([1, 2, 3]);
    expect([two.next(a), two.next(b), two.next(b)]).toEqual([1, 1, 2]);
    expect([three.next(0), three.next(1)]).toEqual([1, 2]);
    expect(three.next(2 ** 52 - 1)).toBe(1);
    expect(three.next(2 ** 52 - 1)).toBe(2);
  });
});
