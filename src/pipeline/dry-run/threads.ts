/**
 * The render threads of a parallel dry-run (worker.ts), started as early as the run is known to want them:
 * the CLI starts them before it loads the write command's modules (a thread takes 100 to 150 ms to load its
 * own, which then overlaps the main thread's loading instead of delaying the first block it is given).
 * A thread started early waits, unref'd (it never holds the process open), until the pool adopts it or the
 * run decides against it and stops it.
 */
import { Worker } from 'node:worker_threads';
import { dryRunWorkers, workersAsked } from './fit.js';
import type { WorkerAnswer } from './worker.js';

/** A render thread, and what it said before the pool listened: that it is ready, or why it stopped. */
export class RenderThread {
  /** Unref'd until a pool adopts it (parallel.ts), which stops it when the run ends. */
  readonly worker = new Worker(new URL('./worker.js', import.meta.url));
  ready = false;
  /** Its first error, or its end (an 'error' no one listens to would throw in the main thread). */
  failure: Error | undefined;

  constructor() {
    this.worker.unref();
    this.worker.on('message', (answer: WorkerAnswer) => {
      if ('ready' in answer) this.ready = true;
    });
    this.worker.on('error', (err: Error) => (this.failure ??= err));
    this.worker.on('exit', (code) => (this.failure ??= new Error(`a dry-run worker stopped (exit code ${code})`)));
  }
}

/** What prestartRenderThreads decided for the input at `path` (no threads: the run stays in-thread), not yet taken. */
let early: { path: string; threads: RenderThread[] } | undefined;

/**
 * Starts the threads a dry-run of `path` will use (dryRunWorkers: none for stdin, a small or non-JSON-Lines
 * file, or when none is asked: one core, LARK_IM_WORKERS=0). A LARK_IM_WORKERS that cannot be read starts none:
 * the command says why.
 */
export async function prestartRenderThreads(path: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let asked: number;
  try {
    asked = workersAsked(env);
  } catch {
    return;
  }
  const count = await dryRunWorkers(path, asked).catch(() => 0);
  early = { path, threads: Array.from({ length: count }, () => new RenderThread()) };
}

/**
 * The render threads of a dry-run of `path` that may render in parallel, `asked` the LARK_IM_WORKERS read for it:
 * those started early for it (their number already decided, the file not read again), or as dryRunWorkers
 * decides now. None: the run renders in-thread.
 */
export async function renderThreads(path: string, asked: number): Promise<RenderThread[]> {
  if (early?.path === path) {
    const { threads } = early;
    early = undefined;
    return threads;
  }
  stopEarlyThreads();
  const count = await dryRunWorkers(path, asked);
  return Array.from({ length: count }, () => new RenderThread());
}

/** Stops the threads started early that no run took (the run stays in-thread). */
export function stopEarlyThreads(): void {
  for (const t of early?.threads ?? []) void t.worker.terminate();
  early = undefined;
}
