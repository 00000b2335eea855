/**
 * A fake clock for specs: now() only moves when the test says so, and sleep() resolves when time passes.
 *
 *   const clock = new FakeClock();                  // manual: drive with advance() / runUntilIdle()
 *   const clock = new FakeClock({ autoAdvance: true }); // jumps to the next timer by itself (for code that also does I/O)
 *
 * Every requested sleep is recorded in `clock.sleeps` (ms, in call order) so delays can be asserted exactly.
 */
import type { Clock, SleepSignal } from '../../src/core/clock.js';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

export const FAKE_EPOCH = Date.UTC(2025, 0, 1);

export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];
  private readonly autoAdvance: boolean;
  private driving = false;

  constructor(opts: { start?: number; autoAdvance?: boolean } = {}) {
    this.t = opts.start ?? FAKE_EPOCH;
    this.autoAdvance = opts.autoAdvance ?? false;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: SleepSignal): Promise<void> {
    this.sleeps.push(ms);
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer: Timer = { at: this.t + ms, seq: this.seq++, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          resolve();
        },
        { once: true },
      );
      if (this.autoAdvance) this.drive();
    });
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by ms, firing due timers in order (letting promise chains run between them). */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await flushMicrotasks();
    for (let next = this.nextTimer(); next && next.at <= target; next = this.nextTimer()) {
      this.fire(next);
      await flushMicrotasks();
    }
    this.t = Math.max(this.t, target);
    await flushMicrotasks();
  }

  /** Fires the earliest timer (moving time to it) and lets promise chains run; false when none is scheduled. */
  async step(): Promise<boolean> {
    await flushMicrotasks();
    const next = this.nextTimer();
    if (!next) return false;
    this.fire(next);
    await flushMicrotasks();
    return true;
  }

  /** Jumps from timer to timer until nothing is scheduled (throws after maxSteps: a runaway loop). */
  async runUntilIdle(maxSteps = 1_000_000): Promise<void> {
    await flushMicrotasks();
    for (let steps = 0; ; steps++) {
      if (steps > maxSteps) throw new Error(`FakeClock.runUntilIdle: still busy after ${maxSteps} timers`);
      const next = this.nextTimer();
      if (!next) return;
      this.fire(next);
      await flushMicrotasks();
    }
  }

  private nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const x of this.timers) if (!best || x.at < best.at || (x.at === best.at && x.seq < best.seq)) best = x;
    return best;
  }

  private fire(timer: Timer): void {
    this.timers = this.timers.filter((x) => x !== timer);
    this.t = Math.max(this.t, timer.at);
    timer.resolve();
  }

  /** autoAdvance: once the process has had a real moment to do I/O, fire the earliest timer. */
  private drive(): void {
    if (this.driving) return;
    this.driving = true;
    setTimeout(() => {
      this.driving = false;
      const next = this.nextTimer();
      if (next) this.fire(next);
      if (this.timers.length > 0) this.drive();
    }, 1);
  }
}

/** Lets every queued promise continuation run. */
export async function flushMicrotasks(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
}
