/**
 * The record lifecycle's key map on Redis (src/pipeline/lifecycle/key-map.ts), shared by every worker of an
 * app: one hash per key (slot -> {messageId, msgType, sentAt}), living the lifetime from its newest send.
 * Keys hold a hash of the record's key, not the key (it may be a customer's id). A Redis that cannot answer
 * is retried like the limiter's, and after maxDownMs it is STORE_UNAVAILABLE (the run stops): guessing
 * "no message yet" would post a second copy.
 */
import type { KeyMap, KeyedMessage, KeySlots } from '../../pipeline/lifecycle/key-map.js';
import type { RedisConnection } from './connection.js';
import { digest } from './token.js';

export class RedisKeyMap implements KeyMap {
  constructor(
    private readonly conn: RedisConnection,
    private readonly opts: { prefix: string; lifetimeMs: number; now?: () => number; sleep?: (ms: number) => Promise<void> },
  ) {}

  async get(key: string): Promise<KeySlots> {
    const raw = await this.retried(() => this.conn.client.hgetall(this.redisKey(key)));
    const oldest = (this.opts.now ?? Date.now)() - this.opts.lifetimeMs;
    const out = new Map<string, KeyedMessage>();
    for (const [slot, value] of Object.entries(raw)) {
      const m = parse(value);
      if (m && m.sentAt > oldest) out.set(slot, m);
    }
    return out;
  }

  async set(key: string, slot: string, message: KeyedMessage): Promise<void> {
    const k = this.redisKey(key);
    const ttl = Math.max(1, Math.ceil(message.sentAt + this.opts.lifetimeMs - (this.opts.now ?? Date.now)()));
    await this.retried(() => this.conn.client.multi().hset(k, slot, JSON.stringify(message)).pexpire(k, ttl).exec());
  }

  async remove(key: string, slot: string): Promise<void> {
    await this.retried(() => this.conn.client.hdel(this.redisKey(key), slot));
  }

  private redisKey(key: string): string {
    return `${this.opts.prefix}msgkey:${digest(key)}`;
  }

  /** Until Redis answers, or the connection gives up (STORE_UNAVAILABLE, thrown by unavailable()). */
  private async retried<T>(command: () => Promise<T>): Promise<T> {
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (;;) {
      if (this.conn.ready) {
        try {
          const result = await command();
          this.conn.answered();
          return result;
        } catch (err) {
          await sleep(this.conn.unavailable(err).retryInMs);
          continue;
        }
      }
      await sleep(this.conn.unavailable().retryInMs);
    }
  }
}

function parse(value: string): KeyedMessage | undefined {
  try {
    const v = JSON.parse(value) as Partial<KeyedMessage>;
    return typeof v.messageId === 'string' && typeof v.msgType === 'string' && typeof v.sentAt === 'number'
      ? { messageId: v.messageId, msgType: v.msgType, sentAt: v.sentAt }
      : undefined;
  } catch {
    return undefined;
  }
}
