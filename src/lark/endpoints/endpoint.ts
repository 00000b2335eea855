/**
 * What an endpoint is to the attempt engine: the request it makes from typed arguments, the pacer windows it
 * spends, and how its code-0 answer becomes a typed result (or a LARK_API_ERROR when fields are missing).
 */
import { LarkError } from '../errors.js';
import type { LarkRequest, LarkResponse } from '../http.js';

/** The pacer an endpoint's requests queue on; none: unpaced (connection tests, the receiver picker). */
export type PacerName = 'send' | 'lookup' | 'list' | 'edit' | 'update_card' | 'recall' | 'upload';

export interface Endpoint<A, R> {
  /** Named in retry events and malformed-answer errors. */
  op: string;
  pacer?: PacerName;
  /** The key whose per-receiver window the request spends (send: the receive_id; a change: the message id). */
  receiver?(args: A): string;
  request(args: A): LarkRequest;
  parse(res: LarkResponse, args: A): R;
}

/** The `data` of a Lark list answer. */
export interface ListData {
  items?: unknown;
  has_more?: unknown;
  page_token?: unknown;
}

export function malformed(op: string, logId: string | undefined): LarkError {
  return new LarkError({
    code: 'LARK_API_ERROR',
    message: `${op}: Lark answered code 0 but the response lacks the expected fields${logId ? ` [log id: ${logId}]` : ''}`,
    logId,
  });
}

/** The next page's token of a Lark list answer; an empty string means none, as a missing one does. */
export function pageTokenOf(data: { page_token?: unknown }): string | undefined {
  return typeof data.page_token === 'string' && data.page_token !== '' ? data.page_token : undefined;
}

/** The `data` object of an answer, when it is one. */
export function dataOf<T extends object>(res: LarkResponse): (T & Record<string, unknown>) | undefined {
  const data = res.body['data'];
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as T & Record<string, unknown>) : undefined;
}
