/**
 * Every process exits as soon as its work is done: measured from the child's last output (its summary) to
 * its exit. A phone lookup's hold timer kept a run alive ~1 s; a socket left by a Redis outage ~2 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { ALICE, APP, SEED, startEmulator, text } from '../integration/helpers.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { runCli } from './cli-helpers.js';

/** Well under the 1 s hold timer and the 2 s socket wait it catches; a loaded machine still exits within it. */
const LINGER_MS = 500;
let emulator: LarkEmulator;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), 'lark-im-exit-'));
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the exit after the summary', () => {
  it('a run with a phone receiver exits at once after its summary', async () => {
    const phone = SEED.users.find((u) => u.mobile)!.mobile!;
    const input = join(dir, 'phone.jsonl');
    await writeFile(input, JSON.stringify(text('phone', phone, 'exit time')) + '\n');
    const env = { LARK_APP_ID: APP.appId, LARK_APP_SECRET: APP.appSecret, LARK_DOMAIN: emulator.baseUrl };
    const r = await runCli(['write', '--input', input], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^1 message delivered|^1 delivered/m);
    expect(r.exitAfterOutputMs).toBeLessThan(LINGER_MS);
  });

  it('a run stopped by a Redis outage exits at once after its summary', async () => {
    const server = await startRedisServer();
    try {
      const config = join(dir, 'redis.json');
      const store = { redis: server.url, maxDownMs: 1000 };
      await writeFile(config, JSON.stringify({ connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl }, store }));
      const input = join(dir, 'many.jsonl');
      // One receiver, 5/s: the run takes far longer than the outage needs to stop it.
      await writeFile(input, Array.from({ length: 100 }, (_, i) => JSON.stringify(text('user', ALICE.openId, `outage ${i}`))).join('\n') + '\n');
      const sends = emulator.stats().sendRequests;
      let ended = false;
      const run = runCli(['write', '--config', config, '--input', input, '--report', join(dir, 'r.jsonl')]).finally(() => (ended = true));
      while (!ended && emulator.stats().sendRequests - sends < 3) await new Promise((r) => setTimeout(r, 20));
      await server.kill();
      const r = await run;
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/lost the shared store/);
      expect(r.exitAfterOutputMs).toBeLessThan(LINGER_MS);
    } finally {
      await server.stop();
    }
  });
});
