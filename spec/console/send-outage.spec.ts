// A console send while Lark goes away for a few seconds (every connection reset by a TCP front): the progress
// says how long Lark has given no answer instead of an ETA, and the send completes once it answers again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startConsole, type ConsoleHandle } from '../../src/console/server.js';
import { LarkEmulator } from '../../src/emulator/index.js';
import { crowdSeed } from '../integration/helpers.js';
import { SwitchableFront } from '../helpers/switchable-front.js';
import { apiCaller, auth, baseOf, setConnection, waitForRun } from './http.js';

const COUNT = 120;

describe('console: a send through an outage', () => {
  let emu: LarkEmulator;
  let front: SwitchableFront;
  let con: ConsoleHandle;
  let root: string;
  let records: string;
  const call = (p: string, json?: unknown) => apiCaller(con)(p, json);

  beforeAll(async () => {
    const seed = crowdSeed(24);
    emu = await LarkEmulator.start({ seed });
    front = new SwitchableFront(Number(new URL(emu.baseUrl).port));
    const port = await front.listen();
    root = await mkdtemp(path.join(os.tmpdir(), 'console-outage-'));
    con = await startConsole({ port: 0, host: '127.0.0.1', root });
    const app = seed.apps[0]!;
    const connection = { appId: app.appId, appSecret: app.appSecret, domain: `http://127.0.0.1:${port}` };
    await setConnection(con, connection);
    const crowd = seed.users.filter((u) => u.openId.startsWith('ou_crowd'));
    const record = (i: number) => ({
      receiveType: 'user',
      receiveId: crowd[i % crowd.length]!.openId,
      contentType: 'text',
      content: { text: `m${i}` },
    });
    records = Array.from({ length: COUNT }, (_, i) => JSON.stringify(record(i))).join('\n') + '\n';
  });
  afterAll(async () => {
    await con?.close();
    await front?.close();
    await emu?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('progress: "unreachable for N s" (no ETA) while every connection is reset, then all delivered', async () => {
    const sent = await call('api/send', { text: records });
    expect(sent.status).toBe(202);
    const id = sent.json.runId as string;
    while (emu.messages().length < 10) await new Promise((r) => setTimeout(r, 5));
    front.goDown();
    const downAt = Date.now();
    let during: { unreachableMs?: number; etaMs?: number } | undefined;
    while (Date.now() - downAt < 5000) {
      const p = (await call(`api/runs/${id}`)).json.progress as { unreachableMs?: number; etaMs?: number };
      if ((p.unreachableMs ?? 0) >= 2000) {
        during = p;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(during, 'the progress never said Lark was unreachable').toBeDefined();
    expect(during!.unreachableMs!).toBeLessThanOrEqual(Date.now() - downAt + 100);
    expect(during!.etaMs).toBeUndefined();
    front.comeBack();
    const done = await waitForRun(baseOf(con), id, auth(con), 60_000);
    expect(done.state).toBe('done');
    expect(done.summary).toMatchObject({ delivered: COUNT, failed: 0, notSent: 0 });
    expect(done.progress.unreachableMs).toBeUndefined();
    expect(new Set(emu.messages().map((m) => m.uuid)).size).toBe(COUNT);
    expect(front.resetConnections).toBeLessThanOrEqual(40);
  }, 90_000);
});
