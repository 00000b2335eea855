/**
 * A large dry-run on several threads: the input is cut into blocks of whole lines, each block is rendered
 * (render-block.ts) on a worker thread or, when every worker has its fill, on the main thread, and the blocks'
 * report bytes are written in input order. The main thread keeps what depends on order: the occurrence
 * counts of the derived uuids (a repeat's uuid is put in place before its block is written), the records
 * left to the writer (media sources), the counts, the report's backpressure and the stop signal. The report
 * is the writer's, byte for byte (spec/cli/dry-run-workers.spec.ts compares them).
 *
 * Memory stays bounded: at most WORKER_DEPTH blocks wait at each worker, and the reading pauses while
 * maxPending blocks are read and not yet written (one slow worker holds back the report, never more input).
 * Blocks go to the workers transferred, not copied, and their bytes come back the same way.
 *
 * Only for a JSON Lines input (the format readRecordBatches decides by the first line: the caller checks it,
 * see fit.ts) and a dry-run whose records have no key (keyed events depend on the key map, in order).
 */
import { INPUT_READ_BYTES, MAX_LINE_BYTES, overlongMessage, toRecord, type InputRecord } from '../../input.js';
import { repeatUuid, UuidDeriver } from '../../message/uuid.js';
import { emptySummary, type RunSummary } from '../report/outcome.js';
import { BlockRenderer, type BlockCounts, type DryRunSetup, type RenderedBlock, type Spares } from './render-block.js';
import type { BlockJob, WorkerAnswer, WorkerRequest } from './worker.js';
import type { RenderThread } from './threads.js';

/**
 * Blocks queued at one worker: one being rendered and two waiting, so that it still has one while the main thread
 * renders a block itself (with 2 it idled 7 to 10% of its time; with 3 the medians of five 8-to-10-run series
 * were the same or up to 11% lower, peaks within a MB: docs/BENCHMARKS.md, 2026-12-04).
 */
const WORKER_DEPTH = 3;
/**
 * Blocks the main thread may render ahead of the oldest unwritten one, beyond those queued at the workers: with 2,
 * it waited 60 to 260 ms of a 3 s run for a worker's block; with 4 the million-record dry-run's median time was
 * 4 to 14% lower in three series of 8 runs, at 1 to 1.5 MB more (docs/BENCHMARKS.md, 2026-12-04).
 */
const AHEAD = 4;

export interface ParallelDryRunOptions {
  setup: DryRunSetup;
  /** Render threads (threads.ts) beside the main thread, which renders too when they are all busy. */
  threads: readonly RenderThread[];
  /** The input's pieces (openInput). */
  input: AsyncIterable<Buffer | string>;
  /**
   * Appends encoded report lines; a returned promise is awaited (the report's backpressure). `written`, when
   * the report calls it, says the bytes are on their way and their buffer may be reused.
   */
  writeReport(bytes: Uint8Array, written?: () => void): Promise<void> | undefined;
  /**
   * A record left to the writer (its content names media sources, which its dry-run fetches and checks): run
   * it with these uuids (their counts are the run's) and hand its outcomes to the report; its summary is added.
   */
  runDeferred(record: InputRecord, uuids: UuidDeriver): Promise<RunSummary>;
  /** After each block is written: what it held (progress). */
  onBlock?(counts: BlockCounts): void;
  /** Aborted: no more input is read; what was read is rendered and reported (the summary says interrupted). */
  signal?: AbortSignal;
}

export async function parallelDryRun(o: ParallelDryRunOptions): Promise<RunSummary> {
  const started = Date.now();
  const summary = emptySummary();
  const uuids = new UuidDeriver();
  const inline = new BlockRenderer(o.setup);
  const pool = new WorkerPool(o.threads, o.setup);
  const buffers = new SpareBuffers(o.threads.length * WORKER_DEPTH + 4);
  /** Blocks read and not yet written, at most: beyond, the reading waits for the workers. */
  const maxPending = o.threads.length * WORKER_DEPTH + AHEAD;
  const rendered = new Map<number, RenderedBlock>();
  let nextSeq = 0;
  let nextToWrite = 0;
  let lineNo = 0;

  const submit = (bytes: Buffer, firstLine: number): void => {
    const seq = nextSeq++;
    const job: BlockJob = { seq, firstLine, bytes, spares: buffers.spares() };
    if (pool.post(job)) return;
    rendered.set(seq, inline.renderLines(bytes, firstLine, job.spares));
    buffers.input(bytes.buffer as ArrayBuffer);
  };
  const submitRecords = (records: InputRecord[]): void => {
    rendered.set(nextSeq++, inline.renderRecords(records));
  };

  /** Writes every block whose turn has come. */
  const writeReady = async (): Promise<void> => {
    for (const answer of pool.takeAnswers()) {
      rendered.set(answer.seq, answer.block);
      buffers.input(answer.input);
    }
    for (;;) {
      const block = rendered.get(nextToWrite);
      if (block === undefined) return;
      rendered.delete(nextToWrite);
      nextToWrite += 1;
      await writeBlock(block);
    }
  };

  const writeBlock = async (block: RenderedBlock): Promise<void> => {
    const bytes = Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
    let from = 0;
    let uuid = 0;
    for (const d of block.deferred) {
      uuid = countUuids(bytes, block, uuid, d.uuidsBefore);
      await o.writeReport(bytes.subarray(from, d.at));
      from = d.at;
      addSummary(summary, await o.runDeferred(toRecord(d.line, d.text), uuids));
    }
    countUuids(bytes, block, uuid, block.uuidAt.length);
    buffers.places(block.uuidAt.buffer as ArrayBuffer);
    summary.total += block.messages;
    summary.valid += block.valid;
    summary.failed += block.failed;
    summary.skipped += block.skipped;
    o.onBlock?.(block);
    const wait = o.writeReport(bytes.subarray(from), () => buffers.bytes(bytes.buffer as ArrayBuffer));
    if (wait !== undefined) await wait;
  };

  /** The occurrence counts of uuids [from, to) of a block, in order; a repeat's uuid is written in place. */
  const countUuids = (bytes: Buffer, block: RenderedBlock, from: number, to: number): number => {
    for (let k = from; k < to; k++) {
      const occurrence = uuids.occurrence(block.fingerprints[k]!);
      if (occurrence === 1) continue;
      const at = block.uuidAt[k]!;
      const hashes = block.hashes;
      const idHash = Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength).toString('latin1', k * 64, k * 64 + 64);
      bytes.write(repeatUuid(idHash, occurrence), at, 'latin1');
    }
    return to;
  };

  try {
    const carry = new Carry();
    for await (const item of o.input) {
      if (o.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      const piece = typeof item === 'string' ? Buffer.from(item, 'utf8') : item;
      const last = piece.lastIndexOf(0x0a);
      if (last < 0) {
        carry.add(piece, 0);
        continue;
      }
      let from = 0;
      if (carry.overlong || carry.bytes + piece.indexOf(0x0a) > MAX_LINE_BYTES) {
        // The line that started in an earlier piece is too long to be a record: one failure names it.
        const first = piece.indexOf(0x0a);
        lineNo += 1;
        submitRecords([{ line: lineNo, parseError: overlongMessage(lineNo, carry.bytes + first) }]);
        carry.clear();
        from = first + 1;
      }
      // The piece is valid only until the next is read (FileChunks): the block is a copy, its own buffer.
      const block = carry.join(piece, from, last + 1, buffers.input());
      carry.clear();
      carry.add(piece, last + 1);
      if (block.length > 0) {
        const firstLine = lineNo + 1;
        lineNo += newlines(block);
        submit(block, firstLine);
      }
      await writeReady();
      while (nextSeq - nextToWrite >= maxPending) {
        await pool.answered();
        await writeReady();
      }
    }
    if (!summary.interrupted) {
      if (carry.overlong) submitRecords([{ line: lineNo + 1, parseError: overlongMessage(lineNo + 1, carry.bytes) }]);
      else if (carry.bytes > 0) submit(carry.join(Buffer.alloc(0), 0, 0), lineNo + 1);
    }
    await writeReady();
    while (nextToWrite < nextSeq) {
      await pool.answered();
      await writeReady();
    }
  } finally {
    await pool.close();
  }
  summary.durationMs = Date.now() - started;
  return summary;
}

function addSummary(into: RunSummary, s: RunSummary): void {
  for (const k of ['total', 'delivered', 'edited', 'replaced', 'recalled', 'failed', 'notSent', 'skipped', 'valid'] as const) {
    into[k] += s[k];
  }
}

function newlines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) n += 1;
  return n;
}

/** The bytes of a line that started in an earlier piece (copied: the piece's buffer is reused). */
class Carry {
  private parts: Buffer[] = [];
  bytes = 0;
  overlong = false;

  add(piece: Buffer, from: number): void {
    if (from >= piece.length) return;
    this.bytes += piece.length - from;
    if (this.bytes > MAX_LINE_BYTES) {
      this.overlong = true;
      this.parts = [];
    } else if (!this.overlong) {
      this.parts.push(Buffer.from(piece.subarray(from)));
    }
  }

  /** The carried bytes and piece[from, to) in one buffer of its own (transferable): `spare` when it is large enough. */
  join(piece: Buffer, from: number, to: number, spare?: ArrayBuffer): Buffer {
    const size = this.bytes + to - from;
    const block = spare && spare.byteLength >= size ? Buffer.from(spare, 0, size) : Buffer.allocUnsafeSlow(size);
    let at = 0;
    for (const part of this.parts) at += part.copy(block, at);
    piece.copy(block, at, from, to);
    return block;
  }

  clear(): void {
    this.parts = [];
    this.bytes = 0;
    this.overlong = false;
  }
}

/** A block buffer: a read piece and the line it ends inside (the rest of which is usually far shorter). */
const INPUT_BUFFER_BYTES = INPUT_READ_BYTES + 32 * 1024;

/**
 * Buffers written and read, for the next blocks: a new one per block left each waiting for a garbage
 * collection (10 to 20 MB of RSS). input() / bytes() / places() with a buffer gives it back; input() without
 * one takes one, spares() takes what there is of the others.
 */
class SpareBuffers {
  private readonly inputs: ArrayBuffer[] = [];
  private readonly outputs: ArrayBuffer[] = [];
  private readonly placeLists: ArrayBuffer[] = [];

  constructor(private readonly keep: number) {}

  spares(): Spares {
    const bytes = this.outputs.pop();
    const places = this.placeLists.pop();
    return { ...(bytes ? { bytes } : {}), ...(places ? { places } : {}) };
  }

  bytes(back: ArrayBuffer): void {
    if (this.outputs.length < this.keep) this.outputs.push(back);
  }

  places(back: ArrayBuffer): void {
    if (this.placeLists.length < this.keep) this.placeLists.push(back);
  }

  input(): ArrayBuffer;
  input(back: ArrayBuffer): undefined;
  input(back?: ArrayBuffer): ArrayBuffer | undefined {
    if (back === undefined) return this.inputs.pop() ?? new ArrayBuffer(INPUT_BUFFER_BYTES);
    if (back.byteLength === INPUT_BUFFER_BYTES && this.inputs.length < this.keep) this.inputs.push(back);
    return undefined;
  }
}

interface PoolWorker {
  thread: RenderThread;
  queued: number;
}

/** The render workers: a block goes to the least busy ready one, or nowhere (the main thread renders it). */
class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private answers: Array<{ seq: number; block: RenderedBlock; input: ArrayBuffer }> = [];
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(threads: readonly RenderThread[], setup: DryRunSetup) {
    for (const t of threads) {
      // A thread started early may have stopped before it was adopted.
      this.failure ??= t.failure;
      const thread = t.worker;
      thread.ref();
      thread.postMessage({ setup } satisfies WorkerRequest);
      const w: PoolWorker = { thread: t, queued: 0 };
      thread.on('message', (answer: WorkerAnswer) => {
        if (!('ready' in answer)) {
          w.queued -= 1;
          this.answers.push(answer);
        }
        this.notify();
      });
      thread.on('error', (err: Error) => {
        this.failure ??= err;
        this.notify();
      });
      thread.on('exit', (code) => {
        if (w.queued > 0) this.failure ??= new Error(`a dry-run worker stopped (exit code ${code}) with blocks to render`);
        this.notify();
      });
      this.workers.push(w);
    }
  }

  /** Hands the block to a worker; false when none is ready with room (the caller renders it). */
  post(job: BlockJob): boolean {
    let best: PoolWorker | undefined;
    for (const w of this.workers) if (w.thread.ready && w.queued < WORKER_DEPTH && (!best || w.queued < best.queued)) best = w;
    if (!best) return false;
    best.queued += 1;
    const { bytes, places } = job.spares;
    best.thread.worker.postMessage(job, [job.bytes.buffer as ArrayBuffer, ...(bytes ? [bytes] : []), ...(places ? [places] : [])]);
    return true;
  }

  /** The blocks rendered since the last call. */
  takeAnswers(): Array<{ seq: number; block: RenderedBlock; input: ArrayBuffer }> {
    if (this.failure) throw this.failure;
    const answers = this.answers;
    this.answers = [];
    return answers;
  }

  /** Resolves at the next answer (or failure) of any worker. */
  answered(): Promise<void> {
    if (this.answers.length > 0 || this.failure) return Promise.resolve();
    return new Promise((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.thread.worker.terminate()));
  }
}
