/** The shared phone lookup cache on a real redis-server: hits, known misses, TTLs, no phone number in a key. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisConnection } from '../../src/stores/redis/connection.js';
import { RedisLookupStore } from '../../src/stores/redis/lookup.js';
import { ReceiverResolver } from '../../src/message/receivers.js';
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

  it('behind the receiver resolver: a second worker asks Lark only for the numbers nobody resolved', async () => {
    const prefix = `${uniquePrefix()}:`;
    const asked: string[][] = [];
    const lookup = async (mobiles: string[]) => {
      asked.push([...mobiles].sort());
      return new Map(mobiles.filter((m) => m !== '13800000009').map((m) => [m, `ou_${m.slice(-1)}`]));
    };
    const worker = () => new ReceiverResolver({ lookup, store: new RedisLookupStore(conn, { prefix }) });
    const phone = (receiveId: string) => ({ receiveType: 'phone' as const, receiveId });
    const first = worker();
    expect(await first.resolve(phone('13800000001'))).toEqual({ receiveIdType: 'open_id', receiveId: 'ou_1' });
    await expect(first.resolve(phone('13800000009'))).rejects.toMatchObject({ code: 'RECEIVER_NOT_FOUND' });
    const second = worker();
    const answers = await Promise.allSettled(['13800000001', '13800000009', '13800000002'].map((p) => second.resolve(phone(p))));
    expect(answers.map((a) => (a.status === 'fulfilled' ? a.value.receiveId : (a.reason as { code: string }).code))).toEqual(['ou_1', 'RECEIVER_NOT_FOUND', 'ou_2']);
    // The second worker asked Lark only for the number nobody had resolved (the known miss is shared too).
    expect(asked).toEqual([['13800000001'], ['13800000009'], ['13800000002']]);
  });
});
