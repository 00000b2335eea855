/**
 * The one rule for a required, non-empty string field, in the words every check uses: "is required",
 * "must be a string, got number", "must not be empty", each followed by what the field is. The message
 * names the kind of a bad value, never the value (a secret pasted into the wrong field must not leak).
 */
import { z } from 'zod';

/** "null", "array", or typeof: how an error message names a value's kind. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Why v is not a non-empty string, or undefined when it is one. */
export function requiredStringProblem(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return `is required (${what})`;
  if (typeof v !== 'string') return `must be a string, got ${kindOf(v)} (${what})`;
  if (v === '') return `must not be empty (${what})`;
  return undefined;
}

/** The zod field for the same rule (config and form options). */
export function requiredString(what: string): z.ZodString {
  const error = (iss: { input: unknown }): string | undefined => requiredStringProblem(iss.input, what);
  return z.string({ error }).min(1, { error });
}
