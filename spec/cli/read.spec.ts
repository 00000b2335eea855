/**
 * `lark-im read` as a user runs it (the built CLI against the emulator): the history as JSON Lines, and a
 * --follow run killed with SIGKILL and started again with --state until every message came out exactly once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedHistory, type LarkEmulator, type SeededHistory } from '../../src/emulator/index.js';
import { ALICE, APP_ID, APP_SECRET, BOB, CAROL, DEV, NOT_MEMBER, OPS, TOPICS, all, isAscending, startEmulator } from '../source/helpers.js';
import { CLI, runCli } from './cli-helpers.js';

let emu: LarkEmulator;
let dir: string;
let seeded: SeededHistory;
const config = () => join(dir, 'config.json');

beforeEach(async () => {
  emu = await startEmulator({ limits: {} });
  seeded = seedHistory(emu, {
    chats: [
      { chatId: OPS, count: 700 },
      { chatId: TOPICS, count: 300 },
      { chatId: DEV, count: 500 },
    ],
    senders: [ALICE, BOB, CAROL],
    startMs: Date.now() - 6 * 3600_000,
  });
  dir = await mkdtemp(join(tmpdir(), 'lark-im-read-'));
  await writeFile(config(), JSON.stringify({ connection: { appId: APP_ID, appSecret: APP_SECRET, domain: emu.baseUrl }, node: { pollIntervalMs: 1000 } }));
});
afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

interface Line {
  op: string;
  messageId: string;
  chatId: string;
  createTime: number;
  updateTime: number;
  rootId: string | null;
}

async function lines(path: string): Promise<Line[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  // Complete lines only (a line being written, or a torn one, has no newline yet).
  return text.split('\n').slice(0, -1).map((l) => JSON.parse(l) as Line);
}

function startRead(output: string, extra: string[] = []): ChildProcess {
  return spawn(process.execPath, [CLI, 'read', '--config', config(), '--follow', '--state', join(dir, 'state.json'), '--output', output, '--json', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function until(cond: () => Promise<boolean>, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 3000 && !(await cond()); i++) {
    if (child.exitCode !== null) throw new Error(`lark-im read exited early (${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

describe('lark-im read', () => {
  it('prints the history as JSON Lines in createTime order per chat, and a JSON summary on stderr', async () => {
    const r = await runCli(['read', '--config', config(), '--chats', `${OPS},${DEV}`, '--json']);
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
    const expected = [...seeded.byChat.get(OPS)!, ...seeded.byChat.get(DEV)!];
    expect(out).toHaveLength(expected.length);
    expect(new Set(out.map((l) => l.messageId)).size).toBe(expected.length);
    for (const chat of [OPS, DEV]) expect(isAscending(out.filter((l) => l.chatId === chat).map((l) => l.createTime))).toBe(true);
    expect(typeof out[0]!.createTime).toBe('number');
    const summary = JSON.parse(r.stderr.trim().split('\n').pop()!);
    const deleted = expected.filter((m) => m.deleted).length;
    expect(summary).toMatchObject({ total: expected.length, inserted: expected.length - deleted, updated: 0, deleted, chats: 2 });
    expect(typeof summary.durationMs).toBe('number');
  }, 60_000);

  it('--since / --until bound the read; a chat the bot is not in is skipped with exit 1', async () => {
    const ops = seeded.byChat.get(OPS)!;
    const since = ops[100]!.createTime;
    const untilMs = ops[200]!.createTime;
    const r = await runCli(['read', '--config', config(), '--chats', OPS, '--since', new Date(since).toISOString(), '--until', String(untilMs)]);
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
    expect(out.map((l) => l.messageId)).toEqual(ops.filter((m) => m.createTime >= since && m.createTime < untilMs).map((m) => m.messageId));

    const bad = await runCli(['read', '--config', config(), '--chats', `${NOT_MEMBER},${DEV}`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/chat oc_0b5a1e7500000000000000000000000b skipped: BOT_NOT_IN_CHAT/);
    expect(bad.stdout.trim().split('\n')).toHaveLength(500);
    // A chat id Lark does not know: read advice (the chat id, membership, the read scopes), never send advice.
    const unknown = await runCli(['read', '--config', config(), '--chats', 'oc_unknown']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/chat oc_unknown skipped: MESSAGE_INVALID: .*\(Lark code 230001, HTTP 400\): the bot cannot read this chat: check the chat_id \(oc_\.\.\., from lark-im receivers --type chat\), that the bot is a member of the chat, and that the app has a read scope \(im:message:readonly or /);
    expect(unknown.stderr).not.toMatch(/receiveId|receiveType|contentType/);
    expect(unknown.stderr).toMatch(/from 0 chats in .*; 1 chat could not be read$/m);

    const usage = await runCli(['read', '--config', config(), '--since', 'yesterday']);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim().split('\n')).toHaveLength(1);
    const same = await runCli(['read', '--config', config(), '--state', join(dir, 'x.json'), '--output', join(dir, 'x.json')]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/--output|--state/);
  }, 60_000);

  it('--follow --state: killed with SIGKILL (history and follow), restarted: every message exactly once across the outputs', async () => {
    const outs = [join(dir, 'out1.jsonl'), join(dir, 'out2.jsonl'), join(dir, 'out3.jsonl')];
    const posted: string[] = [];
    const countAll = async () => (await Promise.all(outs.map(lines))).reduce((n, l) => n + l.length, 0);

    // Run 1: killed in the middle of the history.
    let child = startRead(outs[0]!);
    await until(async () => (await lines(outs[0]!)).length >= 400, child);
    child.kill('SIGKILL');
    await exited(child);
    const firstRun = (await lines(outs[0]!)).length;
    expect(firstRun).toBeLessThan(all(seeded.byChat).length);

    // Run 2: finishes the history, follows; new messages come while it runs; killed again.
    child = startRead(outs[1]!);
    await until(async () => (await countAll()) >= all(seeded.byChat).length, child);
    for (let i = 0; i < 5; i++) posted.push(emu.postMessage({ chatId: i % 2 ? OPS : DEV, senderOpenId: ALICE, text: `live ${i}` }).messageId);
    await until(async () => (await lines(outs[1]!)).some((l) => l.messageId === posted[4]), child);
    posted.push(emu.postMessage({ chatId: OPS, senderOpenId: BOB, text: 'live 5' }).messageId);
    child.kill('SIGKILL');
    await exited(child);

    // A crash between a page's lines and its state: the next run cuts those lines off before going on.
    const size = (await stat(outs[1]!)).size;
    await appendFile(outs[1]!, '{"op":"insert","messageId":"om_torn"');

    // Run 3: more live messages (one in a topic), then SIGTERM: state written, exit 0.
    child = startRead(outs[2]!);
    const root = emu.postMessage({ chatId: TOPICS, senderOpenId: CAROL, text: 'new topic' });
    const reply = emu.postMessage({ chatId: TOPICS, senderOpenId: ALICE, text: 'answer', replyTo: root.messageId });
    posted.push(root.messageId, reply.messageId);
    await until(async () => {
      const got = new Set((await Promise.all(outs.map(lines))).flat().map((l) => l.messageId));
      return posted.every((id) => got.has(id));
    }, child);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    // The torn line is gone: run 3 cut run 2's output back to what its state recorded. A SIGKILL between a
    // page's lines and its state write leaves lines the state does not cover, so the cut may go further back
    // than the size at the kill; those messages come again in run 3's output (the exactly-once check below).
    const kept = await readFile(outs[1]!, 'utf8');
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(size);
    expect(kept).not.toContain('om_torn');
    expect(kept === '' || kept.endsWith('\n')).toBe(true);

    const got = (await Promise.all(outs.map(lines))).flat();
    const ids = got.map((l) => l.messageId);
    const expected = [...all(seeded.byChat).map((m) => m.messageId), ...posted];
    expect(ids.length - new Set(ids).size).toBe(0);
    expect(new Set(ids)).toEqual(new Set(expected));
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    expect(state.kind).toBe('lark-im-read-state');
    expect(JSON.stringify(state).length).toBeLessThan(30_000);
  }, 90_000);
});
