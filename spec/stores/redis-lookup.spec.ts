/** The shared phone lookup cache on a real redis-server: hits, known misses, TTLs, no phone number in a key. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisConnection } from '../../src/stores/redis/connection.js';
import { RedisLookupStore } from '../../src/stores/redis/lookup.js';
import { withSharedLookups } from '../../src/stores/shared-lookup.js';
import { inspector, suiteRedisUrl, uniquePrefix } from '../helpers/redis.js';

let conn: RedisConnection;
let peek: Redis;

beforeAll(async () => {
  const url = suiteRedisUrl();
  conn = await RedisConnection.open({ url });
  peek = inspector(url);
});
afterAll(async () => {
  await conn?.close();
  peek?.disconnect();
});

describe('RedisLookupStore', () => {
  it('keeps hits and known misses with their own TTLs; unknown numbers are absent', async () => {
    const prefix = `${uniquePrefix()}:`;
    const store = new RedisLookupStore(conn, { prefix });
    await store.setMany([
      { phone: '13800000001', openId: 'ou_1', ttlMs: 600_000 },
      { phone: '13800000009', openId: null, ttlMs: 60_000 },
    ]);
    const got = await store.getMany(['13800000001', '13800000009', '13800000002']);
    expect([...got]).toEqual([['13800000001', 'ou_1'], ['13800000009', null]]);
    const keys = await peek.keys(`${prefix}*`);
    expect(keys).toHaveLength(2);
    expect(keys.join(' ')).not.toContain('1380000');
    const ttls = (await Promise.all(keys.map((k) => peek.pttl(k)))).sort((a, b) => a - b);
    expect(ttls[0]).toBeGreaterThan(55_000);
    expect(ttls[0]).toBeLessThanOrEqual(60_000);
    expect(ttls[1]).toBeGreaterThan(595_000);
  });

  it('in front of batch_get_id: a second worker asks Lark only for the numbers nobody resolved', async () => {
    const prefix = `${uniquePrefix()}:`;
    const asked: string[][] = [];
    const lark = async (mobiles: string[]) => {
      asked.push(mobiles);
      return new Map(mobiles.filter((m) => m !== '13800000009').map((m) => [m, `ou_${m.slice(-1)}`]));
    };
    const first = withSharedLookups(new RedisLookupStore(conn, { prefix }), lark);
    const second = withSharedLookups(new RedisLookupStore(conn, { prefix }), lark);
    expect([...(await first(['13800000001', '13800000009']))]).toEqual([['13800000001', 'ou_1']]);
    expect([...(await second(['13800000001', '13800000009', '13800000002']))]).toEqual([
      ['13800000001', 'ou_1'],
      ['13800000002', 'ou_2'],
    ]);
    expect(asked).toEqual([['13800000001', '13800000009'], ['13800000002']]);
  });
});
