/**
 * Whether a dry-run goes to parallel.ts, and with how many worker threads: 0 = the writer on the main thread.
 *
 * Opt-in (LARK_IM_WORKERS): a worker is a second V8 heap, about 14 MB of memory more (the million-record
 * dry-run: 85 to 89 MB against 71 to 74, docs/BENCHMARKS.md, 2026-12-04), which a machine of one core does not
 * need. And a worker pays for itself only on a large input (its start, ~30-100 ms, is the whole run of a small
 * one); only a file says how large it is before it is read, so stdin (a terminal, a pipe) stays in-thread.
 */
import { availableParallelism } from 'node:os';
import { open, stat } from 'node:fs/promises';
import { ConnectorError } from '../../core/errors.js';
import { toRecord } from '../../input.js';

/** Below this (about 25,000 records), a dry-run stays on the main thread. */
export const PARALLEL_MIN_BYTES = 4 * 1024 * 1024;
/** Enough of a file to find its first line in (a longer first line: the input stays in-thread). */
const HEAD_BYTES = 64 * 1024;
/** More threads than this only queue for the report's order. */
const MAX_WORKERS = 16;

/**
 * LARK_IM_WORKERS: how many worker threads render beside the main thread; `auto` = the cores but one (the
 * main thread renders too); unset, empty or 0 = none. Anything else is CONFIG_INVALID (the run does not start).
 */
export function workersAsked(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LARK_IM_WORKERS?.trim() ?? '';
  if (raw === '') return 0;
  if (raw === 'auto') return Math.min(MAX_WORKERS, availableParallelism() - 1);
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > MAX_WORKERS) {
    throw new ConnectorError({
      code: 'CONFIG_INVALID',
      retryable: false,
      message: `LARK_IM_WORKERS must be a whole number from 0 to ${MAX_WORKERS}, or auto (got ${JSON.stringify(raw)})`,
    });
  }
  return n;
}

/** The worker threads for a dry-run of `path` (`asked` of workersAsked): 0 for stdin, a small file, or one that is not JSON Lines. */
export async function dryRunWorkers(path: string, asked: number): Promise<number> {
  if (asked === 0 || path === '-') return 0;
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile() || info.size < PARALLEL_MIN_BYTES) return 0;
  return (await startsAsJsonLines(path)) ? asked : 0;
}

/**
 * Whether readRecordBatches would read the file as JSON Lines: its first non-blank line is JSON, or is not
 * the start of a pretty-printed array or object. Undefined lines (the first one longer than HEAD_BYTES): no.
 */
async function startsAsJsonLines(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.allocUnsafe(HEAD_BYTES);
    const { bytesRead } = await file.read(head, 0, HEAD_BYTES, 0);
    let start = 0;
    for (;;) {
      const end = head.indexOf(0x0a, start);
      if (end < 0 || end >= bytesRead) return false;
      const text = head.toString('utf8', start, end).trim();
      if (text !== '') return !(toRecord(1, text).parseError !== undefined && (text.startsWith('[') || text.startsWith('{')));
      start = end + 1;
    }
  } finally {
    await file.close();
  }
}
