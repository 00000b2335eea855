/**
 * The zod field of the required-string rule (required-string.ts), for the config and form options: apart from
 * the rule because the record path checks content with the rule alone, and a dry-run's worker threads load
 * that path without zod.
 */
import { z } from 'zod';
import { requiredStringProblem } from './required-string.js';

export function requiredString(what: string): z.ZodString {
  const error = (iss: { input: unknown }): string | undefined => requiredStringProblem(iss.input, what);
  return z.string({ error }).min(1, { error });
}
