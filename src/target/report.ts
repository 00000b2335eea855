/**
 * The per-message report: JSON Lines, one line per message in input order. Written as a stream with
 * backpressure so a long run never buffers the whole report in memory.
 *
 * Lines are gathered into chunks of about 64 KB: one write call per line cost about a tenth of a
 * million-record dry run (each write is a libuv request, and the main thread idled waiting for them).
 * A chunk that is not full is still written on the next turn of the event loop, so a slow run (real
 * sends at the quota) shows its lines as promptly as before.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { MessageOutcome } from './outcome.js';

/** Lines are handed to the stream in chunks of about this many characters. */
const CHUNK_CHARS = 64 * 1024;

/** The report line of one outcome: position, status, and the one field that explains it. */
export function reportLine(outcome: MessageOutcome): string {
  return JSON.stringify(outcome) + '\n';
}

export class ReportWriter {
  private buffer = '';
  private flushScheduled = false;

  private constructor(
    private readonly out: Writable,
    private readonly ownsStream: boolean,
  ) {}

  /** '-' is standard output; anything else a file, created or truncated. Fails before the run starts. */
  static async open(path: string): Promise<ReportWriter> {
    if (path === '-') return new ReportWriter(process.stdout, false);
    const stream: WriteStream = createWriteStream(path);
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
    this.buffer += reportLine(outcome);
    if (this.buffer.length >= CHUNK_CHARS) return this.flush();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
    }
    return undefined;
  }

  private readonly flushSoon = (): void => {
    this.flushScheduled = false;
    if (this.buffer === '') return;
    // The return value is not awaited here: the next add() that fills a chunk (or close) waits for 'drain'.
    this.out.write(this.buffer);
    this.buffer = '';
  };

  private flush(): Promise<void> | undefined {
    if (this.buffer === '') return undefined;
    const chunk = this.buffer;
    this.buffer = '';
    if (this.out.write(chunk)) return undefined;
    return once(this.out, 'drain').then(() => undefined);
  }

  /** Writes what is buffered; ends the stream when the writer opened it (a file), not standard output. */
  async close(): Promise<void> {
    await this.flush();
    if (!this.ownsStream) return;
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}
