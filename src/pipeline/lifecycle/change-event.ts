/**
 * Change events on the way in: a record may be a plain value (an insert), TapData's
 * `{"op": "i"|"u"|"d", "after": {...}, "before": {...}}`, or Debezium's `{"op": "c"|"r"|"u"|"d", "before",
 * "after"}`, also wrapped in `{"payload": {...}}` (Kafka Connect's envelope). A value is an event only when
 * it has an `op` string and an `after` or `before` member, so a message body with a field named op stays a
 * message body.
 */
import { isRecord } from '../../core/is-record.js';

export type ChangeOp = 'insert' | 'update' | 'delete';

export interface ChangeEvent {
  op: ChangeOp;
  /** The row after the change (insert, update). */
  after?: unknown;
  /** The row before it (update, delete); a delete's key is read from it. */
  before?: unknown;
}

/** TapData's and Debezium's op letters ('r' is a snapshot read: an insert). */
const OPS: Readonly<Record<string, ChangeOp>> = { i: 'insert', c: 'insert', r: 'insert', u: 'update', d: 'delete' };

/** The event a value is, undefined for a plain value, or the reason it is a broken event. */
export function changeEventOf(value: unknown): ChangeEvent | { error: string } | undefined {
  if (!isRecord(value)) return undefined;
  const inner = isRecord(value.payload) && 'op' in value.payload ? value.payload : value;
  if (typeof inner.op !== 'string' || !('after' in inner || 'before' in inner)) return undefined;
  const op = OPS[inner.op];
  if (!op) return { error: `unknown change event op ${JSON.stringify(inner.op)} (expected i, u, d or Debezium's c, r, u, d)` };
  const after = inner.after ?? undefined;
  const before = inner.before ?? undefined;
  if (op !== 'delete' && after === undefined) return { error: `a change event with op ${JSON.stringify(inner.op)} needs "after" (the row)` };
  if (op === 'delete' && before === undefined) return { error: 'a delete event needs "before" (the deleted row, at least its key)' };
  return { op, ...(after !== undefined ? { after } : {}), ...(before !== undefined ? { before } : {}) };
}

/** The record a change is about: the row after it, or before it for a delete. */
export function rowOf(event: ChangeEvent): unknown {
  return event.op === 'delete' ? event.before : event.after;
}
