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

/** Threads started by prestartRenderThreads for the input at `path`, not yet adopted. */
let early: { path: string; threads: RenderThread[] } | undefined;

/**
 * Starts the threads a dry-run of `path` will use (dryRunWorkers: none for stdin, a small or non-JSON-Lines
 * file, or LARK_IM_WORKERS unset). A LARK_IM_WORKERS that cannot be read starts none: the command says why.
 */
export async function prestartRenderThreads(path: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let asked: number;
  try {
    asked = workersAsked(env);
  } catch {
    return;
  }
  const count = await dryRunWorkers(path, asked).catch(() => 0);
  if (count === 0) return;
  early = { path, threads: Array.from({ length: count }, () => new RenderThread()) };
}

/**
 * `count` render threads for a dry-run of `path`: those started early for it, then new ones. Any other thread
 * started early is stopped (also when count is 0: the run renders in-thread).
 */
export function renderThreads(path: string, count: number): RenderThread[] {
  const mine = early?.path === path ? early.threads : [];
  const others = early?.path === path ? [] : (early?.threads ?? []);
  early = undefined;
  for (const t of [...others, ...mine.slice(count)]) void t.worker.terminate();
  const threads = mine.slice(0, count);
  while (threads.length < count) threads.push(new RenderThread());
  return threads;
}
