/** The Lua sliding windows on a real redis-server: limits, all or nothing, pause, the server's clock. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisConnection } from '../../src/stores/redis/connection.js';
import { DEFAULT_SPREAD, RedisLimiterStore } from '../../src/stores/redis/limiter.js';
import { storeScope } from '../../src/stores/index.js';
import type { WindowKey } from '../../src/core/stores.js';
import { inspector, suiteRedisUrl, uniquePrefix } from '../helpers/redis.js';

const YEAR_2100 = Date.UTC(2100, 0, 1);
let url: string;
let peek: Redis;
const conns: RedisConnection[] = [];

async function store(prefix: string, id?: string, spread = 1): Promise<RedisLimiterStore> {
  const conn = await RedisConnection.open({ url });
  conns.push(conn);
  return new RedisLimiterStore(conn, { prefix, spread, ...(id ? { id } : {}) });
}

const w = (key: string, limit: number, windowMs: number): WindowKey => ({ key, limit, windowMs });

beforeAll(() => {
  url = suiteRedisUrl();
  peek = inspector(url);
});
afterAll(async () => {
  await Promise.all(conns.map((c) => c.close()));
  peek?.disconnect();
});

describe('RedisLimiterStore', () => {
  it('admits up to the limit in a window, then refuses with the time until the oldest slot leaves', async () => {
    const s = await store(`${uniquePrefix()}:`);
    const keys = [w('send:app:3/1000ms', 3, 1000)];
    for (let i = 0; i < 3; i++) expect((await s.tryAcquire(keys, 0)).ok).toBe(true);
    const refused = await s.tryAcquire(keys, 0);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.blockedKey).toBe('send:app:3/1000ms');
    expect(refused.retryInMs).toBeGreaterThan(0);
    expect(refused.retryInMs).toBeLessThanOrEqual(1000);
  });

  it('is all or nothing: a full window refuses the admission and the other windows are left untouched', async () => {
    const prefix = `${uniquePrefix()}:`;
    const s = await store(prefix);
    const receiver = w('send:rcv:ou_1', 1, 10_000);
    const app = w('send:app:50/1010ms', 50, 10_000);
    expect((await s.tryAcquire([app, receiver], 0)).ok).toBe(true);
    const refused = await s.tryAcquire([app, receiver], 0);
    expect(refused).toMatchObject({ ok: false, blockedKey: 'send:rcv:ou_1' });
    // The refused admission added nothing to the app window.
    expect(await peek.zcard(`${prefix}win:send:app:50/1010ms`)).toBe(1);
    expect(await peek.zcard(`${prefix}win:send:rcv:ou_1`)).toBe(1);
  });

  it('lets exactly `limit` through when many workers race for one window', async () => {
    const prefix = `${uniquePrefix()}:`;
    const workers = await Promise.all([1, 2, 3, 4].map((i) => store(prefix, `w${i}`)));
    const keys = [w('send:app:50/1010ms', 50, 60_000)];
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (workers[i % 4] as RedisLimiterStore).tryAcquire(keys, 0)));
    expect(results.filter((r) => r.ok)).toHaveLength(50);
    // Every worker got some, and the set holds one member per admission.
    expect(await peek.zcard(`${prefix}win:send:app:50/1010ms`)).toBe(50);
  });

  it("counts on the server's clock: workers whose clocks disagree by 75 years still share one window", async () => {
    const prefix = `${uniquePrefix()}:`;
    const early = await store(prefix, 'early');
    const late = await store(prefix, 'late');
    const keys = [w('send:app:2/1000ms', 2, 1000)];
    expect((await early.tryAcquire(keys, 0)).ok).toBe(true);
    expect((await late.tryAcquire(keys, YEAR_2100)).ok).toBe(true);
    expect((await early.tryAcquire(keys, 0)).ok).toBe(false);
    expect((await late.tryAcquire(keys, YEAR_2100)).ok).toBe(false);
    const [serverSeconds] = await peek.time();
    const scores = (await peek.zrange(`${prefix}win:send:app:2/1000ms`, '0', '-1', 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
    for (const score of scores) expect(Math.abs(score - Number(serverSeconds) * 1000)).toBeLessThan(5_000);
  });

  it('frees a slot when its admission leaves the window, at the time it said', async () => {
    const s = await store(`${uniquePrefix()}:`);
    const keys = [w('send:app:2/300ms', 2, 300)];
    expect((await s.tryAcquire(keys, 0)).ok).toBe(true);
    expect((await s.tryAcquire(keys, 0)).ok).toBe(true);
    const refused = await s.tryAcquire(keys, 0);
    if (refused.ok) throw new Error('expected a refusal');
    await new Promise((r) => setTimeout(r, refused.retryInMs));
    expect((await s.tryAcquire(keys, 0)).ok).toBe(true);
  });

  it('spreads a per-second window over tenths by default (5 of 50 per 101 ms), not the minute window', async () => {
    const s = await store(`${uniquePrefix()}:`, undefined, DEFAULT_SPREAD);
    const second = [w('send:app:50/1010ms', 50, 1010)];
    const admitted = [];
    for (let i = 0; i < 7; i++) admitted.push((await s.tryAcquire(second, 0)).ok);
    expect(admitted).toEqual([...Array(5).fill(true), false, false]);
    const refused = await s.tryAcquire(second, 0);
    if (refused.ok) throw new Error('expected a refusal');
    expect(refused.retryInMs).toBeLessThanOrEqual(101);
    const minute = [w('send:app:1000/60200ms', 1000, 60_200)];
    for (let i = 0; i < 300; i++) expect((await s.tryAcquire(minute, 0)).ok).toBe(true);
  });

  it('gives each window key an expiry, so the slots of a worker that died do not stay', async () => {
    const prefix = `${uniquePrefix()}:`;
    const s = await store(prefix);
    await s.tryAcquire([w('send:app:50/1010ms', 50, 1010)], 0);
    const pttl = await peek.pttl(`${prefix}win:send:app:50/1010ms`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1010);
  });

  it('pause (a 429) refuses every worker on that key until it ends, and a shorter pause does not shorten it', async () => {
    const prefix = `${uniquePrefix()}:`;
    const a = await store(prefix, 'a');
    const b = await store(prefix, 'b');
    const app = w('send:app:50/1010ms', 50, 1010);
    await a.pause(app.key, 5_000, 0);
    await a.pause(app.key, 10, 0);
    const refused = await b.tryAcquire([app, w('send:rcv:ou_1', 5, 1010)], 0);
    expect(refused).toMatchObject({ ok: false, blockedKey: app.key });
    if (refused.ok) return;
    expect(refused.retryInMs).toBeGreaterThan(4_000);
    expect(refused.retryInMs).toBeLessThanOrEqual(5_000);
    // Nothing was recorded by the refused admission.
    expect(await peek.exists(`${prefix}win:send:rcv:ou_1`)).toBe(0);
    // Another key is not paused.
    expect((await b.tryAcquire([w('batch_get_id:app:50/1010ms', 50, 1010)], 0)).ok).toBe(true);
  });

  it('scopes keys by Lark host and app id: two apps never share a window', async () => {
    const prefix = uniquePrefix();
    const appA = await store(storeScope(prefix, 'https://open.feishu.cn', 'cli_a'));
    const appB = await store(storeScope(prefix, 'https://open.feishu.cn', 'cli_b'));
    const larkA = await store(storeScope(prefix, 'https://open.larksuite.com', 'cli_a'));
    const keys = [w('send:rcv:ou_1', 1, 10_000)];
    expect((await appA.tryAcquire(keys, 0)).ok).toBe(true);
    expect((await appB.tryAcquire(keys, 0)).ok).toBe(true);
    expect((await larkA.tryAcquire(keys, 0)).ok).toBe(true);
    expect((await appA.tryAcquire(keys, 0)).ok).toBe(false);
    expect(storeScope(prefix, 'https://open.feishu.cn', 'cli_a')).toBe(`${prefix}:{open.feishu.cn|cli_a}:`);
  });
});
