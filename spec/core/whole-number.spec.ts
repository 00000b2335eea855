import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { numericText, wholeNumber } from '../../src/core/whole-number.js';

const errorOf = (schema: z.ZodType, value: unknown): string | undefined => schema.safeParse(value).error?.issues[0]?.message;

describe('whole-number options', () => {
  it('digits given as text become numbers; other text is left for the schema to refuse', () => {
    expect(numericText(' 1500 ')).toBe(1500);
    expect(numericText('1.5')).toBe('1.5');
    expect(numericText(7)).toBe(7);
  });
  it('words its errors by unit, with the range', () => {
    const ms = z.preprocess(numericText, wholeNumber({ min: 1000, max: 5000, unit: 'ms' }));
    expect(ms.parse('2000')).toBe(2000);
    expect(errorOf(ms, 'soon')).toBe('must be a number of milliseconds');
    expect(errorOf(ms, 1000.5)).toBe('must be a whole number of milliseconds');
    expect(errorOf(ms, 999)).toBe('must be at least 1000 ms');
    expect(errorOf(ms, 5001)).toBe('must be at most 5000 ms');
    const days = wholeNumber({ min: 1, max: 365, unit: 'days' });
    expect(errorOf(days, 0)).toBe('must be at least 1 day');
    expect(errorOf(days, 366)).toBe('must be at most 365 days');
    const count = wholeNumber({ min: 1, max: 50 });
    expect(errorOf(count, 51)).toBe('must be at most 50');
    const lookback = wholeNumber({ min: 0, max: 86_400_000, unit: 'ms', minError: 'must be 0 (no edit sweep) or more ms', maxNote: '(a day)' });
    expect(errorOf(lookback, -1)).toBe('must be 0 (no edit sweep) or more ms');
    expect(errorOf(lookback, 86_400_001)).toBe('must be at most 86400000 ms (a day)');
  });
});
