/**
 * The per-message report: JSON Lines, one line per message in input order. Written as a stream with
 * backpressure so a long run never buffers the whole report in memory.
 *
 * Lines are gathered into chunks of about 64 KB: a write call per line is a libuv request per line, and
 * the main thread idles waiting for them. A chunk that is not full is still written within FLUSH_DELAY_MS, so
 * a slow run (real sends at the quota) shows each line promptly, in a write per few lines rather than per line.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { MessageOutcome } from './outcome.js';
import { ValidOutcome } from '../render.js';

/** Lines are encoded into chunks of this many bytes, and each full chunk is one write. */
const CHUNK_BYTES = 64 * 1024;
/**
 * A report file's stream buffers up to this much before write() asks to wait. With the default (16 KB)
 * every 64 KB chunk would ask, and the run would stop until that chunk is on disk: compute and I/O would
 * never overlap.
 */
const FILE_HIGH_WATER_MARK = 4 * CHUNK_BYTES;
/** Written chunks kept for reuse (the stream holds at most about FILE_HIGH_WATER_MARK / CHUNK_BYTES + 1). */
const SPARE_CHUNKS = 8;
/**
 * A chunk that is not full goes out this long after its first line: soon enough to watch a run, and at the send
 * quota (50 lines a second) one write (a libuv request and its callbacks) per ten lines instead of per line.
 */
export const FLUSH_DELAY_MS = 200;
/** Upper bound of the UTF-8 bytes of one UTF-16 code unit. */
const MAX_BYTES_PER_CHAR = 3;

/** The report line of one outcome: position, status, and the one field that explains it. */
export function reportLine(outcome: MessageOutcome): string {
  // The writer's dry-run outcomes write their own line: the same bytes, about 25% cheaper.
  if (outcome instanceof ValidOutcome) {
    const line = outcome.reportLine();
    if (line !== undefined) return line;
  }
  return JSON.stringify(outcome) + '\n';
}

/**
 * Resolves when the stream can take more, or can take nothing ever again (its reader closed a pipe:
 * the command hears of that through its own 'error' listener): 'drain' alone would wait forever.
 */
function drained(out: Writable): Promise<void> {
  if (out.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      out.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    out.on('drain', done).on('close', done).on('error', done);
  });
}

export class ReportWriter {
  /**
   * Lines are encoded straight into a Buffer, not joined into a string: a 64 KB string being built (or
   * queued in the stream) survives young-generation GCs, and enough survivors make V8 double the young
   * generation (RSS). A line string is garbage as soon as it is copied.
   */
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  /**
   * Chunks the file stream has written, for reuse: a fresh 64 KB Buffer per chunk left megabytes of
   * written chunks waiting for the GC to free them. Only for a file the writer opened: a stream given to
   * to() (a PassThrough, say) may call back before its reader has seen the bytes.
   */
  private readonly spare: Buffer[] = [];
  private readonly release = (chunk: Buffer) => (): void => {
    if (this.spare.length < SPARE_CHUNKS) this.spare.push(chunk);
  };
  private flushTimer: NodeJS.Timeout | undefined;
  /** A write error of a file the writer opened (a full disk, say): it fails the run. */
  failure: Error | undefined;

  private constructor(
    private readonly out: Writable,
    private readonly ownsStream: boolean,
  ) {
    // A stream given to us (stdout) reports its errors to its owner (the CLI's OutputGuard); ours fail the run.
    if (ownsStream) out.on('error', (err: Error) => (this.failure ??= err));
  }

  /** '-' is standard output; anything else a file, created or truncated. Fails before the run starts. */
  static async open(path: string): Promise<ReportWriter> {
    if (path === '-') return new ReportWriter(process.stdout, false);
    const stream: WriteStream = createWriteStream(path, { highWaterMark: FILE_HIGH_WATER_MARK });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return new ReportWriter(stream, true);
  }

  static to(stream: Writable): ReportWriter {
    return new ReportWriter(stream, false);
  }

  /** Resolves at once unless the stream's buffer is full, then when it drains. */
  async write(outcome: MessageOutcome): Promise<void> {
    await this.add(outcome);
  }

  /**
   * write() without a promise per line: undefined unless the stream's buffer is full, then a promise
   * that resolves when it drains (await it: that is the backpressure that keeps memory flat).
   */
  add(outcome: MessageOutcome): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    const line = reportLine(outcome);
    const room = line.length * MAX_BYTES_PER_CHAR;
    let full = true;
    if (this.used + room > CHUNK_BYTES) full = this.flush();
    if (room > CHUNK_BYTES) {
      if (!this.out.destroyed) full = this.out.write(Buffer.from(line, 'utf8')) && full;
    } else {
      this.used += this.chunk.write(line, this.used, 'utf8');
      this.flushTimer ??= setTimeout(this.flushSoon, FLUSH_DELAY_MS);
    }
    return full ? undefined : this.whenDrained();
  }

  /**
   * Report lines already encoded (a parallel dry-run's blocks), after what add() gathered: one write. Like
   * add(), undefined unless the stream asks to wait. The bytes must not change until they are written:
   * `written` says when, for a file the writer opened (a stream given to it may hold them longer: never called).
   */
  addEncoded(bytes: Uint8Array, written?: () => void): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    let full = this.flush();
    if (bytes.length > 0 && !this.out.destroyed) {
      full = (this.ownsStream && written ? this.out.write(bytes, () => written()) : this.out.write(bytes)) && full;
    }
    return full ? undefined : this.whenDrained();
  }

  /** The backpressure of add() and addEncoded(): the stream drained, or the write failure that came meanwhile. */
  private whenDrained(): Promise<void> {
    return drained(this.out).then(() => (this.failure ? Promise.reject(this.failure) : undefined));
  }

  /** A chunk that is not full goes out FLUSH_DELAY_MS after its first line, so a slow run's lines show promptly. */
  private readonly flushSoon = (): void => {
    this.flushTimer = undefined;
    // The result is not awaited here: the next add() that fills a chunk (or close) waits for 'drain'.
    this.flush();
  };

  /** Hands the chunk to the stream; false when the stream asks to wait for 'drain'. */
  private flush(): boolean {
    if (this.used === 0) return true;
    const chunk = this.chunk;
    const bytes = chunk.subarray(0, this.used);
    // Another chunk: the stream holds this one until it is written, then gives it back.
    this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    // A destroyed stream (a closed pipe) takes nothing more: the lines are dropped, not queued.
    if (this.out.destroyed) return true;
    return this.ownsStream ? this.out.write(bytes, this.release(chunk)) : this.out.write(bytes);
  }

  /** Writes what is buffered; ends the stream when the writer opened it (a file), not standard output. */
  async close(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.flush()) await drained(this.out);
    if (!this.ownsStream) return;
    // A failed stream is destroyed before its 'error' is emitted: wait for 'close', which comes after it.
    if (this.out.destroyed && !(this.out as Writable & { closed?: boolean }).closed) await new Promise((resolve) => this.out.once('close', resolve));
    if (this.failure) throw this.failure;
    if (this.out.destroyed) return;
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve()))).catch((err: Error) => {
      this.failure ??= err;
    });
    if (this.failure) throw this.failure;
  }
}
