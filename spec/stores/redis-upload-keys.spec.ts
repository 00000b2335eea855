/**
 * Upload keys shared through Redis, with the real CLI: a second worker of the app (another process, no --state)
 * sends the same images without uploading them again, because the first one's keys are in Redis.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { ALICE, APP, startEmulator } from '../integration/helpers.js';
import { runCli } from '../cli/cli-helpers.js';
import { dataUri, png } from '../pipeline/media/helpers.js';
import { inspector, suiteRedisUrl, uniquePrefix } from '../helpers/redis.js';

const IMAGES = [png(3, 3, [250, 0, 0]), png(3, 3, [0, 250, 0]), png(3, 3, [0, 0, 250])];
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let emulator: LarkEmulator;
let dir: string;
let peek: Redis;

beforeAll(async () => {
  emulator = await startEmulator({ limits: false, dedupWindowSeconds: 0 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'lark-im-upload-keys-'));
  peek = inspector(suiteRedisUrl());
});
afterAll(async () => {
  await emulator?.close();
  peek?.disconnect();
  await rm(dir, { recursive: true, force: true });
});

describe('upload keys in Redis', () => {
  it('a second worker sends the same images with the first one\'s keys and uploads nothing', async () => {
    const prefix = uniquePrefix();
    const config = path.join(dir, 'config.json');
    await writeFile(config, JSON.stringify({
      connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl },
      store: { redis: suiteRedisUrl(), prefix },
    }));
    const input = path.join(dir, 'in.jsonl');
    const lines = Array.from({ length: 12 }, (_, i) =>
      JSON.stringify({ receiveType: 'user', receiveId: ALICE.openId, contentType: 'image', content: { image: dataUri('image/png', IMAGES[i % 3]!) } }));
    await writeFile(input, `${lines.join('\n')}\n`);

    const first = await runCli(['write', '-c', config, '-i', input, '--json'], { timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(emulator.stats().uploads).toBe(3);
    const second = await runCli(['write', '-c', config, '-i', input, '--json'], { timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ delivered: 12, failed: 0 });
    expect(emulator.stats().uploads).toBe(3);

    // Every message of both runs carries the key of an upload of its image: each image's 4 per run, 8 in all.
    const shaOfKey = new Map(emulator.uploads().map((u) => [u.key, u.sha256]));
    const sent = emulator.messages();
    expect(sent).toHaveLength(24);
    const perSha = new Map<string, number>();
    for (const m of sent) {
      const s = shaOfKey.get((JSON.parse(m.content) as { image_key: string }).image_key) ?? 'unknown key';
      perSha.set(s, (perSha.get(s) ?? 0) + 1);
    }
    expect(Object.fromEntries(perSha)).toEqual(Object.fromEntries(IMAGES.map((b) => [sha(b), 8])));
    // One Redis key per distinct image, named by its sha256 (not by its source).
    const keys = await peek.keys(`${prefix}:*}:upload:*`);
    expect(keys.map((k) => k.replace(/^.*upload:/, '')).sort()).toEqual(IMAGES.map((b) => `image:${sha(b)}`).sort());
  }, 120_000);
});
