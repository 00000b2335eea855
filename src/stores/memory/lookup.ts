import { systemClock, type Clock } from '../../core/clock.js';
import type { LookupStore } from '../../core/stores.js';

/** The default LookupStore: a Map with a TTL per entry and a size cap (oldest dropped first). */
export class InMemoryLookupStore implements LookupStore {
  private readonly entries = new Map<string, { openId: string | null; expiresAt: number }>();

  constructor(private readonly opts: { clock?: Pick<Clock, 'now'>; maxEntries?: number } = {}) {}

  getMany(phones: readonly string[]): Map<string, string | null> {
    const now = (this.opts.clock ?? systemClock).now();
    const out = new Map<string, string | null>();
    for (const phone of phones) {
      const e = this.entries.get(phone);
      if (!e) continue;
      if (e.expiresAt > now) out.set(phone, e.openId);
      else this.entries.delete(phone);
    }
    return out;
  }

  setMany(entries: ReadonlyArray<{ phone: string; openId: string | null; ttlMs: number }>): void {
    const now = (this.opts.clock ?? systemClock).now();
    const max = this.opts.maxEntries ?? 50_000;
    for (const { phone, openId, ttlMs } of entries) {
      this.entries.delete(phone); // re-insert at the end: Map order = age order
      this.entries.set(phone, { openId, expiresAt: now + ttlMs });
    }
    while (this.entries.size > max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
