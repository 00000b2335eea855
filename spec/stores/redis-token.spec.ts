/** The token on a real redis-server: one fetch for many concurrent workers, compare-and-delete, a dead lock holder. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisConnection } from '../../src/stores/redis/connection.js';
import { RedisTokenStore, digest } from '../../src/stores/redis/token.js';
import { TOKEN_LOCK_MS, TokenProvider } from '../../src/lark/token.js';
import type { LarkHttp } from '../../src/lark/http.js';
import { inspector, suiteRedisUrl, uniquePrefix } from '../helpers/redis.js';

const BASE = 'http://lark.test';
const HOLDER = fileURLToPath(new URL('../helpers/store-holder.mjs', import.meta.url));
let url: string;
let peek: Redis;
const conns: RedisConnection[] = [];

beforeAll(() => {
  url = suiteRedisUrl();
  peek = inspector(url);
});
afterAll(async () => {
  await Promise.all(conns.map((c) => c.close()));
  peek?.disconnect();
});

/** A token endpoint that takes `delayMs` to answer and hands out t-1, t-2, ... */
function tokenEndpoint(delayMs = 30) {
  const state = { fetches: 0 };
  const http = {
    request: async () => {
      const n = ++state.fetches;
      await new Promise((r) => setTimeout(r, delayMs));
      return { status: 200, body: { code: 0, tenant_access_token: `t-${n}`, expire: 7200 }, headers: {} };
    },
  } as unknown as LarkHttp;
  return { state, http };
}

/** One "worker": its own connection, store and provider. */
async function worker(prefix: string, http: LarkHttp) {
  const conn = await RedisConnection.open({ url });
  conns.push(conn);
  const store = new RedisTokenStore(conn, { prefix });
  return { store, provider: new TokenProvider({ http, baseUrl: BASE, appId: 'cli_x', appSecret: 'secret', store }) };
}

describe('RedisTokenStore with TokenProvider', () => {
  it('many workers asking at once: one fetch, every one gets that token', async () => {
    const prefix = `${uniquePrefix()}:`;
    const { state, http } = tokenEndpoint();
    const workers = await Promise.all(Array.from({ length: 12 }, () => worker(prefix, http)));
    const tokens = await Promise.all(workers.flatMap((w) => [w.provider.getToken(), w.provider.getToken(), w.provider.getToken()]));
    expect(state.fetches).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['t-1']));
    // The lock was released after the fetch, and the token lives as long as Lark said (2 h).
    expect(await peek.exists(`${prefix}token-lock:${digest(`${BASE}|cli_x`)}`)).toBe(0);
    expect(await peek.pttl(`${prefix}token:${digest(`${BASE}|cli_x`)}`)).toBeGreaterThan(7_100_000);
  });

  it('invalidate drops the token for everyone, but only if it is still the stored one', async () => {
    const prefix = `${uniquePrefix()}:`;
    const { state, http } = tokenEndpoint(1);
    const a = await worker(prefix, http);
    const b = await worker(prefix, http);
    expect(await a.provider.getToken()).toBe('t-1');
    expect(await b.provider.getToken()).toBe('t-1');
    // Lark refused t-1 to b: b drops it and fetches t-2.
    await b.provider.invalidate('t-1');
    expect(await b.provider.getToken()).toBe('t-2');
    expect(state.fetches).toBe(2);
    // a learns it from its own refusal of t-1: dropping t-1 must not drop t-2, which a then reads, not fetches.
    await a.provider.invalidate('t-1');
    expect(await a.provider.getToken()).toBe('t-2');
    expect(state.fetches).toBe(2);
    expect(await peek.exists(`${prefix}token:${digest(`${BASE}|cli_x`)}`)).toBe(1);
  });

  it('a worker killed (SIGKILL) while holding the fetch lock stalls the others only until the lock expires', async () => {
    const prefix = `${uniquePrefix()}:`;
    const ttlMs = 800;
    const holder = spawn(process.execPath, [HOLDER, 'lock', url, prefix, `${BASE}|cli_x`, String(ttlMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
      holder.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
    });
    holder.kill('SIGKILL');
    const lockKey = `${prefix}token-lock:${digest(`${BASE}|cli_x`)}`;
    const left = await peek.pttl(lockKey);
    expect(left).toBeGreaterThan(0); // the dead worker's lock is still there...
    expect(left).toBeLessThanOrEqual(ttlMs); // ...but expires by itself
    const { state, http } = tokenEndpoint(1);
    const { provider } = await worker(prefix, http);
    expect(await provider.getToken()).toBe('t-1');
    expect(state.fetches).toBe(1);
    expect(await peek.exists(lockKey)).toBe(0);
    expect(ttlMs).toBeLessThan(TOKEN_LOCK_MS); // (the real lock is longer; the spec shortens it to stay quick)
  });

  it('keeps using the last token it saw while Redis cannot answer', async () => {
    const prefix = `${uniquePrefix()}:`;
    const { state, http } = tokenEndpoint(1);
    const conn = await RedisConnection.open({ url });
    const store = new RedisTokenStore(conn, { prefix });
    const provider = new TokenProvider({ http, baseUrl: BASE, appId: 'cli_x', appSecret: 'secret', store });
    expect(await provider.getToken()).toBe('t-1');
    await conn.close();
    expect(await provider.getToken()).toBe('t-1');
    expect(state.fetches).toBe(1);
  });
});
