/**
 * The read stage: what the pipeline takes in. Records come one by one or in arrays (readRecordBatches of
 * src/input.ts: one async step per batch instead of per record); either way the writer walks them as batches.
 */
import type { InputRecord } from '../input.js';

/** What the writer reads: records, or arrays of records (batches), in input order. */
export type RecordSource =
  | AsyncIterable<InputRecord | readonly InputRecord[]>
  | Iterable<InputRecord | readonly InputRecord[]>;

/** One item of a RecordSource as a batch (a single record becomes a batch of one). */
export function asBatch(item: InputRecord | readonly InputRecord[]): readonly InputRecord[] {
  return Array.isArray(item) ? item : [item as InputRecord];
}
