/**
 * A one-line progress display for a terminal: records done (of total when known), rate and ETA. Redraws
 * at most a few times a second so it costs nothing on a fast run; prints nothing when not on a TTY.
 */
import type { MessageOutcome, RunSummary } from '../target/outcome.js';

export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  total?: number;
  now?: () => number;
  intervalMs?: number;
}

export class ProgressBar {
  private records = 0;
  private messages = 0;
  private failed = 0;
  private lastDraw = 0;
  private readonly started: number;
  private readonly now: () => number;
  private readonly enabled: boolean;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.enabled = Boolean(options.stream.isTTY);
  }

  update(outcome: MessageOutcome): void {
    this.messages += 1;
    if (outcome.index === 0) this.records += 1;
    if (outcome.status === 'failed') this.failed += 1;
    if (!this.enabled) return;
    const now = this.now();
    if (now - this.lastDraw < (this.options.intervalMs ?? 200)) return;
    this.lastDraw = now;
    this.options.stream.write(`\r${formatProgress(this.records, this.options.total, this.messages, this.failed, now - this.started)}\x1b[K`);
  }

  /** Clears the line so the summary that follows starts clean. */
  finish(): void {
    if (this.enabled && this.lastDraw > 0) this.options.stream.write('\r\x1b[K');
  }
}

export function formatProgress(records: number, total: number | undefined, messages: number, failed: number, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs / 1000, 0.001);
  const rate = records / seconds;
  const parts = [total !== undefined ? `${records}/${total} records` : `${records} records`];
  if (total !== undefined && total > 0) {
    const width = 24;
    const filled = Math.min(width, Math.round((records / total) * width));
    parts.unshift(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`);
  }
  parts.push(`${messages} messages`, `${failed} failed`, `${rate.toFixed(1)} rec/s`);
  if (total !== undefined && rate > 0 && records < total) parts.push(`ETA ${formatDuration(((total - records) / rate) * 1000)}`);
  return parts.join('  ');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s - m * 60)}s`;
}

/** The one-line summary every write prints, whatever the flags. */
export function summaryLine(summary: RunSummary, dryRun: boolean): string {
  const head = dryRun
    ? `dry-run: ${summary.valid} valid, ${summary.failed} invalid, ${summary.skipped} skipped of ${summary.total} messages`
    : `${summary.delivered} delivered, ${summary.failed} failed, ${summary.skipped} skipped of ${summary.total} messages`;
  const tail = summary.interrupted ? ' (interrupted: the rest of the input was not read)' : '';
  return `${head} in ${formatDuration(summary.durationMs)}${tail}`;
}
