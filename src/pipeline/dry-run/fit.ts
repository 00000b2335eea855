/**
 * Whether a dry-run goes to parallel.ts, and with how many worker threads: 0 = the writer on the main thread.
 *
 * One worker by default where two cores or more are usable, none on one: a worker is a second V8 heap, about
 * 14 MB of memory more (the million-record dry-run: 86 to 89 MB against 71 to 74, docs/BENCHMARKS.md,
 * 2026-12-04), for about twice the records/s on two cores. LARK_IM_WORKERS sets another number (0: none).
 * And a worker pays for itself only on a large input (its start, ~30-100 ms, is the whole run of a small
 * one); only a file says how large it is before it is read, so stdin (a terminal, a pipe) stays in-thread.
 */
import { readFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { ConnectorError } from '../../core/errors.js';
import { toRecord } from '../../input.js';

/** Below this (about 25,000 records), a dry-run stays on the main thread. */
export const PARALLEL_MIN_BYTES = 4 * 1024 * 1024;
/** Enough of a file to find its first line in (a longer first line: the input stays in-thread). */
const HEAD_BYTES = 64 * 1024;
/** More threads than this only queue for the report's order. */
const MAX_WORKERS = 16;

/**
 * LARK_IM_WORKERS: how many worker threads render beside the main thread; `auto` = the usable cores but one (the
 * main thread renders too); 0 = none; unset or empty = one where two cores or more are usable, else none.
 * Anything else is CONFIG_INVALID (the run does not start).
 */
export function workersAsked(env: NodeJS.ProcessEnv = process.env, cores: () => number = usableCores): number {
  const raw = env.LARK_IM_WORKERS?.trim() ?? '';
  if (raw === '') return cores() >= 2 ? 1 : 0;
  if (raw === 'auto') return Math.min(MAX_WORKERS, cores() - 1);
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

/** Reads a small system file; undefined when it is not there or cannot be read. */
export type SystemFileReader = (path: string) => string | undefined;

const readSystemFile: SystemFileReader = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * The cores this process may use: the CPUs it may run on (availableParallelism), fewer under a CPU quota (a
 * container's `--cpus`, which the CPU count does not show), rounded down, at least 1.
 */
export function usableCores(read: SystemFileReader = readSystemFile, cpus: number = availableParallelism()): number {
  const quota = cpuQuota(read);
  return quota === undefined ? cpus : Math.max(1, Math.min(cpus, Math.floor(quota)));
}

/**
 * The cgroup's CPU quota in cores: cgroup v2's cpu.max ("max 100000": none; "150000 100000": 1.5), else v1's
 * cfs_quota_us / cfs_period_us (-1: none). Undefined without one, or when the files say nothing readable.
 */
export function cpuQuota(read: SystemFileReader): number | undefined {
  const v2 = read('/sys/fs/cgroup/cpu.max');
  const [quota, period] = v2 !== undefined
    ? v2.trim().split(/\s+/)
    : [read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')?.trim(), read('/sys/fs/cgroup/cpu/cpu.cfs_period_us')?.trim()];
  const q = Number(quota);
  const p = Number(period);
  return Number.isFinite(q) && q > 0 && Number.isFinite(p) && p > 0 ? q / p : undefined;
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
