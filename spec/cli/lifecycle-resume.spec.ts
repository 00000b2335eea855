/**
 * Done means (issue 17): a change stream of a few hundred events over 100 keys against the emulator with
 * its uuid de-duplication OFF, the CLI SIGKILLed once mid-way and run again with the same --state: every key
 * not deleted has one live message showing its last values (the key past 20 edits: its newest one), every
 * deleted key's message is recalled, and no key got a second message except a send committed within 150 ms
 * before the kill (or the replacement of a message Lark would not edit again). With text, with a card
 * template updated in place, and with two workers sharing Redis. Uses the built CLI (npm test builds first).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LarkEmulator } from '../../src/emulator/index.js';
import type { DeliveredMessage } from '../../src/emulator/types.js';
import { APP, crowdSeed, startEmulator } from '../integration/helpers.js';
import { CLI, runCli } from './cli-helpers.js';
import { changeStream, DELETED, LONG_KEY, RECEIVERS } from '../pipeline/lifecycle/change-stream.js';
import { suiteRedisUrl, uniquePrefix } from '../helpers/redis.js';

const TEXT_TEMPLATE = { contentType: 'text', content: { text: 'order {{id}}: {{status}} v{{v}}' } };
const CARD_TEMPLATE = {
  contentType: 'interactive',
  content: { config: { wide_screen_mode: true }, elements: [{ tag: 'div', text: { tag: 'plain_text', content: 'order {{id}}: {{status}} v{{v}}' } }] },
};

let emulator: LarkEmulator;
let dir: string;
beforeEach(async () => {
  emulator = await startEmulator({ seed: crowdSeed(RECEIVERS), dedupWindowSeconds: 0 });
  dir = await mkdtemp(join(tmpdir(), 'lark-im-lifecycle-'));
});
afterEach(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(template: unknown, redis?: { url: string; prefix: string }): Promise<string> {
  const file = join(dir, 'config.json');
  const node = {
    sendType: 'dynamic_binding',
    dynamicBinding: [{ receiveType: 'email', receiveId: 'owner' }],
    template,
    messageKey: 'id',
    updateEvents: 'edit',
    deleteEvents: 'recall',
  };
  await writeFile(
    file,
    JSON.stringify({
      connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl },
      node,
      ...(redis ? { store: { redis: redis.url, prefix: redis.prefix } } : {}),
    }),
  );
  return file;
}

function writeArgs(config: string, input: string, state: string, report: string): string[] {
  return ['write', '--config', config, '--input', input, '--state', state, '--report', report];
}

function start(args: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function until(done: () => boolean, child: ChildProcess): Promise<void> {
  while (!done()) {
    if (child.exitCode !== null) throw new Error('the run ended before the kill point');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The text a message shows (a text message's text, or a card's div). */
function shown(m: DeliveredMessage): string {
  const c = JSON.parse(m.content) as { text?: string; elements?: Array<{ text?: { content?: string } }> };
  return c.text ?? c.elements?.[0]?.text?.content ?? '';
}

function keyOf(m: DeliveredMessage): string {
  return /^order (k\d+):/.exec(shown(m))?.[1] ?? '?';
}

/**
 * A kill, and the earliest the run started just after it could deliver anything: what the emulator delivered
 * in between came from requests the killed child had on the wire, whose answers it never read (however late a
 * loaded machine let the emulator read them).
 */
interface Kill {
  at: number;
  nextRunAt: number;
}

/** Less than the CLI takes to start and fetch a token before its first send (about 300 ms on an idle machine). */
const CLI_START_MS = 100;

/** SIGKILLs the child now; resolves once it is gone, when the next run is to start. */
async function killNow(child: ChildProcess, done: Promise<unknown>): Promise<Kill> {
  const at = Date.now();
  child.kill('SIGKILL');
  await done;
  return { at, nextRunAt: Date.now() + CLI_START_MS };
}

/** The checks of "done means", given the kills. */
function expectEveryKeyRight(expected: Map<string, string | null>, kills: Kill[], opts: { card: boolean }) {
  const nearAKill = (t: number) => kills.some((k) => k.at - t <= 150 && t <= k.nextRunAt);
  const byKey = new Map<string, DeliveredMessage[]>();
  for (const m of emulator.messages()) byKey.set(keyOf(m), [...(byKey.get(keyOf(m)) ?? []), m]);
  expect(byKey.has('?')).toBe(false);
  let extra = 0;
  for (const [key, last] of expected) {
    const sent = (byKey.get(key) ?? []).sort((a, b) => a.createTime - b.createTime);
    expect(sent.length, `key ${key} has no message`).toBeGreaterThan(0);
    const newest = sent.at(-1)!;
    for (const older of sent.slice(0, -1)) {
      // A second message: the replacement of one Lark would not edit again (20 edits), or a send near a kill.
      const replaced = older.edits === 20;
      expect(replaced || nearAKill(older.createTime), `${key}: a second message, first sent at ${older.createTime}, kills at ${kills.map((k) => k.at).join(', ')}`).toBe(true);
      if (!replaced) extra += 1;
      if (!replaced && last !== null) expect(older.recalled, `${key}: a stale copy is live`).not.toBe(true);
    }
    if (last === null) {
      for (const m of sent) expect(m.recalled, `${key} was deleted but ${m.messageId} is live`).toBe(true);
    } else {
      expect(newest.recalled, `${key}: its newest message was recalled`).not.toBe(true);
      expect(shown(newest), `${key} shows stale values`).toBe(last);
      if (opts.card) expect((JSON.parse(newest.content) as { config?: { update_multi?: boolean } }).config?.update_multi).toBe(true);
    }
  }
  return { extra, messages: emulator.messages().length };
}

async function reportOf(path: string): Promise<Array<{ status: string; resumed?: boolean; replacedId?: string }>> {
  return (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
}

async function killedAndResumed(template: unknown, card: boolean) {
  const { lines, expected } = changeStream();
  const input = join(dir, 'changes.jsonl');
  await writeFile(input, lines.join('\n') + '\n');
  const args = writeArgs(await writeConfig(template), input, join(dir, 'state.jsonl'), join(dir, 'report.jsonl'));
  const child = start(args);
  const done = exited(child);
  // Mid-way: after the inserts, while the updates are being applied.
  await until(() => emulator.stats().changeRequests >= 120, child);
  const kills = [await killNow(child, done)];
  const second = await runCli(args);
  expect(second.code, second.stderr).toBe(0);
  const report = await reportOf(join(dir, 'report.jsonl'));
  expect(report.length).toBeGreaterThanOrEqual(lines.length);
  expect(report.filter((r) => r.status === 'failed')).toEqual([]);
  expect(report.some((r) => r.resumed)).toBe(true);
  return { ...expectEveryKeyRight(expected, kills, { card }), report, events: lines.length };
}

describe('a change stream, SIGKILLed once and resumed with the same --state (dedup off)', () => {
  it('text: every live key shows its last values in one message, deleted keys recalled', async () => {
    const { extra, report, events } = await killedAndResumed(TEXT_TEMPLATE, false);
    // The key past 20 edits was replaced once, the old id named.
    const replaced = report.filter((r) => r.status === 'replaced');
    expect(replaced.length).toBeGreaterThanOrEqual(1);
    expect(replaced.every((r) => typeof r.replacedId === 'string')).toBe(true);
    const long = emulator.messages().filter((m) => keyOf(m) === LONG_KEY);
    expect(long.filter((m) => m.edits === 20).length).toBeGreaterThanOrEqual(1);
    expect(emulator.messages().filter((m) => DELETED.has(keyOf(m))).every((m) => m.recalled)).toBe(true);
    console.log(`lifecycle text: ${events} events, ${emulator.messages().length} messages, ${extra} sent twice near the kill`);
  }, 120_000);

  it('card template: every card updated in place (update_multi), deleted keys recalled', async () => {
    const { extra, report, events } = await killedAndResumed(CARD_TEMPLATE, true);
    // PATCH has no edit count: no card was replaced.
    expect(report.filter((r) => r.status === 'replaced')).toEqual([]);
    expect(report.filter((r) => r.status === 'edited').length).toBeGreaterThan(300);
    console.log(`lifecycle cards: ${events} events, ${emulator.messages().length} messages, ${extra} sent twice near the kill`);
  }, 120_000);

  it('two workers sharing Redis: a key sent by one is edited and recalled by the other', async () => {
    const { lines, expected } = changeStream();
    // Two partitions by key, rebalanced half-way: worker A takes even keys, then odd ones (B the other way).
    const half = Math.floor(lines.length / 2);
    const parity = (line: string) => {
      const v = JSON.parse(line) as Record<string, unknown>;
      const ev = (v.payload ?? v) as { after?: { id?: string }; before?: { id?: string }; id?: string };
      const id = ev.after?.id ?? ev.before?.id ?? ev.id ?? '';
      return Number(id.slice(1)) % 2;
    };
    const parts = { a1: [] as string[], b1: [] as string[], a2: [] as string[], b2: [] as string[] };
    lines.forEach((l, i) => {
      const even = parity(l) === 0;
      if (i < half) (even ? parts.a1 : parts.b1).push(l);
      else (even ? parts.b2 : parts.a2).push(l);
    });
    const config = await writeConfig(TEXT_TEMPLATE, { url: suiteRedisUrl(), prefix: uniquePrefix() });
    const argsOf = async (name: keyof typeof parts) => {
      const input = join(dir, `${name}.jsonl`);
      await writeFile(input, parts[name].join('\n') + '\n');
      return writeArgs(config, input, join(dir, `${name}.state`), join(dir, `${name}.report`));
    };
    const first = await Promise.all([runCli(await argsOf('a1')), runCli(await argsOf('b1'))]);
    for (const r of first) expect(r.code, r.stderr).toBe(0);
    const sentBefore = emulator.messages().length;
    const changesBefore = emulator.stats().changeRequests;
    // The rebalanced half: worker A is killed mid-way and started again with its state.
    const a2 = await argsOf('a2');
    const b2 = runCli(await argsOf('b2'));
    const child = start(a2);
    const done = exited(child);
    await until(() => emulator.stats().changeRequests >= changesBefore + 60, child);
    const kills = [await killNow(child, done)];
    const again = await runCli(a2);
    expect(again.code, again.stderr).toBe(0);
    expect((await b2).code).toBe(0);
    // The second half sent (almost) nothing new: its keys' messages came from the other worker, found in Redis.
    const { extra } = expectEveryKeyRight(expected, kills, { card: false });
    const newInSecondHalf = emulator.messages().length - sentBefore;
    expect(newInSecondHalf).toBeLessThanOrEqual(2 + extra);
    const reports = [...(await reportOf(join(dir, 'a2.report'))), ...(await reportOf(join(dir, 'b2.report')))];
    expect(reports.filter((r) => r.status === 'failed')).toEqual([]);
    expect(reports.filter((r) => r.status === 'recalled').length).toBe(DELETED.size);
    console.log(`lifecycle redis: ${lines.length} events over 2 workers, ${emulator.messages().length} messages, ${extra} sent twice near the kill`);
  }, 180_000);
});
