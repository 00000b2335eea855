/**
 * Stopped half-way, nothing lost, nothing twice: a real `lark-im write --state` child process is killed
 * (SIGKILL) at several points and started again, until the input is done. Uses the built CLI (npm test
 * builds first).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { APP, crowdSeed, startEmulator, text } from '../integration/helpers.js';
import { CLI, runCli } from './cli-helpers.js';

// Thirty receivers, so the app's 50/s (not the 5/s per receiver) sets the pace and a run takes ~2 s.
const RECEIVERS: Array<readonly [string, string]> = [
  ['user', 'ou_a11ce000000000000000000000000001'],
  ['phone', '13800000006'],
  ['chat', 'oc_0b5a1e7500000000000000000000000a'],
  ...Array.from({ length: 27 }, (_, i) => ['email', `crowd${i}@example.com`] as const),
];
const TOTAL = 90;

let emulator: LarkEmulator;
let dir: string;
beforeEach(async () => {
  emulator = await startEmulator({ seed: crowdSeed(27) });
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
  await emulator.stop();
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

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
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
  it('delivers every message exactly once across runs killed with SIGKILL at several points', async () => {
    for (const killAt of [5, 30, 61]) {
      const child = startWrite();
      const done = exited(child);
      await waitForDelivered(killAt, child);
      child.kill('SIGKILL');
      await done;
    }
    const recorded = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { delivered: unknown[] };
    expect(recorded.delivered.length).toBeGreaterThan(0);
    const before = emulator.stats();
    const last = await runCli(['write', '--config', join(dir, 'config.json'), '--input', join(dir, 'input.jsonl'), '--state', join(dir, 'state.json'), '--report', join(dir, 'report.jsonl')]);
    expect(last.code, last.stderr).toBe(0);

    expectEachDeliveredOnce();
    const report = await readReport();
    expect(report.map((r) => r.line)).toEqual(Array.from({ length: TOTAL + 2 }, (_, i) => i + 1));
    expect(report.every((r) => r.status === 'delivered')).toBe(true);
    // The last run took every message the state file held as delivered from it, and sent only the rest.
    expect(report.filter((r) => r.resumed).length).toBe(recorded.delivered.length);
    // ...and its summary says so.
    const n = recorded.delivered.length;
    expect(last.stderr).toContain(`${TOTAL + 2} delivered (${n} resumed from the state file, ${TOTAL + 2 - n} sent now)`);
    // (Sends refused by a rate limit are retried; on a loaded machine a few happen, so they are not counted.)
    const after = emulator.stats();
    const refused = (s: typeof after) => s.status429 + (s.errorsByCode['230020'] ?? 0);
    const accepted = after.sendRequests - before.sendRequests - (refused(after) - refused(before));
    expect(accepted).toBe(TOTAL + 2 - recorded.delivered.length);
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
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { delivered: unknown[] };
    expect(state.delivered).toHaveLength(delivered);

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
