/**
 * `lark-im read --follow --mode events` as a user runs it: the built CLI against the emulator, messages posted
 * while it follows come out as JSON Lines through the long connection; SIGINT ends it with exit 0 and a summary.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { ALICE, APP_ID, APP_SECRET, OPS, startEmulator } from '../source/helpers.js';
import { CLI } from './cli-helpers.js';

let emu: LarkEmulator;
let dir: string;
beforeEach(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), 'lark-im-read-events-'));
  // A poll interval of an hour: only the long connection can bring the live messages within the spec.
  await writeFile(join(dir, 'config.json'), JSON.stringify({ connection: { appId: APP_ID, appSecret: APP_SECRET, domain: emu.baseUrl }, node: { pollIntervalMs: 3_600_000 } }));
});
afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

async function lines(path: string): Promise<Array<{ op: string; messageId: string; text: string | null }>> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').slice(0, -1).map((l) => JSON.parse(l));
}

async function until(cond: () => boolean | Promise<boolean>, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await cond()) return;
    if (child.exitCode !== null) throw new Error(`lark-im read exited early (${child.exitCode}) waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('lark-im read --follow --mode events', () => {
  it('follows through the long connection and stops cleanly on SIGINT', async () => {
    const out = join(dir, 'out.jsonl');
    const child = spawn(process.execPath, [CLI, 'read', '--config', join(dir, 'config.json'), '--chats', OPS, '--follow', '--mode', 'events', '--state', join(dir, 'state.json'), '--output', out, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    await until(() => emu.longConnection.stats().open === 1, child, 'the long connection');
    const live = [
      emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'live one' }),
      emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'live two' }),
    ];
    await until(async () => (await lines(out)).filter((l) => live.some((m) => m.messageId === l.messageId)).length === 2, child, 'the live lines');
    emu.recallMessage(live[0]!.messageId);
    await until(async () => (await lines(out)).some((l) => l.op === 'delete' && l.messageId === live[0]!.messageId), child, 'the delete line');
    await until(() => emu.longConnection.stats().acks === 3, child, 'three acks');

    child.kill('SIGINT');
    expect(await exit).toBe(0);
    const got = (await lines(out)).filter((l) => live.some((m) => m.messageId === l.messageId));
    expect(got.map((l) => [l.op, l.text])).toEqual([
      ['insert', 'live one'],
      ['insert', 'live two'],
      ['delete', null],
    ]);
    const summary = JSON.parse(stderr.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ deleted: 1 });
    expect(summary.inserted).toBeGreaterThanOrEqual(2);
    expect(stderr).not.toContain(APP_SECRET);
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    expect(state.kind).toBe('lark-im-read-state');
  });
});
