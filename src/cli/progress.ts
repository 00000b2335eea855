/**
 * Progress while a write runs: on a terminal a line redrawn a few times a second; elsewhere (CI, a
 * platform's log, nohup) one plain line every ~10 s, so a long run is never silent. The ETA comes from
 * Lark's quota (1000/min and 50/s per app, 5/s per receiver), which binds long before the burst rate of
 * the first seconds says.
 */
import type { MessageOutcome, RunSummary } from '../pipeline/report/outcome.js';
import { counted } from '../core/counted.js';

/** Lark's send limits the ETA is computed from (src/lark/pacer.ts paces by the same). */
export const SEND_QUOTA = { perSecond: 50, perMinute: 1000, perReceiverPerSecond: 5 } as const;

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
  private readonly started: number;
  private readonly now: () => number;
  private readonly tty: boolean;
  /** Requests Lark answered, per second of the last minute (what its minute window holds). */
  private readonly sentPerSecond = new Map<number, number>();
  /** Messages per receiver among the records read, for the per-receiver limit. */
  private readonly receivers = new Map<string, number>();
  private receiversSeen = 0;
  private topReceiver = 0;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.lastPlain = this.started;
    this.tty = Boolean(options.stream.isTTY);
  }

  /** A receiver about to be sent to (the CLI peeks at records as they are read). */
  noteReceiver(receiveId: string): void {
    const n = (this.receivers.get(receiveId) ?? 0) + 1;
    this.receivers.set(receiveId, n);
    this.receiversSeen += 1;
    if (n > this.topReceiver) this.topReceiver = n;
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
    const changed = outcome.status === 'edited' || outcome.status === 'replaced' || outcome.status === 'recalled';
    const reachedLark =
      ((outcome.status === 'delivered' || changed) && !outcome.resumed) || (outcome.status === 'failed' && outcome.error.logId !== undefined);
    // tick() reads the clock itself: a dry-run off a terminal asks it once per message, not twice.
    if (!reachedLark && !this.tty) {
      this.tick();
      return;
    }
    const now = this.now();
    if (reachedLark) this.countSent(now);
    if (this.tty) {
      if (now - this.lastDraw < (this.options.intervalMs ?? 200)) return;
      this.lastDraw = now;
      this.options.stream.write(`\r${this.line(now, true)}\x1b[K`);
    } else {
      this.tick();
    }
  }

  /** Not a terminal: prints a plain line when one is due (also called by a timer, so a stalled run shows). */
  tick(): void {
    if (this.tty) return;
    const now = this.now();
    if (now - this.lastPlain < (this.options.plainEveryMs ?? 10_000)) return;
    this.lastPlain = now;
    this.options.stream.write(`lark-im: progress: ${this.line(now, false)}\n`);
  }

  /** Clears the terminal line so the summary that follows starts clean. */
  finish(): void {
    if (this.tty && this.lastDraw > 0) this.options.stream.write('\r\x1b[K');
  }

  private countSent(now: number): void {
    const second = Math.floor(now / 1000);
    this.sentPerSecond.set(second, (this.sentPerSecond.get(second) ?? 0) + 1);
    if (this.sentPerSecond.size > 70) {
      for (const s of this.sentPerSecond.keys()) if (s <= second - 60) this.sentPerSecond.delete(s);
    }
  }

  private line(now: number, bar: boolean): string {
    const c = this.counts;
    const total = this.options.total;
    const elapsedMs = now - this.started;
    const rate = c.messages / Math.max(elapsedMs / 1000, 0.001);
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
    parts.push(`${rate.toFixed(1)} msg/s`);
    const eta = this.etaMs(now, rate);
    if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
    return prefix + parts.join(', ');
  }

  /** Time left: the slowest of Lark's quota for what is left and (after the first minute) the pace so far. */
  private etaMs(now: number, rate: number): number | undefined {
    const { total } = this.options;
    const c = this.counts;
    if (total === undefined || c.records === 0 || c.records >= total) return undefined;
    const remaining = Math.ceil((total - c.records) * (c.messages / c.records));
    const byRate = rate > 0 ? (remaining / rate) * 1000 : Infinity;
    if (this.options.dryRun) return Number.isFinite(byRate) ? byRate : undefined;
    const topShare = this.receiversSeen > 0 ? this.topReceiver / this.receiversSeen : 0;
    const byReceiver = ((remaining * topShare) / SEND_QUOTA.perReceiverPerSecond) * 1000;
    const byQuota = quotaTimeMs(remaining, this.sentPerSecond, Math.floor(now / 1000));
    const eta = Math.max(byQuota, byReceiver, now - this.started >= 60_000 ? byRate : 0);
    return Number.isFinite(eta) ? eta : undefined;
  }
}

/**
 * How long `remaining` sends take under 50/s and a sliding 1000/min window, given the sends of the last
 * minute (per second): the window's free room goes at 50/s, then each second frees what was sent 60 s
 * before it. After two simulated minutes the pace is exactly 1000/min, so the rest is closed-form.
 */
export function quotaTimeMs(remaining: number, sentPerSecond: ReadonlyMap<number, number>, nowSecond: number): number {
  const { perSecond, perMinute } = SEND_QUOTA;
  const window: number[] = [];
  for (let s = nowSecond - 59; s <= nowSecond; s++) window.push(sentPerSecond.get(s) ?? 0);
  let inWindow = window.reduce((a, b) => a + b, 0);
  let left = remaining;
  let seconds = 0;
  while (left > 0 && seconds < 120) {
    seconds += 1;
    inWindow -= window.shift() ?? 0;
    const send = Math.min(left, perSecond, Math.max(0, perMinute - inWindow));
    window.push(send);
    inWindow += send;
    left -= send;
  }
  return (seconds + (left * 60) / perMinute) * 1000;
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
