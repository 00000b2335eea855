/**
 * Imported first by each entry (the CLI's main, a dry-run worker): keeps V8's young generation small (1 MB
 * semi-spaces) in this thread. A CLI run allocates fast and keeps little, and a large young generation is
 * RSS for no gain in time (the million-record dry-run: docs/BENCHMARKS.md). The growth factor takes effect
 * only if it comes before the thread's other modules load, hence a module of its own, imported first.
 *
 * On the main thread that is not enough: while the CLI's modules load, most of what they allocate survives,
 * and V8 grows the young generation regardless (to 8 MB; a worker's stays at 2 to 4). --optimize-for-size
 * makes V8's next incremental major GC one that reduces memory, which shrinks the young generation back to
 * its first size; once that happened (or after SHRINK_WAIT_MS) the flag goes off again, as it also steers
 * code generation.
 * V8 flags are the process's: a worker leaves them to the main thread (a worker started meanwhile gets
 * 1 MB semi-spaces from the start).
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

/** The young generation at its first size: two 1 MB semi-spaces (V8 reports a little more). */
const SMALL_BYTES = 2.5 * 1024 * 1024;
/** How long the main thread waits for that major GC at most (a short run may not need one). */
const SHRINK_WAIT_MS = 2000;

setFlagsFromString('--semi-space-growth-factor=1');
if (isMainThread) shrinkAfterLoading();

function shrinkAfterLoading(): void {
  setFlagsFromString('--optimize-for-size');
  const done = (): void => {
    setFlagsFromString('--no-optimize-for-size');
    gcs.disconnect();
    clearTimeout(deadline);
  };
  const gcs = new PerformanceObserver((list) => {
    const major = list.getEntries().some((e) => gcKind(e) === constants.NODE_PERFORMANCE_GC_MAJOR);
    if (major && youngGenerationBytes() <= SMALL_BYTES) done();
  });
  gcs.observe({ entryTypes: ['gc'] });
  const deadline = setTimeout(done, SHRINK_WAIT_MS);
  deadline.unref();
}

/** A gc entry's kind (its `detail`, which Node's types leave out of PerformanceEntry). */
function gcKind(entry: PerformanceEntry): number | undefined {
  const detail: unknown = (entry as { detail?: unknown }).detail;
  return typeof detail === 'object' && detail !== null && 'kind' in detail && typeof detail.kind === 'number' ? detail.kind : undefined;
}

function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}
