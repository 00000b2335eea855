import { readRecords } from '../input.js';
import { HttpError } from './http-util.js';
import type { InputRecord } from './types.js';

/**
 * Splits pasted/uploaded text into input records exactly as the CLI reads a file (JSON Lines or one JSON
 * array; positions kept so errors point at the right line). Never throws: a bad line is one bad record.
 */
export async function parseRecordsText(text: string): Promise<InputRecord[]> {
  const out: InputRecord[] = [];
  async function* one(): AsyncGenerator<string> {
    yield withoutBom(text);
  }
  for await (const r of readRecords(one())) out.push(r);
  return out;
}

/** The records text of a dry-run or send call's body. */
export function requireText(b: Record<string, unknown>): string {
  if (typeof b.text !== 'string') throw new HttpError(400, 'BAD_REQUEST', 'text (JSON Lines or a JSON array) is required');
  return b.text;
}

/** Pasted or uploaded text as the CLI would read it from a file (an editor's byte-order mark dropped). */
export function withoutBom(text: string): string {
  return text.replace(/^\uFEFF/, '');
}
