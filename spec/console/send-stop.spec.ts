// A console send to one user, paced at Lark's 5/s per receiver: progress with the quota's ETA, a clean Stop
// (in-flight messages settle, the rest not sent, the state written) and a Resume that sends only the rest. The
// emulator's uuid de-duplication is OFF, so a message sent twice would show as two.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startConsole, type ConsoleHandle } from '../../src/console/server.js';
import { LarkEmulator, defaultSeed } from '../../src/emulator/index.js';
import { SEND_QUOTA } from '../../src/pipeline/report/eta.js';
import { runCli } from '../cli/cli-helpers.js';
import { apiCaller, auth, baseOf, setConnection, waitForRun } from './http.js';

const USER = 'ou_a11ce000000000000000000000000001';
const COUNT = 60;
const records = Array.from({ length: COUNT }, (_, i) =>
  JSON.stringify({ receiveType: 'user', receiveId: USER, contentType: 'text', content: { text: `message ${i + 1}` } })).join('\n') + '\n';

describe('console: Stop and Resume of a send, with the quota ETA', () => {
  let emu: LarkEmulator;
  let con: ConsoleHandle;
  let root: string;
  const call = (p: string, json?: unknown) => apiCaller(con)(p, json);
  const toUser = () => emu.messages().filter((m) => m.receiveId === USER);

  beforeAll(async () => {
    const seed = defaultSeed();
    emu = await LarkEmulator.start({ seed, dedupWindowSeconds: 0 });
    root = await mkdtemp(path.join(os.tmpdir(), 'console-send-'));
    con = await startConsole({ port: 0, host: '127.0.0.1', root });
    const app = seed.apps[0]!;
    await setConnection(con, { appId: app.appId, appSecret: app.appSecret, domain: emu.baseUrl });
  });
  afterAll(async () => {
    await con?.close();
    await emu?.close();
    await rm(root, { recursive: true, force: true });
  });

  let stoppedId: string;
  let deliveredFirst: number;

  it('shows sent / total and an ETA from the per-receiver quota, then stops cleanly on Stop', async () => {
    const sent = await call('api/send', { text: records });
    expect(sent.status).toBe(202);
    expect(sent.json.total).toBe(COUNT);
    const id = sent.json.runId as string;
    // Before anything was sent: 60 messages to one user at 5/s take 12 s (the burst rate would say far less).
    const first = (await call(`api/runs/${id}`)).json;
    expect(first.progress.total).toBe(COUNT);
    expect(first.progress.etaBound).toBe('receiver');
    expect(first.progress.quota).toEqual(SEND_QUOTA);
    expect(first.progress.etaMs).toBeGreaterThan(((COUNT - first.progress.done) / 5 - 1.5) * 1000);
    expect(first.progress.etaMs).toBeLessThanOrEqual((COUNT / 5) * 1000 + 1);

    let snap = first;
    const start = Date.now();
    while (snap.progress.delivered < 12) {
      if (Date.now() - start > 15_000) throw new Error('no progress');
      await new Promise((r) => setTimeout(r, 100));
      snap = (await call(`api/runs/${id}`)).json;
    }
    const left = COUNT - snap.progress.done;
    expect(snap.state).toBe('running');
    expect(snap.progress.etaMs).toBeGreaterThan((left / 5 - 1.5) * 1000);
    expect(snap.progress.etaMs).toBeLessThan((left / 5 + 1.5) * 1000);

    const stop = await call(`api/runs/${id}/stop`, {});
    expect(stop.status).toBe(202);
    expect(['stopping', 'done']).toContain(stop.json.state);
    const end = await waitForRun(baseOf(con), id, auth(con));
    expect(end.state).toBe('done');
    const s = end.summary;
    // In-flight ones settled (delivered), the rest not sent; nothing failed, nothing lost.
    expect(s.failed).toBe(0);
    expect(s.notSent).toBeGreaterThan(0);
    expect(s.delivered).toBeGreaterThanOrEqual(12);
    expect(end.resume.notSent).toBe(COUNT - s.delivered);
    expect(end.outcomes.filter((o: { status: string }) => o.status === 'not_sent')).toHaveLength(s.notSent);
    expect(toUser()).toHaveLength(s.delivered);
    // The state is on disk: one line per delivery after its header, as the CLI's --state.
    const state = (await readFile(end.resume.state, 'utf8')).trim().split('\n');
    expect(state).toHaveLength(1 + s.delivered);
    expect(await readFile(end.resume.input, 'utf8')).toBe(records);
    expect(path.dirname(end.resume.state)).toBe(path.join(root, '.lark-im-console'));
    // Stop again: the run has ended.
    expect((await call(`api/runs/${id}/stop`, {})).status).toBe(409);
    stoppedId = id;
    deliveredFirst = s.delivered;
  }, 30_000);

  it('Resume sends only what was not delivered: every message once in all', async () => {
    // Two clicks at once: one resume, the other refused (two runs on one state would send twice).
    const [resumed, twice] = await Promise.all([call(`api/runs/${stoppedId}/resume`, {}), call(`api/runs/${stoppedId}/resume`, {})]);
    expect(resumed.status).toBe(202);
    expect([twice.status, twice.json.error.code]).toEqual([409, 'RUN_RESUMED']);
    expect(resumed.json.resumes).toBe(stoppedId);
    const end = await waitForRun(baseOf(con), resumed.json.runId, auth(con), 30_000);
    expect(end.state).toBe('done');
    expect(end.summary).toMatchObject({ delivered: COUNT, failed: 0, notSent: 0 });
    expect(end.outcomes.filter((o: { resumed?: boolean }) => o.resumed)).toHaveLength(deliveredFirst);
    expect(end.resume).toBeUndefined();
    const got = toUser();
    expect(got).toHaveLength(COUNT);
    expect(new Set(got.map((m) => m.content)).size).toBe(COUNT);
    // A send that got to its end leaves no files behind; the old run cannot be resumed twice.
    const first = (await call(`api/runs/${stoppedId}`)).json;
    expect(existsSync(first.resume.state)).toBe(false);
    expect(existsSync(first.resume.input)).toBe(false);
    const again = await call(`api/runs/${stoppedId}/resume`, {});
    expect([again.status, again.json.error.code]).toEqual([409, 'RUN_RESUMED']);
  }, 40_000);

  it('the command the page prints resumes a stopped send from a shell, with the CLI: only the rest, once', async () => {
    const text = records.replaceAll('message ', 'from the shell ');
    const sent = await call('api/send', { text });
    const id = sent.json.runId as string;
    for (let i = 0; i < 100 && (await call(`api/runs/${id}`)).json.progress.delivered < 5; i++) await new Promise((r) => setTimeout(r, 50));
    await call(`api/runs/${id}/stop`, {});
    const end = await waitForRun(baseOf(con), id, auth(con));
    const delivered = end.summary.delivered as number;
    expect(end.resume.notSent).toBe(COUNT - delivered);
    // The config file the command names: saved from the console (Config file > Save to file).
    expect((await call('api/config/save', { path: 'lark-im.json' })).status).toBe(200);
    const config = path.join(root, 'lark-im.json');
    const cli = await runCli(['write', '--config', config, '--input', end.resume.input, '--state', end.resume.state], { timeoutMs: 30_000 });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain(`${COUNT} delivered (${delivered} resumed from the state file, ${COUNT - delivered} sent now)`);
    const got = emu.messages().filter((m) => m.content.includes('from the shell'));
    expect(got).toHaveLength(COUNT);
    expect(new Set(got.map((m) => m.content)).size).toBe(COUNT);
  }, 40_000);

  it('closing the console (Ctrl+C) stops a send as Stop does: its close waits, and the state holds every delivery', async () => {
    const other = await startConsole({ port: 0, host: '127.0.0.1', root });
    const before = toUser().length;
    const folder = path.join(root, '.lark-im-console');
    const statesBefore = new Set(await readdir(folder));
    try {
      const app = defaultSeed().apps[0]!;
      await setConnection(other, { appId: app.appId, appSecret: app.appSecret, domain: emu.baseUrl });
      expect((await apiCaller(other)('api/send', { text: records })).status).toBe(202);
      for (let i = 0; i < 100 && toUser().length - before < 5; i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await other.close();
    }
    const delivered = toUser().length - before;
    expect(delivered).toBeGreaterThanOrEqual(5);
    expect(delivered).toBeLessThan(COUNT);
    const states = (await readdir(folder)).filter((f) => f.endsWith('.state') && !statesBefore.has(f));
    expect(states).toHaveLength(1);
    const lines = (await readFile(path.join(folder, states[0]!), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1 + delivered);
    await new Promise((r) => setTimeout(r, 300));
    expect(toUser().length - before).toBe(delivered);
  }, 30_000);

  it('a send that gets to its end offers no resume', async () => {
    const sent = await call('api/send', { text: records.split('\n').slice(0, 3).join('\n') });
    const end = await waitForRun(baseOf(con), sent.json.runId, auth(con));
    expect(end.summary.delivered).toBe(3);
    expect(end.resume).toBeUndefined();
    const r = await call(`api/runs/${sent.json.runId}/resume`, {});
    expect([r.status, r.json.error.code]).toEqual([409, 'NOTHING_TO_RESUME']);
  });
});
