/**
 * Redis lost mid-run for longer than store.maxDownMs, with the real CLI: sends pause, then the run stops as
 * app-level (STORE_UNAVAILABLE): what was delivered stays delivered, the rest is reported not sent, the state
 * file is written, exit 1. On a redis-server of this spec's own (it is killed).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { APP, crowdSeed, startEmulator, text } from '../integration/helpers.js';
import { runCli } from '../cli/cli-helpers.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

let emulator: LarkEmulator;
let server: RedisServer;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ seed: crowdSeed(40) });
  server = await startRedisServer();
  dir = await mkdtemp(path.join(os.tmpdir(), 'lark-im-midrun-'));
});
afterAll(async () => {
  await emulator?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('Redis lost mid-run', () => {
  it('pauses sends, then stops the run as STORE_UNAVAILABLE with the rest reported and the state written', async () => {
    const n = 200;
    const input = Array.from({ length: n }, (_, i) => JSON.stringify(text('email', `crowd${i % 40}@example.com`, `midrun ${i}`))).join('\n') + '\n';
    const config = path.join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl }, store: { redis: server.url, maxDownMs: 1000 } }));
    const [inputFile, report, state] = ['in.jsonl', 'report.jsonl', 'run.state'].map((f) => path.join(dir, f)) as [string, string, string];
    await writeFile(inputFile, input);
    const run = runCli(['write', '-c', config, '-i', inputFile, '--report', report, '--state', state]);
    // At 50/s the run needs 4 s: take Redis away after the first deliveries.
    while (emulator.messages().length < 20) await new Promise((r) => setTimeout(r, 20));
    await server.kill();
    const atKill = emulator.messages().length;
    const res = await run;
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/\d+ delivered, 0 failed, \d+ not sent/);
    expect(res.stderr).toMatch(/^lark-im: \d+ messages not sent: run the same command again \(the same --input and --state .*run\.state\) to send only what was not delivered$/m);
    const lines = (await readFile(report, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { status: string; code?: string });
    expect(lines).toHaveLength(n);
    const delivered = lines.filter((l) => l.status === 'delivered').length;
    expect(delivered).toBe(emulator.messages().length);
    // Only what Redis had admitted before it went away was sent after it (at most one in-flight bound).
    expect(emulator.messages().length - atKill).toBeLessThanOrEqual(16);
    // Redis gone is the run's stop, not the messages' fault: not sent, none failed.
    const notSent = lines.filter((l) => l.status === 'not_sent');
    expect(notSent.length).toBe(n - delivered);
    expect(new Set(notSent.map((l) => l.code))).toEqual(new Set(['STORE_UNAVAILABLE']));
    expect(emulator.stats().status429).toBe(0);
    expect((await readFile(state, 'utf8')).length).toBeGreaterThan(0);
    await server.restart();
  });
});
