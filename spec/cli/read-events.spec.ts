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

  it('killed with SIGKILL and restarted with --state: every message exactly once across the outputs, the ones posted while it was down too', async () => {
    const outs = [join(dir, 'out1.jsonl'), join(dir, 'out2.jsonl')];
    const start = (out: string) =>
      spawn(process.execPath, [CLI, 'read', '--config', join(dir, 'config.json'), '--chats', OPS, '--follow', '--mode', 'events', '--state', join(dir, 'state.json'), '--output', out], {
        stdio: ['ignore', 'ignore', 'ignore'],
      });
    const exited = (c: ChildProcess) => new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));
    const posted: string[] = [];
    const post = (text: string) => posted.push(emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text }).messageId);
    const got = async () => (await Promise.all(outs.map(lines))).flat().map((l) => l.messageId);

    let child = start(outs[0]!);
    await until(() => emu.longConnection.stats().open === 1, child, 'first connection');
    for (let i = 0; i < 3; i++) post(`first run ${i}`);
    await until(async () => (await lines(outs[0]!)).length === 3, child, 'three lines');
    post('maybe seen'); // may or may not be written (and acked) before the kill
    child.kill('SIGKILL');
    await exited(child);
    await until(() => emu.longConnection.stats().open === 0, child, 'server saw the kill');
    post('while down 1');
    post('while down 2');

    child = start(outs[1]!);
    await until(async () => (await got()).length >= posted.length, child, 'the gap read by the poll after connecting');
    await until(() => emu.longConnection.stats().open === 1, child, 'second connection');
    post('second run');
    await until(async () => new Set(await got()).has(posted[posted.length - 1]!), child, 'the live one');
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    const ids = await got();
    expect(ids.length - new Set(ids).size).toBe(0);
    expect(new Set(ids)).toEqual(new Set(posted));
  });

  it('a state is written before the first line, so lines of a first page whose state never came are cut off on restart', async () => {
    const out = join(dir, 'out.jsonl');
    const args = [CLI, 'read', '--config', join(dir, 'config.json'), '--chats', OPS, '--follow', '--mode', 'events', '--state', join(dir, 'state.json'), '--output', out];
    let child = spawn(process.execPath, args, { stdio: 'ignore' });
    await until(async () => (await readFile(join(dir, 'state.json'), 'utf8').catch(() => '')) !== '', child, 'the first state');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // As if killed between a first page's lines and its state.
    await writeFile(out, '{"op":"insert","messageId":"om_unrecorded"}\n', { flag: 'a' });
    child = spawn(process.execPath, args, { stdio: 'ignore' });
    await until(async () => (await readFile(out, 'utf8')) === '', child, 'the unrecorded line cut off');
    child.kill('SIGTERM');
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
  });
});
