/**
 * Progress while a write runs: on a terminal a line redrawn a few times a second; elsewhere (CI, a
 * platform's log, nohup) one plain line every ~10 s, so a long run is never silent. The ETA is
 * src/pipeline/report/eta.ts's, from Lark's quota (the console's progress shows the same one); while Lark gives
 * no answer, "Lark unreachable for 12 s, retrying" stands in its place (reachability.ts), redrawn every tick.
 */
import type { MessageOutcome, RunSummary } from '../pipeline/report/outcome.js';
import { SendEta } from '../pipeline/report/eta.js';
import { unreachableText, type Reachability } from '../pipeline/report/reachability.js';
import { counted } from '../core/counted.js';

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** Records in the input, when known (a file; not stdin). */
  total?: number;
  now?: () => number;
  /** Terminal: least time between two redraws. */
  intervalMs?: number;
  /** Not a terminal: time between two plain lines. */
  plainEveryMs?: number;
  /** A dry-run sends nothing: no quota in the ETA. */
  dryRun?: boolean;
  /** Whether Lark answers (from the client's events): while it does not, the line says so instead of an ETA. */
  reachability?: Reachability;
}

/** Counts of a run so far, for the progress line and the summary. */
export interface ProgressCounts {
  records: number;
  messages: number;
  delivered: number;
  /** Delivered by an earlier run (the state file), not sent now. */
  resumed: number;
  failed: number;
  /** The run stopped before it got to them. */
  notSent: number;
}

export class ProgressBar {
  readonly counts: ProgressCounts = { records: 0, messages: 0, delivered: 0, resumed: 0, failed: 0, notSent: 0 };
  private lastDraw = 0;
  private lastPlain: number;
  private readonly now: () => number;
  private readonly tty: boolean;
  private readonly eta: SendEta;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.eta = new SendEta(this.now, options.dryRun ?? false);
    this.lastPlain = this.now();
    this.tty = Boolean(options.stream.isTTY);
  }

  /** A receiver about to be sent to (the CLI peeks at records as they are read). */
  noteReceiver(receiveId: string): void {
    this.eta.noteReceiver(receiveId);
  }

  update(outcome: MessageOutcome): void {
    const c = this.counts;
    c.messages += 1;
    if (outcome.index === 0) c.records += 1;
    if (outcome.status === 'failed') c.failed += 1;
    if (outcome.status === 'not_sent') c.notSent += 1;
    if (outcome.status === 'delivered') {
      c.delivered += 1;
      if (outcome.resumed) c.resumed += 1;
    }
    this.eta.noteOutcome(outcome);
    this.moved();
  }

  /** A dry-run's block of outcomes at once (the parallel dry-run has counts, not outcome objects). */
  updateBlock(block: { records: number; messages: number; failed: number }): void {
    const c = this.counts;
    c.records += block.records;
    c.messages += block.messages;
    c.failed += block.failed;
    this.eta.noteSettled(block.messages);
    this.moved();
  }

  /** The counts moved: a plain line when one is due, or the terminal's line redrawn at most every intervalMs. */
  private moved(): void {
    // tick() reads the clock itself: a dry-run off a terminal asks it once per message, not twice.
    if (!this.tty) {
      this.tick();
      return;
    }
    const now = this.now();
    if (now - this.lastDraw < (this.options.intervalMs ?? 200)) return;
    this.lastDraw = now;
    this.options.stream.write(`\r${this.line(now, true)}\x1b[K`);
  }

  /**
   * Called by a timer, so a stalled run shows. Not a terminal: a plain line when one is due. A terminal: the
   * line redrawn while Lark gives no answer (its seconds count up; nothing else moves then).
   */
  tick(): void {
    const now = this.now();
    if (this.tty) {
      if (this.options.reachability?.unreachableMs(now) === undefined) return;
      this.lastDraw = now;
      this.options.stream.write(`\r${this.line(now, true)}\x1b[K`);
      return;
    }
    if (now - this.lastPlain < (this.options.plainEveryMs ?? 10_000)) return;
    this.lastPlain = now;
    this.options.stream.write(`lark-im: progress: ${this.line(now, false)}\n`);
  }

  /** Clears the terminal line so the summary that follows starts clean. */
  finish(): void {
    if (this.tty && this.lastDraw > 0) this.options.stream.write('\r\x1b[K');
  }

  private line(now: number, bar: boolean): string {
    const c = this.counts;
    const total = this.options.total;
    const parts = [total !== undefined ? `${c.records}/${total} records` : `${c.records} records`];
    let prefix = '';
    if (bar && total !== undefined && total > 0) {
      const width = 24;
      const filled = Math.min(width, Math.round((c.records / total) * width));
      prefix = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `;
    }
    const label = this.options.dryRun ? 'checked' : 'delivered';
    parts.push(c.resumed > 0 ? `${c.delivered} ${label} (${c.resumed} resumed)` : `${this.options.dryRun ? c.messages - c.failed : c.delivered} ${label}`);
    parts.push(`${c.failed} failed`);
    if (c.notSent > 0) parts.push(`${c.notSent} not sent`);
    parts.push(`${this.eta.rate(now).toFixed(1)} msg/s`);
    const unreachable = this.options.reachability?.unreachableMs(now);
    const eta = unreachable === undefined ? this.etaMs(now) : undefined;
    if (unreachable !== undefined) parts.push(unreachableText(unreachable));
    else if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
    return prefix + parts.join(', ');
  }

  /** The input counts records: the messages left are the records left at the run's messages per record. */
  private etaMs(now: number): number | undefined {
    const { total } = this.options;
    const c = this.counts;
    if (total === undefined || c.records === 0 || c.records >= total) return undefined;
    return this.eta.estimate(Math.ceil((total - c.records) * (c.messages / c.records)), now)?.ms;
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s - m * 60)}s`;
}

/**
 * The one-line summary every write prints, whatever the flags. `resumed`: delivered by an earlier run.
 * "not sent" shows only when some were (a stop): they are neither delivered nor failed.
 */
export function summaryLine(summary: RunSummary, dryRun: boolean, resumed = 0): string {
  const delivered = resumed > 0 ? `${summary.delivered} delivered (${resumed} resumed from the state file, ${summary.delivered - resumed} sent now)` : `${summary.delivered} delivered`;
  const notSent = summary.notSent > 0 ? `, ${summary.notSent} not sent` : '';
  const of = `of ${counted(summary.total, 'message')}`;
  // A record's later life (edits, replacements, recalls): named only when the run had any.
  const changes = (['edited', 'replaced', 'recalled'] as const).flatMap((k) => (summary[k] > 0 ? [`${summary[k]} ${k}`] : []));
  const head = dryRun
    ? `dry-run: ${summary.valid} valid, ${summary.failed} invalid, ${summary.skipped} skipped ${of}`
    : `${[delivered, ...changes].join(', ')}, ${summary.failed} failed${notSent}, ${summary.skipped} skipped ${of}`;
  const tail = summary.interrupted ? ' (interrupted: the rest of the input was not read)' : '';
  return `${head} in ${formatDuration(summary.durationMs)}${tail}`;
}
