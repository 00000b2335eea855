/**
 * The per-message report: JSON Lines, one line per message in input order. Written as a stream with
 * backpressure so a long run never buffers the whole report in memory.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { MessageOutcome } from './outcome.js';

/** The report line of one outcome: position, status, and the one field that explains it. */
export function reportLine(outcome: MessageOutcome): string {
  return JSON.stringify(outcome) + '\n';
}

export class ReportWriter {
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
    if (!this.out.write(reportLine(outcome))) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    if (!this.ownsStream) return;
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}
