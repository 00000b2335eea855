/** Whole-number options (timeouts, intervals, counts, days) with one wording of their errors. */
import { z } from 'zod';

/** Forms and the environment give numbers as strings: digits become a number, anything else is left for the schema. */
export function numericText(value: unknown): unknown {
  return typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
}

export interface WholeNumberRule {
  min: number;
  max?: number;
  /** How the errors name the number: "a number of milliseconds", "at least 1 day". */
  unit?: 'ms' | 'days';
  /** In place of "must be at least <min>", when the minimum means something of its own. */
  minError?: string;
  /** Added to "must be at most <max>", e.g. "(a day)". */
  maxNote?: string;
}

const UNIT_NAME = { ms: ' of milliseconds', days: ' of days' } as const;

function amount(n: number, unit: WholeNumberRule['unit']): string {
  if (unit === 'ms') return `${n} ms`;
  if (unit === 'days') return `${n} ${n === 1 ? 'day' : 'days'}`;
  return String(n);
}

/** A whole number in [min, max]; add .default() or .optional() and wrap in z.preprocess(numericText, ...). */
export function wholeNumber(rule: WholeNumberRule): z.ZodNumber {
  const of = rule.unit ? UNIT_NAME[rule.unit] : '';
  let schema = z
    .number({ error: `must be a number${of}` })
    .int({ error: `must be a whole number${of}` })
    .min(rule.min, { error: rule.minError ?? `must be at least ${amount(rule.min, rule.unit)}` });
  if (rule.max !== undefined) {
    const note = rule.maxNote ? ` ${rule.maxNote}` : '';
    schema = schema.max(rule.max, { error: `must be at most ${amount(rule.max, rule.unit)}${note}` });
  }
  return schema;
}
