/**
 * The one rule for a required, non-empty string field, in the words every check uses: "is required",
 * "must be a string, got number", "must not be empty", each followed by what the field is. The message
 * names the kind of a bad value, never the value (a secret pasted into the wrong field must not leak).
 */
import { kindOf } from './kind-of.js';

/** Why v is not a non-empty string, or undefined when it is one. */
export function requiredStringProblem(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return `is required (${what})`;
  if (typeof v !== 'string') return `must be a string, got ${kindOf(v)} (${what})`;
  if (v === '') return `must not be empty (${what})`;
  return undefined;
}
