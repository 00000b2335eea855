/** Time source injected everywhere so tests can run on a fake clock. */
export interface Clock {
  now(): number;
  /** Resolves after ms. An aborted signal resolves it early (so a waiter can be woken and no timer is left behind). */
  sleep(ms: number, signal?: SleepSignal): Promise<void>;
}

/** What can end a sleep early: an AbortSignal, or a Wake. */
export interface SleepSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * A one-shot wake-up for a sleep, for a loop that is woken many times a second (the pacer's pump, once or twice
 * per message): an AbortController builds an Event and dispatches it through EventTarget on every abort, and
 * registers each listener through it, several µs a wake; this is a flag and a list of functions.
 */
export class Wake implements SleepSignal {
  private fired = false;
  private listeners: Array<() => void> = [];

  get aborted(): boolean {
    return this.fired;
  }

  /** Listeners run once, on fire() (once: true or not). */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.fired) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners.indexOf(listener);
    if (at >= 0) this.listeners.splice(at, 1);
  }

  fire(): void {
    if (this.fired) return;
    this.fired = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};
