/**
 * The phone -> open_id cache on Redis, shared by every worker of an app: hits and misses with their TTLs.
 * Keys hold a hash of the number, not the number (Redis need not hold users' phone numbers).
 */
import type { LookupStore } from '../../core/stores.js';
import { digest } from './token.js';
import type { RedisConnection } from './connection.js';

/** A known miss (no user with that number, or outside the app's visible range). */
const MISS = '-';

export class RedisLookupStore implements LookupStore {
  constructor(
    private readonly conn: RedisConnection,
    private readonly opts: { prefix: string },
  ) {}

  /** A Redis that is down answers nothing known: the resolver then asks Lark (paced). */
  async getMany(phones: readonly string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    if (phones.length === 0 || !this.conn.ready) return out;
    const values = await this.conn.client.mget(...phones.map((p) => this.key(p))).catch(() => [] as Array<string | null>);
    phones.forEach((phone, i) => {
      const v = values[i];
      if (v === undefined || v === null) return;
      out.set(phone, v === MISS ? null : v);
    });
    return out;
  }

  async setMany(entries: ReadonlyArray<{ phone: string; openId: string | null; ttlMs: number }>): Promise<void> {
    if (entries.length === 0 || !this.conn.ready) return;
    const batch = this.conn.client.pipeline();
    for (const e of entries) batch.set(this.key(e.phone), e.openId ?? MISS, 'PX', Math.max(1, Math.ceil(e.ttlMs)));
    await batch.exec().catch(() => undefined);
  }

  private key(phone: string): string {
    return `${this.opts.prefix}phone:${digest(phone)}`;
  }
}
