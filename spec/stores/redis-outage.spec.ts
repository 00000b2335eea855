/**
 * Redis going away and coming back, on a redis-server of this spec's own (it is killed and restarted on the
 * same port): sends pause, the connection comes back, and after maxDownMs the store gives up.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnection } from '../../src/stores/redis/connection.js';
import { RedisLimiterStore } from '../../src/stores/redis/limiter.js';
import { ConnectorError } from '../../src/core/errors.js';
import type { TryAcquireResult, WindowKey } from '../../src/core/stores.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { freePort, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { uniquePrefix } from '../helpers/redis.js';

const HOLDER = fileURLToPath(new URL('../helpers/store-holder.mjs', import.meta.url));
const APP: WindowKey = { key: 'send:app:50/1010ms', limit: 50, windowMs: 1010 };
let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

/** Retries as the pacer does: after each refusal, wait the retryInMs it was given. */
async function acquireWhenBack(store: RedisLimiterStore, keys: WindowKey[]): Promise<{ refusals: number }> {
  for (let refusals = 0; refusals < 200; refusals++) {
    const r: TryAcquireResult = await store.tryAcquire(keys, 0);
    if (r.ok) return { refusals };
    await new Promise((res) => setTimeout(res, r.retryInMs));
  }
  throw new Error('never admitted');
}

describe('Redis outage', () => {
  it('at start: STORE_UNAVAILABLE in one line, the password masked', async () => {
    const port = await freePort();
    const err = await RedisConnection.open({ url: `redis://:s3cret-pw@127.0.0.1:${port}/0` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe('STORE_UNAVAILABLE');
    expect((err as ConnectorError).message).toContain(`redis://:****@127.0.0.1:${port}/0`);
    expect((err as ConnectorError).message).toContain('ECONNREFUSED');
    expect((err as ConnectorError).message).not.toContain('s3cret-pw');
    expect((err as ConnectorError).message).not.toContain('\n');
  });

  it('at start: a password given as a URL option (?password=, which ioredis honours) is masked too', async () => {
    const port = await freePort();
    const err = await RedisConnection.open({ url: `redis://127.0.0.1:${port}/0?password=q-s3cret&sentinelPassword=q-s3cret2` }).catch((e: unknown) => e);
    expect((err as ConnectorError).code).toBe('STORE_UNAVAILABLE');
    expect((err as ConnectorError).message).toContain(`127.0.0.1:${port}/0`);
    expect((err as ConnectorError).message).not.toContain('q-s3cret');
  });

  it('mid-run: refuses (sends pause) while the server is gone, admits again once it is back', async () => {
    const conn = await RedisConnection.open({ url: server.url, maxDownMs: 60_000 });
    const store = new RedisLimiterStore(conn, { prefix: `${uniquePrefix()}:` });
    try {
      expect((await store.tryAcquire([APP], 0)).ok).toBe(true);
      await server.kill();
      const refused = await store.tryAcquire([APP], 0);
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.retryInMs).toBeGreaterThan(0);
      await server.restart();
      const { refusals } = await acquireWhenBack(store, [APP]);
      expect(refusals).toBeGreaterThanOrEqual(0);
      expect(conn.ready).toBe(true);
    } finally {
      await conn.close();
    }
  });

  it('gives up with STORE_UNAVAILABLE once the server has been gone for maxDownMs', async () => {
    const clock = new FakeClock();
    const conn = await RedisConnection.open({ url: server.url, maxDownMs: 30_000, clock });
    const store = new RedisLimiterStore(conn, { prefix: `${uniquePrefix()}:` });
    try {
      expect((await store.tryAcquire([APP], 0)).ok).toBe(true);
      await server.kill();
      await clock.advance(29_000);
      const stillWaiting = await store.tryAcquire([APP], 0);
      expect(stillWaiting.ok).toBe(false);
      if (!stillWaiting.ok) expect(stillWaiting.retryInMs).toBeLessThanOrEqual(1_000);
      await clock.advance(1_000);
      const err = await Promise.resolve(store.tryAcquire([APP], 0)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).code).toBe('STORE_UNAVAILABLE');
      expect((err as ConnectorError).message).toMatch(/lost the shared store .* for 30\.0 s/);
    } finally {
      await conn.close();
      await server.restart();
    }
  });

  it('a Redis that answers errors (a replica after a failover) counts as down: refused, then STORE_UNAVAILABLE naming the answer', async () => {
    const clock = new FakeClock();
    const conn = await RedisConnection.open({ url: server.url, maxDownMs: 30_000, clock });
    const store = new RedisLimiterStore(conn, { prefix: `${uniquePrefix()}:` });
    try {
      await conn.client.replicaof('127.0.0.1', 1); // read-only now: every admission is answered READONLY
      expect((await store.tryAcquire([APP], 0)).ok).toBe(false);
      await clock.advance(30_000);
      const err = await Promise.resolve(store.tryAcquire([APP], 0)).catch((e: unknown) => e);
      expect((err as ConnectorError).code).toBe('STORE_UNAVAILABLE');
      expect((err as ConnectorError).message).toContain('answering READONLY');
      // Writable again: admitted, and the outage clock starts afresh.
      await conn.client.replicaof('NO', 'ONE');
      expect((await store.tryAcquire([APP], 0)).ok).toBe(true);
      await conn.client.replicaof('127.0.0.1', 1);
      const again = await store.tryAcquire([APP], 0);
      expect(again.ok).toBe(false);
    } finally {
      await conn.client.replicaof('NO', 'ONE');
      await conn.close();
    }
  });

  it('a worker killed (SIGKILL) holding every slot of a window stalls the others only until the window ends', async () => {
    const prefix = `${uniquePrefix()}:`;
    const windowMs = 600;
    const holder = spawn(process.execPath, [HOLDER, 'slots', server.url, prefix, 'send:app:3/600ms', String(windowMs), '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
      holder.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
    });
    holder.kill('SIGKILL');
    const conn = await RedisConnection.open({ url: server.url });
    const store = new RedisLimiterStore(conn, { prefix });
    try {
      const keys = [{ key: 'send:app:3/600ms', limit: 3, windowMs }];
      const refused = await store.tryAcquire(keys, 0);
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.retryInMs).toBeLessThanOrEqual(windowMs);
      if (refused.ok) return;
      await new Promise((res) => setTimeout(res, refused.retryInMs));
      expect((await store.tryAcquire(keys, 0)).ok).toBe(true); // admitted at the time the refusal named
    } finally {
      await conn.close();
    }
  });
});
