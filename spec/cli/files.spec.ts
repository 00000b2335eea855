/**
 * The files a write names, as a user gets them wrong: an output that is one of the run's inputs (also
 * through a symlink or a hard link), a state path that cannot be written, a folder, a closed stdout.
 * Every refusal is exit 2 before anything is read or sent, and names the user's path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { link, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { ALICE, APP, BOB, startEmulator, text } from '../integration/helpers.js';
import { CLI, runCli } from './cli-helpers.js';

let emulator: LarkEmulator;
let dir: string;
let config: string;
let input: string;
const INPUT_TEXT = [text('user', ALICE.openId, 'one'), text('user', BOB.openId, 'two')].map((v) => JSON.stringify(v)).join('\n') + '\n';

beforeAll(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), 'lark-im-files-'));
  config = join(dir, 'config.json');
  input = join(dir, 'input.jsonl');
  await writeFile(config, JSON.stringify({ connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl } }));
  await writeFile(input, INPUT_TEXT);
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

describe('an output that is an input of the run', () => {
  const cases: Array<[string, () => Promise<string[]>, RegExp]> = [
    ['--report names the input', async () => ['--report', input], /^lark-im: --report .*input\.jsonl is the same file as --input .*input\.jsonl: writing it would destroy the input/],
    ['--report is a symlink to the input', async () => {
      const l = join(dir, 'via-symlink.jsonl');
      await symlink(input, l).catch(() => undefined);
      return ['--report', l];
    }, /^lark-im: --report .*via-symlink\.jsonl is the same file as --input/],
    ['--state is a hard link of the input', async () => {
      const l = join(dir, 'via-hardlink.jsonl');
      await link(input, l).catch(() => undefined);
      return ['--state', l];
    }, /^lark-im: --state .*via-hardlink\.jsonl is the same file as --input/],
    ['--report names the config', async () => ['--report', config], /^lark-im: --report .*config\.json is the same file as --config/],
    ['--state names the report', async () => ['--state', join(dir, 'both.out'), '--report', join(dir, 'both.out')], /is the same file as --report .*both\.out: writing it would destroy the other output/],
    ['--state names the input (never "delete it to start over")', async () => ['--state', input], /^lark-im: --state .*input\.jsonl is the same file as --input/],
  ];
  for (const [name, args, message] of cases) {
    it(`${name}: exit 2, the input untouched, nothing sent`, async () => {
      const sends = emulator.stats().sendRequests;
      const r = await runCli(['write', '--config', config, '--input', input, ...(await args())]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/delete it/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(await readFile(input, 'utf8')).toBe(INPUT_TEXT);
      expect(await readFile(config, 'utf8')).toContain(APP.appId);
      expect(emulator.stats().sendRequests).toBe(sends);
    });
  }
});

describe('a state path that cannot be written', () => {
  it('is refused before the first send, naming the path the user gave (not a temporary file)', async () => {
    const sends = emulator.stats().sendRequests;
    const r = await runCli(['write', '--config', config, '--input', input, '--state', '/proc/lark-im-state']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lark-im: --state \/proc\/lark-im-state: cannot write in its folder \/proc: .*\(nothing was sent\)$/m);
    expect(r.stderr).not.toMatch(/\.tmp|probe/);
    expect(emulator.stats().sendRequests).toBe(sends);
  });

  it('a folder as --state or --input is named with its path, in words', async () => {
    const state = await runCli(['write', '--config', config, '--input', input, '--state', dir]);
    expect(state.code).toBe(2);
    expect(state.stderr).toContain(`--state ${dir}: is a folder, not a file`);
    const inp = await runCli(['write', '--config', config, '--input', dir]);
    expect(inp.code).toBe(2);
    expect(inp.stderr.trim()).toBe(`lark-im: --input ${dir}: it is a folder, not a file (EISDIR)`);
    const rep = await runCli(['write', '--config', config, '--input', input, '--report', dir]);
    expect(rep.code).toBe(2);
    expect(rep.stderr.trim()).toBe(`lark-im: --report ${dir}: is a folder, not a file: give a file path (nothing was sent)`);
    const cfg = await runCli(['check', '--config', dir]);
    expect(cfg.code).toBe(2);
    expect(cfg.stderr.trim()).toBe(`lark-im: CONFIG_INVALID: cannot read config file ${dir}: it is a folder, not a file (EISDIR)`);
  });

  it('leaves no probe file behind when the folder is writable', async () => {
    const state = join(dir, 'ok.state');
    const r = await runCli(['write', '--config', config, '--input', input, '--state', state]);
    expect(r.code).toBe(0);
    expect((await stat(state)).isFile()).toBe(true);
    expect((await readdir(dir)).filter((f) => f.includes('probe'))).toEqual([]);
  });
});

describe('a report that cannot be written', () => {
  it('a full disk (/dev/full) stops the run with one line naming --report and the cause; never exit 0', async () => {
    const dry = await runCli(['write', '--config', config, '--input', input, '--dry-run', '--report', '/dev/full']);
    expect(dry.code).toBe(2);
    expect(dry.stderr.trim()).toBe('lark-im: --report /dev/full: cannot write: no space left on the device (ENOSPC); the run stopped');
    const real = await runCli(['write', '--config', config, '--input', input, '--report', '/dev/full']);
    expect(real.code).toBe(1);
    expect(real.stderr).toMatch(/^lark-im: --report \/dev\/full: cannot write: no space left on the device \(ENOSPC\); the run stopped \(messages may have been sent: run again with --state/m);
  });
});

describe('stdout closed by its reader (write --report - | head -1)', () => {
  it('a real send stops sending, writes no stack trace, ends with the summary and exits 1', async () => {
    const many = join(dir, 'many.jsonl');
    await writeFile(many, Array.from({ length: 300 }, (_, i) => JSON.stringify(text('user', ALICE.openId, `pipe ${i}`))).join('\n'));
    const sendsBefore = emulator.stats().sendRequests;
    const child = spawn(process.execPath, [CLI, 'write', '--config', config, '--input', many, '--report', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr).not.toMatch(/\n\s+at |Unhandled|EPIPE/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^\d+ delivered, \d+ failed(, \d+ not sent)?, 0 skipped of \d+ messages in .*\(interrupted/);
    // It stopped: far fewer than the 300 messages reached Lark.
    expect(emulator.stats().sendRequests - sendsBefore).toBeLessThan(300);
  });
});

describe('what a run says at its edges', () => {
  it('an empty input says so and exits 0', async () => {
    const empty = join(dir, 'empty.jsonl');
    await writeFile(empty, '\n\n');
    const r = await runCli(['write', '--config', config, '--input', empty]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^lark-im: the input holds no messages\n0 delivered, 0 failed, 0 skipped of 0 messages in /);
  });

  it('a start failure (wrong secret) writes a report saying why each message was not sent', async () => {
    const bad = join(dir, 'bad-secret.json');
    await writeFile(bad, JSON.stringify({ connection: { appId: APP.appId, appSecret: 'wrong-secret-1234', domain: emulator.baseUrl } }));
    const report = join(dir, 'start-failure.jsonl');
    const withInvalid = join(dir, 'with-invalid.jsonl');
    await writeFile(withInvalid, INPUT_TEXT + '{"receiveType":"user"}\n');
    const r = await runCli(['write', '--config', bad, '--input', withInvalid, '--report', report]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^0 delivered, 1 failed, 2 not sent, 0 skipped of 3 messages in /);
    type Line = { status: string; code?: string; reason?: string; error?: { code: string; message: string } };
    const lines = (await readFile(report, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Line);
    expect(lines.map((l) => [l.status, l.code ?? l.error?.code])).toEqual([
      ['not_sent', 'APP_SECRET_WRONG'],
      ['not_sent', 'APP_SECRET_WRONG'],
      ['failed', 'MESSAGE_INVALID'],
    ]);
    expect(lines[0]!.reason).toMatch(/^the run could not start: /);
    expect(await readFile(report, 'utf8')).not.toContain('wrong-secret-1234');
  });

  it('--json with --report - is refused: one shape per stream', async () => {
    const r = await runCli(['write', '--config', config, '--input', input, '--report', '-', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^lark-im: --json prints the summary on stdout, where --report - writes the report/);
  });

  it('a port in use is named, with the cause in words', async () => {
    const port = new URL(emulator.baseUrl).port;
    for (const command of ['emulator', 'console']) {
      const r = await runCli([command, '--port', port]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`lark-im: EADDRINUSE: cannot listen on 127.0.0.1:${port}: the port is already in use by another program: choose another --port`);
    }
  });

  it('an unknown config key stops check and write with exit 2, naming the key and the nearest known one', async () => {
    const typo = join(dir, 'typo.json');
    await writeFile(typo, JSON.stringify({ connection: { appId: APP.appId, appSecret: APP.appSecret, domian: emulator.baseUrl } }));
    for (const args of [['check', '--config', typo], ['write', '--config', typo, '--input', input]]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe('lark-im: CONFIG_INVALID: invalid connector config: connection.domian is not a known key (did you mean connection.domain?)');
    }
  });

  it('a bad --port names the flag and the range', async () => {
    for (const port of ['abc', '99999']) {
      const r = await runCli(['emulator', '--port', port]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`lark-im: --port must be a whole number from 0 to 65535 (0 = any free port), got "${port}"`);
    }
  });

  it('a bad --history names the flag and starts no emulator (it used to seed nothing, silently)', async () => {
    for (const n of ['abc', '-1', '2.5']) {
      const r = await runCli(['emulator', '--port', '0', '--history', n]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`lark-im: --history must be a whole number of messages (0 or more), got "${n}"`);
      expect(r.stdout).toBe('');
    }
  });
});
