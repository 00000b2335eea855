/**
 * LimiterStore on Redis: one sorted set per window key (members = admissions, scored by Redis's own clock),
 * checked and recorded by one Lua script per admission, so any number of workers share the app's windows.
 */
import { randomUUID } from 'node:crypto';
import type { LimiterStore, TryAcquireResult, WindowKey } from '../../core/stores.js';
import type { RedisConnection } from './connection.js';

/**
 * KEYS: window1, pause1, window2, pause2, ...   ARGV: spread, limit1, windowMs1, limit2, windowMs2, ..., member.
 * An entry counts while now - t < windowMs (as in memory). The clock is the server's TIME, so workers'
 * clocks need not agree. Returns {1, now} when admitted (one entry added to every window), or
 * {0, retryInMs, index of the blocking window} (nothing added).
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS / 2
local spread = tonumber(ARGV[1])
local wait, blocked = 0, 0
for i = 1, n do
  local wk, pk = KEYS[2 * i - 1], KEYS[2 * i]
  local limit, win = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local paused = redis.call('PTTL', pk)
  if paused > wait then wait, blocked = paused, i end
  redis.call('ZREMRANGEBYSCORE', wk, '-inf', now - win)
  local count = redis.call('ZCARD', wk)
  if count >= limit then
    local oldest = redis.call('ZRANGE', wk, count - limit, count - limit, 'WITHSCORES')
    local frees = tonumber(oldest[2]) + win - now
    if frees < 1 then frees = 1 end
    if frees > wait then wait, blocked = frees, i end
  end
  -- Spread (per-second windows): at most limit/spread in any win/spread, so a window's quota is not taken in one burst.
  if spread > 1 and limit >= 2 * spread and win <= 2000 then
    local sublimit, subwin = math.ceil(limit / spread), win / spread
    local recent = redis.call('ZCOUNT', wk, '(' .. (now - subwin), '+inf')
    if recent >= sublimit then
      -- The sublimit-th newest entry must leave the sub-window (by rank: O(log n), not a scan).
      local e = redis.call('ZRANGE', wk, count - sublimit, count - sublimit, 'WITHSCORES')
      local frees = math.ceil(tonumber(e[2]) + subwin - now)
      if frees < 1 then frees = 1 end
      if frees > wait then wait, blocked = frees, i end
    end
  end
end
if blocked > 0 then return {0, wait, blocked} end
local member = ARGV[#ARGV]
for i = 1, n do
  redis.call('ZADD', KEYS[2 * i - 1], now, member)
  redis.call('PEXPIRE', KEYS[2 * i - 1], tonumber(ARGV[2 * i + 1]))
end
return {1, now}
`;

/** KEYS: pause key. ARGV: forMs. Extends a pause, never shortens it. */
const PAUSE = `
local left = redis.call('PTTL', KEYS[1])
local forMs = tonumber(ARGV[1])
if forMs > left then redis.call('SET', KEYS[1], '1', 'PX', forMs) end
return 0
`;

export interface RedisLimiterStoreOptions {
  /** Prefix of every key, already scoped to one Lark host and app (see storeScope). */
  prefix: string;
  /** Unique per process; members of the sets are `<id>:<counter>`. Default: a random UUID. */
  id?: string;
  /**
   * Per-second windows (at most 2 s) with a limit of at least 2 x spread also take at most limit/spread in any
   * windowMs/spread (default 10: 5 per 101 ms of the 50/s; the minute window is never the one that bursts, and
   * the receivers' 5/s is too small to spread). 10 rather than 5: measured with 4 workers on a loaded machine. Workers' requests reach Lark in another order than Redis admitted them;
   * in a burst of 50 that difference is the burst's length, small bursts keep it inside the pacer's margin.
   * 1 = no spreading.
   */
  spread?: number;
}

export const DEFAULT_SPREAD = 10;

type AcquireReply = [number, number, number?];

export class RedisLimiterStore implements LimiterStore {
  private readonly id: string;
  private counter = 0;

  constructor(
    private readonly conn: RedisConnection,
    private readonly opts: RedisLimiterStoreOptions,
  ) {
    this.id = opts.id ?? randomUUID();
    conn.client.defineCommand('larkImAcquire', { lua: ACQUIRE });
    conn.client.defineCommand('larkImPause', { lua: PAUSE });
  }

  /** `now` is ignored: the server's clock decides (workers' clocks may disagree). */
  async tryAcquire(keys: WindowKey[], _now: number): Promise<TryAcquireResult> {
    if (!this.conn.ready) return { ok: false, ...this.conn.unavailable() };
    const redisKeys = keys.flatMap((k) => [this.windowKey(k.key), this.pauseKey(k.key)]);
    const args = [this.opts.spread ?? DEFAULT_SPREAD, ...keys.flatMap((k) => [k.limit, Math.ceil(k.windowMs)])];
    let reply: AcquireReply;
    const member = `${this.id}:${this.counter++}`;
    try {
      reply = (await this.command('larkImAcquire', redisKeys.length, ...redisKeys, ...args, member)) as AcquireReply;
    } catch (err) {
      return { ok: false, ...this.conn.unavailable(err) };
    }
    this.conn.answered();
    if (reply[0] === 1) return { ok: true, admitted: member };
    const blocked = keys[(reply[2] ?? 1) - 1];
    return { ok: false, retryInMs: reply[1], ...(blocked ? { blockedKey: blocked.key } : {}) };
  }

  /** A 429: no admission on `key` for forMs, for every worker. A lost connection makes this a no-op. */
  async pause(key: string, forMs: number, _now: number): Promise<void> {
    if (!this.conn.ready) return;
    await this.command('larkImPause', 1, this.pauseKey(key), Math.max(1, Math.ceil(forMs))).catch(() => undefined);
  }

  /** The admission's members leave the windows; a lost connection makes this a no-op (the entries expire). */
  async giveBack(keys: WindowKey[], admitted: string | number | undefined): Promise<void> {
    if (typeof admitted !== 'string' || !this.conn.ready) return;
    const pipeline = this.conn.client.pipeline();
    for (const k of keys) pipeline.zrem(this.windowKey(k.key), admitted);
    await pipeline.exec().catch(() => undefined);
  }

  private windowKey(key: string): string {
    return `${this.opts.prefix}win:${key}`;
  }

  private pauseKey(key: string): string {
    return `${this.opts.prefix}pause:${key}`;
  }

  private command(name: string, ...args: Array<string | number>): Promise<unknown> {
    const fn = (this.conn.client as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[name];
    if (!fn) throw new Error(`redis command ${name} is not defined`);
    return fn.apply(this.conn.client, args);
  }
}
