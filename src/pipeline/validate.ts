/**
 * The validate stage: the drafts of one record (from the transform stage) -> one result per message, a
 * valid MessageBody or the error that fails it. A draft that already carries an error fails with it.
 */
import { parseMessageBody, type ParseResult } from '../message/schema.js';
import { ValidationError, type ConnectorError } from '../core/errors.js';
import type { Draft } from './transform/index.js';

export type Validated = ParseResult | { ok: false; error: ConnectorError };

/**
 * A record that yields one draft is the record itself: a non-object there is named as the record's mistake
 * (an empty array, or neither an object nor an array); each draft of several is one element.
 */
export function validateDrafts(drafts: readonly Draft[]): Validated[] {
  if (drafts.length === 0) return [{ ok: false, error: inputInvalid('record: the transform made no message of it') }];
  if (drafts.length === 1) {
    const only = drafts[0]!;
    if (only.error !== undefined) return [{ ok: false, error: only.error }];
    const problem = wholeRecordProblem(only.body);
    return [problem ? { ok: false, error: problem } : parseMessageBody(only.body)];
  }
  return drafts.map((d): Validated => (d.error !== undefined ? { ok: false, error: d.error } : parseMessageBody(d.body)));
}

function wholeRecordProblem(body: unknown): ValidationError | undefined {
  if (Array.isArray(body)) {
    return inputInvalid(body.length === 0 ? 'record: empty array: no message' : 'record: expected a message object, got a nested array');
  }
  if (body === null || typeof body !== 'object') {
    return inputInvalid(`record: expected a message object or an array of them, got ${body === null ? 'null' : typeof body}`);
  }
  return undefined;
}

function inputInvalid(message: string): ValidationError {
  return new ValidationError({ code: 'INPUT_INVALID', message });
}
