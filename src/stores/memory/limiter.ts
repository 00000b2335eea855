import type { LimiterStore, TryAcquireResult, WindowKey } from '../../core/stores.js';

/** Sliding-window log in memory. */
export class InMemoryLimiterStore implements LimiterStore {
  /** Admission times per key, oldest first. */
  private readonly log = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, number>();
  private calls = 0;

  tryAcquire(keys: WindowKey[], now: number): TryAcquireResult {
    let retryInMs = 0;
    let blockedKey: string | undefined;
    for (const k of keys) {
      const wait = Math.max(this.waitFor(k, now), this.pauseLeft(k.key, now));
      if (wait > retryInMs) {
        retryInMs = wait;
        blockedKey = k.key;
      }
    }
    if (blockedKey !== undefined) return { ok: false, retryInMs, blockedKey };
    for (const k of keys) this.entries(k.key).push(now);
    if (++this.calls % 1000 === 0) this.sweep(now, keys);
    return { ok: true, admitted: now };
  }

  /** Takes out one entry at the admission's time from each window (any one: entries at one time are alike). */
  giveBack(keys: WindowKey[], admitted: string | number | undefined): void {
    if (typeof admitted !== 'number') return;
    for (const k of keys) {
      const entries = this.log.get(k.key);
      const at = entries?.lastIndexOf(admitted) ?? -1;
      if (at >= 0) entries?.splice(at, 1);
    }
  }

  pause(key: string, forMs: number, now: number): void {
    const until = now + Math.max(0, forMs);
    if (until > (this.pausedUntil.get(key) ?? 0)) this.pausedUntil.set(key, until);
  }

  private pauseLeft(key: string, now: number): number {
    const until = this.pausedUntil.get(key);
    if (until === undefined) return 0;
    if (until <= now) {
      this.pausedUntil.delete(key);
      return 0;
    }
    return until - now;
  }

  /** 0 if a slot is free now, else ms until the oldest counted entry leaves the window. */
  private waitFor(k: WindowKey, now: number): number {
    const entries = this.entries(k.key);
    // An entry at t counts while now - t < windowMs.
    while (entries.length > 0 && now - (entries[0] as number) >= k.windowMs) entries.shift();
    if (entries.length < k.limit) return 0;
    const frees = entries[entries.length - k.limit] as number;
    return Math.max(1, frees + k.windowMs - now);
  }

  private entries(key: string): number[] {
    let e = this.log.get(key);
    if (!e) this.log.set(key, (e = []));
    return e;
  }

  /** Forget idle keys (e.g. receivers not seen for a while) so memory stays bounded. */
  private sweep(now: number, keys: WindowKey[]): void {
    const longest = Math.max(60_000, ...keys.map((k) => k.windowMs));
    for (const [key, entries] of this.log) {
      const last = entries[entries.length - 1];
      if (last === undefined || now - last >= longest) this.log.delete(key);
    }
  }
}
