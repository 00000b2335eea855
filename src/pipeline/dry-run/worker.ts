/**
 * A dry-run's render worker (a worker_threads thread started by parallel.ts): blocks of lines in, their
 * report bytes out (render-block.ts), one at a time in the order they come. The bytes go back transferred,
 * not copied. It says `ready` once its modules are loaded, so that no block waits on its start.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BlockRenderer, type DryRunSetup, type RenderedBlock } from './render-block.js';

/** main -> worker: a block of whole lines; its buffer is transferred. */
export interface BlockJob {
  seq: number;
  firstLine: number;
  bytes: Uint8Array;
}

/** worker -> main: `ready` first, then one answer per job. */
export type WorkerAnswer = { ready: true } | { seq: number; block: RenderedBlock };

const port = parentPort!;
const renderer = new BlockRenderer(workerData as DryRunSetup);
port.on('message', (job: BlockJob) => {
  const block = renderer.renderLines(job.bytes, job.firstLine);
  const answer: WorkerAnswer = { seq: job.seq, block };
  port.postMessage(answer, [block.bytes.buffer as ArrayBuffer, block.uuidAt.buffer as ArrayBuffer, block.hashes.buffer as ArrayBuffer]);
});
port.postMessage({ ready: true } satisfies WorkerAnswer);
