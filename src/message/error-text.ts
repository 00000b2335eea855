/**
 * How a bad record is told to the user: its issues become one ValidationError line (at most a few issues,
 * the first one's path as the field), and a key that is a misspelling of a missing body key is named first.
 */
import { ValidationError } from '../core/errors.js';
import { nearestName } from '../core/nearest-name.js';
import type { Issue } from './issue.js';

/** Issues listed in one error message; more than this is noise. */
const MAX_ISSUES_IN_MESSAGE = 3;

/** A short, one-line rendering of a bad value for an error message. */
export function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** ['content', 'zh_cn', 'content', 0, 1] -> "content.zh_cn.content[0][1]". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** One line: "field: why | field: why | (and N more)"; CONTENT_TOO_LARGE when one issue is the size. */
export function issuesError(issues: readonly Issue[]): ValidationError {
  const first = issues[0];
  const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((i) => {
    const f = formatPath(i.path);
    return `${f === '' ? '(body)' : f}: ${i.message}`;
  });
  if (issues.length > MAX_ISSUES_IN_MESSAGE) shown.push(`(and ${issues.length - MAX_ISSUES_IN_MESSAGE} more)`);
  const field = first ? formatPath(first.path) : undefined;
  return new ValidationError({
    code: issues.some((i) => i.tooLarge) ? 'CONTENT_TOO_LARGE' : 'MESSAGE_INVALID',
    message: shown.join(' | ').replace(/[\r\n]+/g, ' '),
    ...(field ? { field } : {}),
  });
}

/**
 * A record that failed validation and has a key that is a misspelling of a body key it lacks
 * ("contenttype" for contentType) names that first: it is the likely cause of the error that follows.
 */
export function withMisspeltKeys(
  value: Record<string, unknown>,
  bodyKeys: readonly string[],
  error: ValidationError,
): ValidationError {
  const hints: string[] = [];
  for (const key of Object.keys(value)) {
    if (bodyKeys.includes(key)) continue;
    const near = nearestName(key, bodyKeys);
    if (near && !(near in value)) hints.push(`${key} is not a record key: did you mean ${near}?`);
  }
  if (hints.length === 0) return error;
  return new ValidationError({
    code: error.code,
    message: `${hints.join(' | ')} | ${error.message}`,
    ...(error.field !== undefined ? { field: error.field } : {}),
  });
}

/** The record as a whole cannot be a message (not an object, empty array, unreadable). */
export function inputInvalid(message: string): ValidationError {
  return new ValidationError({ code: 'INPUT_INVALID', message });
}
