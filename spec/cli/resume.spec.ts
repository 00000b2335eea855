/**
 * Stopped half-way, nothing lost, nothing twice: a real `lark-im write --state` child process is killed
 * (SIGKILL) at several points and started again, until the input is done. Uses the built CLI (npm test
 * builds first). The emulator's uuid de-duplication is OFF (dedupWindowSeconds: 0, as a re-run past Lark's
 * hour meets it): only the state file stands between a kill and a message delivered twice.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { APP, crowdSeed, startEmulator, text } from '../integration/helpers.js';
import { CLI, runCli } from './cli-helpers.js';
import { RunState } from '../../src/pipeline/state.js';

// Thirty receivers, so the app's 50/s (not the 5/s per receiver) sets the pace: bursts of 50 a second.
const RECEIVERS: Array<readonly [string, string]> = [
  ['user', 'ou_a11ce000000000000000000000000001'],
  ['phone', '13800000006'],
  ['chat', 'oc_0b5a1e7500000000000000000000000a'],
  ...Array.from({ length: 27 }, (_, i) => ['email', `crowd${i}@example.com`] as const),
];
const TOTAL = 150;
/** Less than the CLI takes to start and fetch a token before its first send (about 300 ms on an idle machine). */
const CLI_START_MS = 100;

let emulator: LarkEmulator;
let dir: string;
beforeEach(async () => {
  emulator = await startEmulator({ seed: crowdSeed(27), dedupWindowSeconds: 0 });
  dir = await mkdtemp(join(tmpdir(), 'lark-im-resume-'));
  const lines = Array.from({ length: TOTAL }, (_, i) => {
    const [type, id] = RECEIVERS[i % RECEIVERS.length]!;
    return JSON.stringify(text(type, id, `resume ${i}`));
  });
  // Two identical messages: both must arrive once each, across runs.
  lines.push(JSON.stringify(text('user', RECEIVERS[0]![1], 'twin')), JSON.stringify(text('user', RECEIVERS[0]![1], 'twin')));
  await writeFile(join(dir, 'input.jsonl'), lines.join('\n') + '\n');
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl } }),
  );
});
afterEach(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

function startWrite(): ChildProcess {
  return spawn(
    process.execPath,
    [CLI, 'write', '--config', join(dir, 'config.json'), '--input', join(dir, 'input.jsonl'), '--state', join(dir, 'state.json'), '--report', join(dir, 'report.jsonl')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

async function waitForDelivered(count: number, child: ChildProcess): Promise<void> {
  while (emulator.stats().delivered < count) {
    if (child.exitCode !== null) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** At least `count` delivered, and none for `quietMs` since (the pacer's pause between bursts). */
async function waitForQuiet(count: number, quietMs: number, child: ChildProcess): Promise<void> {
  for (;;) {
    const last = emulator.messages().at(-1)?.createTime ?? 0;
    if (emulator.stats().delivered >= count && Date.now() - last >= quietMs) return;
    if (child.exitCode !== null) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** The deliveries the state file holds (opening it is what the next run does too). */
async function stateEntries() {
  const state = await RunState.open(join(dir, 'state.json'));
  await state.close();
  return state.entries();
}

function expectEachDeliveredOnce() {
  const texts = emulator.messages().map((m) => JSON.parse(m.content).text as string);
  const expected = [...Array.from({ length: TOTAL }, (_, i) => `resume ${i}`), 'twin', 'twin'];
  expect(texts.sort()).toEqual(expected.sort());
}

async function readReport() {
  const text = await readFile(join(dir, 'report.jsonl'), 'utf8');
  return text.trim().split('\n').map((l) => JSON.parse(l) as { line: number; status: string; resumed?: boolean });
}

describe('lark-im write --state', () => {
  it('never delivers twice a message confirmed more than 100 ms before a SIGKILL, and misses none', async () => {
    // Each kill, and the earliest the next run (started just after it) could deliver anything: what the
    // emulator delivered in between came from requests the killed child had on the wire, whose answers it
    // never read.
    const kills: Array<{ at: number; nextRunAt: number }> = [];
    const kill = async (child: ChildProcess, done: Promise<unknown>) => {
      expect(child.exitCode, 'the run ended before the kill point').toBeNull();
      const at = Date.now();
      child.kill('SIGKILL');
      await done;
      kills.push({ at, nextRunAt: Date.now() + CLI_START_MS });
    };
    // 1: in the middle of the first burst (the pacer lets 50 go in the first second): deliveries within
    // 100 ms of the kill may be sent again.
    let child = startWrite();
    let done = exited(child);
    await waitForDelivered(5, child);
    await kill(child, done);
    // 2: in the quiet after the next burst, once nothing was delivered for 200 ms: nothing may be sent again.
    child = startWrite();
    done = exited(child);
    await waitForQuiet(40, 200, child);
    await kill(child, done);
    // 3: in the middle of the next run's first burst.
    child = startWrite();
    done = exited(child);
    await waitForDelivered(emulator.stats().delivered + 10, child);
    await kill(child, done);
    const recorded = await stateEntries();
    expect(recorded.length).toBeGreaterThan(0);
    const before = emulator.stats();
    const last = await runCli(['write', '--config', join(dir, 'config.json'), '--input', join(dir, 'input.jsonl'), '--state', join(dir, 'state.json'), '--report', join(dir, 'report.jsonl')]);
    expect(last.code, last.stderr).toBe(0);

    // None missed: every message arrived at least once.
    const byText = new Map<string, number[]>();
    for (const m of emulator.messages()) {
      const t = JSON.parse(m.content).text as string;
      byText.set(t, [...(byText.get(t) ?? []), m.createTime]);
    }
    for (let i = 0; i < TOTAL; i++) expect(byText.get(`resume ${i}`)?.length ?? 0).toBeGreaterThanOrEqual(1);
    expect(byText.get('twin')?.length ?? 0).toBeGreaterThanOrEqual(2);
    // Twice only when the first copy was delivered within 100 ms before a kill (+50 ms for the answer to reach
    // the child and be read), or after it, before the next run could send (requests on the wire when the signal
    // landed, however late a loaded machine let the emulator read them): those are counted and bounded by what
    // the emulator delivered in that span.
    const nearAKill = (t: number) => kills.some((k) => k.at - t <= 150 && t <= k.nextRunAt);
    const twice = [...byText].flatMap(([text, times]) => times.slice(text === 'twin' ? 2 : 1).map(() => ({ text, first: times[0]! })));
    const inSpan = emulator.messages().filter((m) => nearAKill(m.createTime)).length;
    for (const d of twice) expect(nearAKill(d.first), `${d.text} delivered twice: first at ${d.first}, kills at ${kills.map((k) => k.at).join(', ')}`).toBe(true);
    expect(twice.length).toBeLessThanOrEqual(inSpan);

    const report = await readReport();
    expect(report.map((r) => r.line)).toEqual(Array.from({ length: TOTAL + 2 }, (_, i) => i + 1));
    expect(report.every((r) => r.status === 'delivered')).toBe(true);
    // The last run took every message the state file held as delivered from it, and sent only the rest.
    expect(report.filter((r) => r.resumed).length).toBe(recorded.length);
    // ...and its summary says so.
    const n = recorded.length;
    expect(last.stderr).toContain(`${TOTAL + 2} delivered (${n} resumed from the state file, ${TOTAL + 2 - n} sent now)`);
    // (Sends refused by a rate limit are retried; on a loaded machine a few happen, so they are not counted.)
    const after = emulator.stats();
    const refused = (s: typeof after) => s.status429 + (s.errorsByCode['230020'] ?? 0);
    const accepted = after.sendRequests - before.sendRequests - (refused(after) - refused(before));
    expect(accepted).toBe(TOTAL + 2 - recorded.length);
  }, 60_000);

  it('on SIGINT stops taking messages, writes state and report, exits 1; the next run finishes', async () => {
    const child = startWrite();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = exited(child);
    await waitForDelivered(20, child);
    child.kill('SIGINT');
    expect(await done).toBe(1);
    expect(stderr).toMatch(/stopping/);
    expect(stderr).toMatch(/delivered, .* failed, .* of \d+ messages .*interrupted/);

    const partial = await readReport();
    const delivered = partial.filter((r) => r.status === 'delivered').length;
    expect(delivered).toBeGreaterThanOrEqual(20);
    expect(delivered).toBeLessThan(TOTAL + 2);
    expect(await stateEntries()).toHaveLength(delivered);

    const rest = await runCli(['write', '--config', join(dir, 'config.json'), '--input', join(dir, 'input.jsonl'), '--state', join(dir, 'state.json'), '--json']);
    expect(rest.code, rest.stderr).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ total: TOTAL + 2, delivered: TOTAL + 2, failed: 0, resumed: delivered });
    expectEachDeliveredOnce();
  }, 60_000);

  it('refuses a state file that belongs to another input, before sending anything', async () => {
    await writeFile(join(dir, 'short.jsonl'), [0, 1, 2].map((i) => JSON.stringify(text('user', RECEIVERS[0]![1], `short ${i}`))).join('\n'));
    const first = await runCli(['write', '--config', join(dir, 'config.json'), '--input', join(dir, 'short.jsonl'), '--state', join(dir, 'state.json')]);
    expect(first.code).toBe(0);
    const sends = emulator.stats().sendRequests;
    await writeFile(join(dir, 'other.jsonl'), JSON.stringify(text('user', RECEIVERS[0]![1], 'something else')) + '\n');
    const other = await runCli(['write', '--config', join(dir, 'config.json'), '--input', join(dir, 'other.jsonl'), '--state', join(dir, 'state.json')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/input differs from the run recorded/);
    expect(emulator.stats().sendRequests).toBe(sends);
  }, 60_000);
});
