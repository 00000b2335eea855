/**
 * Honest counts when a run stops: messages it did not get to are "not sent", not "failed". Ctrl-C mid-run:
 * the summary counts them apart (text and --json), the report says not_sent, stderr says it in one line
 * (no line per message), and the resume with the same --input and --state sends exactly those.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { APP, crowdSeed, startEmulator, text } from '../integration/helpers.js';
import { CLI, runCli } from './cli-helpers.js';

const N = 200;
let emulator: LarkEmulator;
let dir: string;
let input: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  emulator = await startEmulator({ seed: crowdSeed(40), dedupWindowSeconds: 0 });
  dir = await mkdtemp(join(tmpdir(), 'lark-im-not-sent-'));
  input = join(dir, 'in.jsonl');
  await writeFile(input, Array.from({ length: N }, (_, i) => JSON.stringify(text('email', `crowd${i % 40}@example.com`, `ns ${i}`))).join('\n') + '\n');
  env = { PATH: process.env.PATH, LARK_APP_ID: APP.appId, LARK_APP_SECRET: APP.appSecret, LARK_DOMAIN: emulator.baseUrl };
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts a write and sends SIGINT once `after` messages reached the emulator. */
async function interrupted(args: string[], after: number) {
  const before = emulator.messages().length;
  const child = spawn(process.execPath, [CLI, 'write', '--input', input, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  while (emulator.messages().length - before < after) await new Promise((r) => setTimeout(r, 10));
  child.kill('SIGINT');
  return { code: await closed, stdout, stderr, sent: emulator.messages().length - before };
}

describe('a run stopped by Ctrl-C', () => {
  it('without --report: "N not sent" in the summary and one line saying how to resume, no line per message', async () => {
    const r = await interrupted(['--json'], 20);
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout) as { total: number; delivered: number; failed: number; notSent: number };
    expect(summary.delivered).toBe(r.sent);
    expect(summary.failed).toBe(0);
    expect(summary.notSent).toBeGreaterThan(0);
    expect(summary.delivered + summary.notSent).toBe(summary.total);
    expect(r.stderr).not.toMatch(/INTERRUPTED|\.\.\. and \d+ more/);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-2)).toMatch(new RegExp(`^${summary.delivered} delivered, 0 failed, ${summary.notSent} not sent, 0 skipped of ${summary.total} messages in `));
    expect(lines.at(-1)).toBe(
      `lark-im: ${summary.notSent} messages not sent: run again with the same --input to send them ` +
        "(add --state FILE to send only what was not delivered; Lark's uuid de-duplication covers an hour)",
    );
  });

  it('with --report and --state: not_sent lines, and the resume sends exactly those', async () => {
    const report = join(dir, 'report.jsonl');
    const state = join(dir, 'run.state');
    const r = await interrupted(['--report', report, '--state', state], 20);
    expect(r.code).toBe(1);
    type Line = { line: number; status: string; code?: string; reason?: string; uuid?: string };
    const lines = (await readFile(report, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Line);
    const notSent = lines.filter((l) => l.status === 'not_sent');
    expect(lines.filter((l) => l.status === 'failed')).toEqual([]);
    expect(notSent.length).toBeGreaterThan(0);
    for (const l of notSent) expect([l.code, l.reason, typeof l.uuid]).toEqual(['INTERRUPTED', expect.stringMatching(/^the run was stopped (before this message was sent|while this message waited to be retried)/), 'string']);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      `lark-im: ${notSent.length} messages not sent: run the same command again (the same --input and --state ${state}) to send only what was not delivered`,
    );
    const delivered = lines.filter((l) => l.status === 'delivered').length;
    const sendsBefore = emulator.messages().length;
    const again = await runCli(['write', '--input', input, '--state', state, '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    const resumed = JSON.parse(again.stdout) as { delivered: number; notSent: number; resumed: number };
    expect(resumed).toMatchObject({ delivered: N, notSent: 0, resumed: delivered });
    // Sent now: the not-sent ones and the rest of the input the stopped run never read.
    expect(emulator.messages().length - sendsBefore).toBe(N - delivered);
  });
});
