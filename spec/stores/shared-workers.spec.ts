/**
 * Several connectors (workers) of one app sharing a real redis-server, against one emulator at Lark's real
 * limits: the per-receiver 5/s holds across them (no 429), one token fetch, one phone lookup, and the CLI's
 * start-up failure when Redis is not there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { LarkImConnector } from '../../src/connector.js';
import { parseConfig } from '../../src/config.js';
import { retryPolicies } from '../../src/lark/retry.js';
import type { ClientEvent } from '../../src/lark/events.js';
import { ALICE, APP, records, run, startEmulator, text } from '../integration/helpers.js';
import { runCli } from '../cli/cli-helpers.js';
import { freePort } from '../helpers/redis-server.js';
import { inspector, suiteRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let emulator: LarkEmulator;
let url: string;

beforeAll(async () => {
  url = suiteRedisUrl();
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.close();
});

function worker(prefix: string, onEvent?: (e: ClientEvent) => void): LarkImConnector {
  const config = parseConfig(
    { connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl }, store: { redis: url, prefix } },
    {},
  );
  // A wide window margin: the spec is about sharing the windows, not about how much jitter a loaded machine adds.
  return new LarkImConnector(config, { retry: retryPolicies.fast, pacing: { windowMarginMs: 100 }, ...(onEvent ? { onEvent } : {}) });
}

const toAlice = (n: number, who: string) => records(Array.from({ length: n }, (_, i) => text('phone', ALICE.mobile!, `${who} ${i}`)));

describe('workers sharing Redis stores', () => {
  it('share the receiver window (no 429), the token (one fetch) and the phone lookup (one call)', async () => {
    emulator.reset();
    const prefix = uniquePrefix();
    const first = worker(prefix);
    const [second, third] = [worker(prefix), worker(prefix)];
    try {
      const a = await run(first, toAlice(2, 'a'));
      // Two more workers at once, 5 messages each to the same receiver: 10 inside one second if each paced alone.
      const [b, c] = await Promise.all([run(second, toAlice(5, 'b')), run(third, toAlice(5, 'c'))]);
      for (const r of [a, b, c]) expect(r.summary.failed).toBe(0);
      const stats = emulator.stats();
      expect(stats.status429).toBe(0);
      expect(stats.errorsByCode).toEqual({}); // nor a per-receiver refusal (an HTTP 200 with a Lark code)
      expect(stats.sendRequests).toBe(12);
      expect(stats.tokenRequests).toBe(1);
      expect(Object.entries(stats.byEndpoint).filter(([k]) => k.includes('batch_get_id')).map(([, n]) => n)).toEqual([1]);
    } finally {
      for (const w of [first, second, third]) w.close();
    }
  });

  it("a 429 seen by one worker pauses the app's window for the others", async () => {
    emulator.reset();
    const prefix = uniquePrefix();
    const waits: ClientEvent[] = [];
    const a = worker(prefix);
    const b = worker(prefix, (e) => void (e.type === 'pacer.wait' && waits.push(e)));
    try {
      emulator.faults.failNext(1, '429', { resetSeconds: 2 });
      const first = run(a, records([text('user', ALICE.openId, 'a 0')]));
      while (emulator.stats().status429 === 0) await new Promise((r) => setTimeout(r, 5));
      // b has never seen a 429, yet its first send waits for the pause a's 429 set (Lark's reset: 2 s).
      const second = await run(b, records([text('user', ALICE.openId, 'b 0')]));
      expect(second.summary.delivered).toBe(1);
      expect((await first).summary.delivered).toBe(1);
      expect(waits[0]).toMatchObject({ pacer: 'send', blockedKey: expect.stringMatching(new RegExp(`^send:${APP.appId}:`)) /* an app window, not the receiver */ });
      expect((waits[0] as { waitMs: number }).waitMs).toBeGreaterThan(1_000);
      expect(emulator.stats().status429).toBe(1);
    } finally {
      a.close();
      b.close();
    }
  });

  it('the CLI cannot start without its Redis: exit 2, one line, the password masked', async () => {
    const port = await freePort();
    const res = await runCli(['write', '--input', '-', '--redis', `redis://:pw-${port}-secret@127.0.0.1:${port}/0`], {
      input: JSON.stringify(text('user', ALICE.openId, 'hi')) + '\n',
      env: { LARK_APP_ID: APP.appId, LARK_APP_SECRET: APP.appSecret, LARK_DOMAIN: emulator.baseUrl },
    });
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n').filter((l) => l.includes('STORE_UNAVAILABLE'))).toEqual([
      `lark-im: STORE_UNAVAILABLE: cannot reach Redis at redis://:****@127.0.0.1:${port}/0 (ECONNREFUSED): start it, or fix LARK_IM_REDIS_URL / --redis / the config's store.redis (nothing was sent)`,
    ]);
    expect(res.stderr + res.stdout).not.toContain('secret');
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('check and receivers take --redis too: it wins over the config, the token is shared there, and no Redis is exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lark-im-redis-cli-'));
    const prefix = uniquePrefix();
    const dead = `redis://127.0.0.1:${await freePort()}/0`;
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({
      connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl },
      store: { redis: dead, prefix },
    }));
    const keys = inspector(url);
    try {
      emulator.reset();
      for (const args of [['check'], ['receivers', '--type', 'chat']]) {
        const ok = await runCli([...args, '--config', config, '--redis', url]);
        expect(ok.code, ok.stderr).toBe(0);
        const down = await runCli([...args, '--config', config]);
        expect(down.code).toBe(2);
        expect(down.stderr.trim().split('\n')).toEqual([
          `lark-im: STORE_UNAVAILABLE: cannot reach Redis at ${dead} (ECONNREFUSED): start it, or fix LARK_IM_REDIS_URL / --redis / the config's store.redis`,
        ]);
      }
      expect((await keys.keys(`${prefix}:*`)).filter((k) => k.includes(':token:'))).toHaveLength(1);
      expect(emulator.stats().tokenRequests).toBe(1); // receivers took the token check stored
    } finally {
      keys.disconnect();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a bad Redis URL is a config error naming the field, without the value', async () => {
    expect(() => parseConfig({ connection: { appId: 'cli_x', appSecret: 's' }, store: { redis: 'http://user:pw@host' } }, {})).toThrow(
      /store\.redis must be a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(() => parseConfig({ connection: { appId: 'cli_x', appSecret: 's' }, store: { redis: 'http://user:pw@host' } }, {})).not.toThrow(/pw/);
    const fromEnv = parseConfig({ connection: { appId: 'cli_x', appSecret: 's' } }, { LARK_IM_REDIS_URL: 'redis://127.0.0.1:6390/1' });
    expect(fromEnv.store).toEqual({ redis: 'redis://127.0.0.1:6390/1', prefix: 'lark-im' });
    expect(parseConfig({ connection: { appId: 'cli_x', appSecret: 's' } }, {}).store).toBeUndefined();
    expect(() => parseConfig({ connection: { appId: 'cli_x', appSecret: 's' }, store: { redis: 'redis://h:6379', prefx: 'a' } }, {})).toThrow(
      /store\.prefx is not a known key \(did you mean store\.prefix\?\)/,
    );
  });
});
