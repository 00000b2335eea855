/**
 * Sliding-window log with a fixed ring buffer of `limit` timestamps: O(1) per check, bounded memory.
 * The window is full when it holds `limit` entries and the oldest is still inside the window.
 */
export class SlidingWindow {
  private readonly buf: Float64Array;
  private head = 0;
  private size = 0;

  constructor(readonly limit: number, readonly windowMs: number) {
    if (!(limit >= 1)) throw new Error(`rate limit must be >= 1, got ${limit}`);
    this.buf = new Float64Array(limit);
  }

  /** ms until one more request fits (0 = fits now). */
  waitMs(now: number): number {
    if (this.size < this.limit) return 0;
    const freeAt = (this.buf[this.head] ?? 0) + this.windowMs;
    return freeAt > now ? freeAt - now : 0;
  }

  record(now: number): void {
    if (this.size < this.limit) {
      this.buf[(this.head + this.size) % this.limit] = now;
      this.size++;
    } else {
      this.buf[this.head] = now;
      this.head = (this.head + 1) % this.limit;
    }
  }

  /** Newest recorded time (-Infinity when empty). */
  newest(): number {
    if (this.size === 0) return -Infinity;
    return this.buf[(this.head + this.size - 1) % this.limit] ?? -Infinity;
  }
}

export interface Rejection {
  /** The limit that was hit (x-ogw-ratelimit-limit). */
  limit: number;
  /** Whole seconds until it frees, >= 1 (x-ogw-ratelimit-reset). */
  resetSeconds: number;
}

/** Admits a request only if every window has room; then records it in all of them. */
export function admit(windows: SlidingWindow[], now: number): Rejection | undefined {
  let worst: SlidingWindow | undefined;
  let worstWait = 0;
  for (const w of windows) {
    const wait = w.waitMs(now);
    if (wait > worstWait) {
      worstWait = wait;
      worst = w;
    }
  }
  if (worst) return { limit: worst.limit, resetSeconds: Math.max(1, Math.ceil(worstWait / 1000)) };
  for (const w of windows) w.record(now);
  return undefined;
}

/** One window per key (per receiver); idle keys are swept every `sweepEvery` lookups so the map cannot grow without bound. */
export class KeyedWindows {
  private readonly map = new Map<string, SlidingWindow>();
  private lookups = 0;

  constructor(private readonly limit: number, private readonly windowMs: number, private readonly sweepEvery = 4096) {}

  get(key: string, now: number): SlidingWindow {
    if (++this.lookups % this.sweepEvery === 0) this.sweep(now);
    let w = this.map.get(key);
    if (!w) {
      w = new SlidingWindow(this.limit, this.windowMs);
      this.map.set(key, w);
    }
    return w;
  }

  get size(): number {
    return this.map.size;
  }

  private sweep(now: number): void {
    for (const [key, w] of this.map) if (w.newest() <= now - this.windowMs) this.map.delete(key);
  }
}
