/**
 * A bad flag value or an unusable output path, as a user types them: exit 2 at once (no hang), one line that
 * names the flag and what it accepts, nothing read or sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { ALICE, APP, startEmulator, text } from '../integration/helpers.js';
import { runCli } from './cli-helpers.js';

let emulator: LarkEmulator;
let dir: string;
let input: string;
let env: NodeJS.ProcessEnv;
/** A hang is cut here (the spec then sees code null, not a vitest timeout). */
const KILL_AFTER_MS = 8000;

beforeAll(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), 'lark-im-flags-'));
  input = join(dir, 'in.jsonl');
  await writeFile(input, JSON.stringify(text('user', ALICE.openId, 'flags')) + '\n');
  await writeFile(join(dir, 'one.jsonl'), '{}\n');
  env = { LARK_APP_ID: APP.appId, LARK_APP_SECRET: APP.appSecret, LARK_DOMAIN: emulator.baseUrl };
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

async function refused(args: string[]) {
  const sends = emulator.stats().sendRequests;
  const r = await runCli(args, { env, timeoutMs: KILL_AFTER_MS });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(emulator.stats().sendRequests).toBe(sends);
  return r;
}

describe('an output path that cannot be used', () => {
  it('--state under /proc (a recursive mkdir there never returns) is exit 2 within seconds, naming --state', async () => {
    const r = await refused(['write', '--input', input, '--state', '/proc/lark-im-nope/x.state']);
    expect(r.elapsedMs).toBeLessThan(KILL_AFTER_MS);
    expect(r.stderr.trim()).toBe('lark-im: --state /proc/lark-im-nope/x.state: cannot create the folder /proc/lark-im-nope: the file system takes no new folders there (nothing was sent)');
    const read = await refused(['read', '--state', '/proc/lark-im-nope/r.state']);
    expect(read.stderr.trim()).toMatch(/^lark-im: --state \/proc\/lark-im-nope\/r\.state: cannot create the folder .*\(nothing was read\)$/);
  });

  it('--state whose parent is a file names that file (not "it already exists")', async () => {
    const r = await refused(['write', '--input', input, '--state', join(dir, 'one.jsonl', 'x.state')]);
    expect(r.stderr.trim()).toBe(`lark-im: --state ${join(dir, 'one.jsonl', 'x.state')}: ${join(dir, 'one.jsonl')} is a file, not a folder (nothing was sent)`);
  });

  it('--report and --output in a folder that does not exist name their flag', async () => {
    const report = await refused(['write', '--input', input, '--report', '/nonexistent-lark-im/d/r.jsonl']);
    expect(report.stderr.trim()).toBe('lark-im: --report /nonexistent-lark-im/d/r.jsonl: its folder /nonexistent-lark-im/d does not exist (nothing was sent)');
    const output = await refused(['read', '--output', '/nonexistent-lark-im/d/o.jsonl']);
    expect(output.stderr.trim()).toBe('lark-im: --output /nonexistent-lark-im/d/o.jsonl: its folder /nonexistent-lark-im/d does not exist (nothing was read)');
    const proc = await refused(['read', '--output', '/proc/lark-im-nope/o.jsonl']);
    expect(proc.stderr).toMatch(/^lark-im: --output \/proc\/lark-im-nope\/o\.jsonl: /);
  });

  it('console --config of a file that does not exist names --config', async () => {
    const r = await refused(['console', '--port', '0', '--config', join(dir, 'nonexist.json')]);
    expect(r.stderr.trim()).toBe(`lark-im: --config ${join(dir, 'nonexist.json')}: no such file or folder (ENOENT)`);
    expect(r.stdout).toBe('');
  });
});

describe('a flag value the command cannot use', () => {
  it('console --lang fr: exit 2 naming the languages (it started in English)', async () => {
    const r = await refused(['console', '--port', '0', '--lang', 'fr']);
    expect(r.stderr.trim()).toBe('lark-im: --lang must be one of en_US, zh_CN, zh_TW, got "fr"');
    expect(r.stdout).toBe('');
  });

  it('read --since after --until: exit 2 (it read nothing and said exit 0)', async () => {
    const r = await refused(['read', '--since', '2030-01-01', '--until', '2020-01-01']);
    expect(r.stderr.trim()).toBe('lark-im: --since 2030-01-01 is not before --until 2020-01-01: no message could be read; give a --since earlier than --until');
    expect(r.stdout).toBe('');
  });

  it('read --chats "" (an unset variable) is refused, not read as every chat', async () => {
    for (const chats of ['', ' , ']) {
      const r = await refused(['read', '--chats', chats]);
      expect(r.stderr.trim()).toBe(`lark-im: --chats must be "all" or a comma-separated list of chat_ids (oc_...), got ${JSON.stringify(chats)}`);
      expect(r.stdout).toBe('');
    }
  });

  it('a bad --since or --mode names the value it got', async () => {
    expect((await refused(['read', '--since', 'yesterday'])).stderr).toContain('--since must be an ISO 8601 time (2025-01-31T08:00:00Z) or epoch milliseconds, got "yesterday"');
    expect((await refused(['read', '--mode', 'push'])).stderr).toContain('--mode must be one of poll, events, got "push"');
  });
});

describe('the common mistakes, understood', () => {
  it('a domain copied with its API path (…/open-apis) works, and a .json file of one pretty-printed object is one message', async () => {
    const json = join(dir, 'one.json');
    await writeFile(json, JSON.stringify(text('user', ALICE.openId, 'pretty'), null, 2) + '\n');
    const sends = emulator.stats().sendRequests;
    const r = await runCli(['write', '--input', json], { env: { ...env, LARK_DOMAIN: `${emulator.baseUrl}/open-apis` }, timeoutMs: KILL_AFTER_MS });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^1 delivered, 0 failed, 0 skipped of 1 message in /);
    expect(emulator.stats().sendRequests - sends).toBe(1);
  });
});
