/**
 * A dry-run's render worker (a worker_threads thread started by threads.ts): the run's setup, then blocks of
 * lines in, their report bytes out (render-block.ts), one at a time in the order they come. The bytes go back
 * transferred, not copied. It says `ready` once its modules are loaded, so that no block waits on its start.
 */
import '../../core/young-generation.js';
import { parentPort } from 'node:worker_threads';
import { BlockRenderer, type DryRunSetup, type RenderedBlock, type Spares } from './render-block.js';

/** main -> worker: a block of whole lines, and written buffers to reuse; all transferred. */
export interface BlockJob {
  seq: number;
  firstLine: number;
  bytes: Uint8Array;
  spares: Spares;
}

/** main -> worker: the setup first (the thread may have started before the run knew it), then jobs. */
export type WorkerRequest = { setup: DryRunSetup } | BlockJob;

/** worker -> main: `ready` first, then one answer per job, with the job's block buffer back for reuse. */
export type WorkerAnswer = { ready: true } | { seq: number; block: RenderedBlock; input: ArrayBuffer };

const port = parentPort!;
let renderer: BlockRenderer | undefined;
port.on('message', (request: WorkerRequest) => {
  if ('setup' in request) {
    renderer = new BlockRenderer(request.setup);
    return;
  }
  const job = request;
  if (renderer === undefined) throw new Error('a dry-run worker was given a block before its setup');
  const block = renderer.renderLines(job.bytes, job.firstLine, job.spares);
  const input = job.bytes.buffer as ArrayBuffer;
  const answer: WorkerAnswer = { seq: job.seq, block, input };
  const buffers = [block.bytes.buffer, block.uuidAt.buffer, block.hashes.buffer, input] as ArrayBuffer[];
  // A spare too small to be used is dropped here (it is not in the answer).
  port.postMessage(answer, [...new Set(buffers)]);
});
port.postMessage({ ready: true } satisfies WorkerAnswer);
