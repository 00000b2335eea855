/**
 * How long the rest of a send takes. Lark's quota, the one the send pacer keeps to (src/lark/pacer.ts: 50/s and
 * 1000/min per app, 5/s per receiver), binds long before the burst rate of the first seconds says: 300 messages
 * to one user take a minute whatever the first second looked like. The CLI's progress line and the console's
 * progress both show this estimate.
 */
import { DEFAULT_PACING } from '../../lark/pacer.js';
import type { MessageOutcome } from './outcome.js';

/** Lark's send limits, as the send pacer paces by them. */
export const SEND_QUOTA = {
  perSecond: DEFAULT_PACING.appPerSecond,
  perMinute: DEFAULT_PACING.appPerMinute,
  perReceiverPerSecond: DEFAULT_PACING.perReceiverPerSecond,
} as const;

/** What binds the estimate: one receiver's 5/s, the app's 50/s + 1000/min, or the pace so far. */
export type EtaBound = 'receiver' | 'app' | 'pace';

export interface Eta {
  ms: number;
  bound: EtaBound;
}

export class SendEta {
  /** Messages settled so far (any outcome). */
  messages = 0;
  private readonly started: number;
  /** Requests Lark answered, per second of the last minute (what its minute window holds). */
  private readonly sentPerSecond = new Map<number, number>();
  /** Messages per receiver among those to send, for the per-receiver limit. */
  private readonly receivers = new Map<string, number>();
  private receiversSeen = 0;
  private topReceiver = 0;

  constructor(
    private readonly now: () => number = Date.now,
    /** A dry-run sends nothing: only the pace so far counts. */
    private readonly dryRun = false,
  ) {
    this.started = now();
  }

  /** A receiver about to be sent to. */
  noteReceiver(receiveId: string): void {
    const n = (this.receivers.get(receiveId) ?? 0) + 1;
    this.receivers.set(receiveId, n);
    this.receiversSeen += 1;
    if (n > this.topReceiver) this.topReceiver = n;
  }

  noteOutcome(outcome: MessageOutcome): void {
    this.messages += 1;
    const changed = outcome.status === 'edited' || outcome.status === 'replaced' || outcome.status === 'recalled';
    const reachedLark =
      ((outcome.status === 'delivered' || changed) && !outcome.resumed) ||
      (outcome.status === 'failed' && outcome.error.logId !== undefined);
    if (reachedLark) this.countSent(this.now());
  }

  /** Messages settled that reached no Lark (a dry-run's block of them). */
  noteSettled(messages: number): void {
    this.messages += messages;
  }

  /** Messages settled per second since the start. */
  rate(now = this.now()): number {
    return this.messages / Math.max((now - this.started) / 1000, 0.001);
  }

  /** Time left for `remaining` messages: the slowest of Lark's quota and (after the first minute) the pace so far. */
  estimate(remaining: number, now = this.now()): Eta | undefined {
    if (remaining <= 0) return undefined;
    const rate = this.rate(now);
    const byRate = rate > 0 ? (remaining / rate) * 1000 : Infinity;
    if (this.dryRun) return Number.isFinite(byRate) ? { ms: byRate, bound: 'pace' } : undefined;
    const topShare = this.receiversSeen > 0 ? this.topReceiver / this.receiversSeen : 0;
    const candidates: Eta[] = [
      { ms: quotaTimeMs(remaining, this.sentPerSecond, Math.floor(now / 1000)), bound: 'app' },
      { ms: ((remaining * topShare) / SEND_QUOTA.perReceiverPerSecond) * 1000, bound: 'receiver' },
      { ms: now - this.started >= 60_000 ? byRate : 0, bound: 'pace' },
    ];
    const slowest = candidates.reduce((a, b) => (b.ms > a.ms ? b : a));
    return Number.isFinite(slowest.ms) ? slowest : undefined;
  }

  private countSent(now: number): void {
    const second = Math.floor(now / 1000);
    this.sentPerSecond.set(second, (this.sentPerSecond.get(second) ?? 0) + 1);
    if (this.sentPerSecond.size > 70) {
      for (const s of this.sentPerSecond.keys()) if (s <= second - 60) this.sentPerSecond.delete(s);
    }
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
