/**
 * The CLI as a user runs it (the built dist/cli/main.js in a child process): exit codes, report, summary,
 * one-line errors, and the App Secret in no output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { buildManifest } from '../../src/platforms/tapdata/manifest.js';
import { ALICE, APP, BOB, startEmulator, text } from '../integration/helpers.js';
import { spawn } from 'node:child_process';
import { CLI, runCli } from './cli-helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

let emulator: LarkEmulator;
let dir: string;
let config: string;
let badSecretConfig: string;
const WRONG_SECRET = 'wrong-secret-7f3a9c';

beforeAll(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), 'lark-im-cli-'));
  config = join(dir, 'config.json');
  badSecretConfig = join(dir, 'bad-secret.json');
  await writeFile(config, JSON.stringify({ connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl } }));
  await writeFile(badSecretConfig, JSON.stringify({ connection: { appId: APP.appId, appSecret: WRONG_SECRET, domain: emulator.baseUrl } }));
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

const everything = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

describe('lark-im spec', () => {
  it('prints the manifest, equal to buildManifest()', async () => {
    const r = await runCli(['spec']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(buildManifest());
  });
});

describe('lark-im check', () => {
  it('exits 0 and prints the items in order when nothing fails', async () => {
    const r = await runCli(['check', '--config', config, '--json']);
    expect(r.code).toBe(0);
    const items = JSON.parse(r.stdout) as Array<{ item: string; status: string }>;
    expect(items.map((i) => [i.item, i.status])).toEqual([
      ['credentials', 'ok'],
      ['bot', 'ok'],
      ['permissions', 'ok'],
      ['read', 'ok'],
    ]);
  });

  it('exits 1 with advice on a wrong secret, and never prints the secret', async () => {
    const r = await runCli(['check', '--config', badSecretConfig]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[FAIL\] App credentials: .*App Secret is wrong/);
    expect(everything(r)).not.toContain(WRONG_SECRET);
  });

  it('reads credentials from the environment when there is no config file', async () => {
    const r = await runCli(['check'], { env: { LARK_APP_ID: APP.appId, LARK_APP_SECRET: APP.appSecret, LARK_DOMAIN: emulator.baseUrl } });
    expect(r.code).toBe(0);
    expect(everything(r)).not.toContain(APP.appSecret);
  });
});

describe('lark-im write', () => {
  it('delivers a file, writes one report line per message in input order, prints the JSON summary', async () => {
    const input = join(dir, 'mixed.jsonl');
    await writeFile(
      input,
      [
        JSON.stringify(text('user', ALICE.openId, 'one')),
        '',
        JSON.stringify([text('email', 'bob@example.com', 'two'), text('user', 'ou_ffffffffffffffffffffffffffffffff', 'three')]),
        '{"receiveType": "user", ',
        JSON.stringify(text('phone', '+86 138 0000 0002', 'four')),
      ].join('\n'),
    );
    const report = join(dir, 'report.jsonl');
    const r = await runCli(['write', '--config', config, '--input', input, '--report', report, '--json']);
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ total: 5, delivered: 3, failed: 2, skipped: 0 });
    expect(typeof summary.durationMs).toBe('number');
    expect(r.stderr).toMatch(/3 delivered, 2 failed, 0 skipped of 5 messages/);

    const lines = (await readFile(report, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.line, l.index, l.status])).toEqual([
      [1, 0, 'delivered'],
      [3, 0, 'delivered'],
      [3, 1, 'failed'],
      [4, 0, 'failed'],
      [5, 0, 'delivered'],
    ]);
    expect(lines[0].messageId).toMatch(/^om_/);
    expect(lines[2].error).toMatchObject({ code: 'RECEIVER_NOT_FOUND', larkCode: 99992361, retryable: false });
    expect(lines[3].error).toMatchObject({ code: 'INPUT_INVALID', retryable: false });
    const bob = emulator.messages().find((m) => m.content.includes('four'));
    expect(bob?.resolvedOpenId).toBe(BOB.openId);
  });

  it('reads a JSON array from standard input', async () => {
    const body = JSON.stringify([text('user', ALICE.openId, 'from stdin 1'), text('user', ALICE.openId, 'from stdin 2')], null, 2);
    const r = await runCli(['write', '--config', config, '--input', '-', '--json'], { input: body });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ total: 2, delivered: 2 });
  });

  it('dry-run prints the rendered requests, sends nothing and exits 1 when some are invalid', async () => {
    const sends = emulator.stats().sendRequests;
    const r = await runCli(['write', '--config', config, '--input', fixture('bad-messages.jsonl'), '--dry-run']);
    expect(r.code).toBe(1);
    expect(emulator.stats().sendRequests).toBe(sends);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ line: 1, status: 'valid', request: { method: 'POST', body: { msg_type: 'text' } } });
    expect(lines[1]).toMatchObject({ line: 2, status: 'failed', error: { code: 'INPUT_INVALID' } });
    expect(r.stderr).toMatch(/^dry-run: \d+ valid, \d+ invalid/m);
  });

  it('dry-run of the demo messages is all valid: exit 0', async () => {
    const r = await runCli(['write', '--config', config, '--input', fixture('demo-messages.jsonl'), '--dry-run', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ total: 16, valid: 16, failed: 0 });
  });

  it('dry-run needs no config at all: it never talks to Lark', async () => {
    const r = await runCli(['write', '--input', fixture('demo-messages.jsonl'), '--dry-run', '--report', join(dir, 'offline.jsonl'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ total: 16, valid: 16 });
    const first = JSON.parse((await readFile(join(dir, 'offline.jsonl'), 'utf8')).split('\n')[0]!);
    expect(first.request.url).toMatch(/^https:\/\/open\.feishu\.cn\/open-apis\/im\/v1\/messages\?receive_id_type=open_id$/);
  });

  it('ends quietly with its summary and exits 1 when the reader of its output goes away (EPIPE)', async () => {
    const input = join(dir, 'many.jsonl');
    await writeFile(input, Array.from({ length: 50_000 }, (_, i) => JSON.stringify(text('user', ALICE.openId, `m${i}`))).join('\n'));
    const child = spawn(process.execPath, [CLI, 'write', '--input', input, '--dry-run'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^dry-run: \d+ valid, 0 invalid, 0 skipped of \d+ messages in .* \(interrupted/);
  });

  it('exits 2 with one line and sends nothing on a wrong secret', async () => {
    const sends = emulator.stats().sendRequests;
    const r = await runCli(['write', '--config', badSecretConfig, '--input', fixture('demo-messages.jsonl')]);
    expect(r.code).toBe(2);
    // The cause once, then the summary every run ends with.
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^lark-im: APP_SECRET_WRONG: .*App Secret is wrong.*\(nothing was sent\)$/);
    expect(lines[1]).toMatch(/^0 delivered, 0 failed, 16 not sent, 0 skipped of 16 messages in /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(everything(r)).not.toContain(WRONG_SECRET);
    expect(emulator.stats().sendRequests).toBe(sends);
  });

  it('exits 2 with one line for an unreadable input, a missing config and an invalid config', async () => {
    const missingInput = await runCli(['write', '--config', config, '--input', join(dir, 'nope.jsonl')]);
    expect(missingInput.code).toBe(2);
    expect(missingInput.stderr).toMatch(/^lark-im: --input .*nope\.jsonl: no such file or folder \(ENOENT\)$/m);

    const missingConfig = await runCli(['write', '--config', join(dir, 'nope.json'), '--input', '-']);
    expect(missingConfig.code).toBe(2);
    expect(missingConfig.stderr.trim().split('\n')).toHaveLength(1);

    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, JSON.stringify({ connection: { appId: '', appSecret: 's3cr3t-in-bad-config', domain: 'nowhere' } }));
    const bad = await runCli(['write', '--config', invalid, '--input', '-']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^lark-im: CONFIG_INVALID: .*appId/);
    expect(bad.stderr).toMatch(/domain/);
    expect(bad.stderr).not.toContain('s3cr3t-in-bad-config');
  });

  it('exits 2 on a usage mistake', async () => {
    const r = await runCli(['write', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--input/);
  });
});

describe('lark-im demo', () => {
  it('runs check and both fixture files on the emulator and exits 0', async () => {
    const r = await runCli(['demo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\[ok {2}\] App credentials/);
    expect(r.stdout).toMatch(/16 delivered, 0 failed, 0 skipped of 16 messages/);
    expect(r.stdout).toMatch(/2 delivered, 15 failed, 0 skipped of 17 messages/);
    expect(r.stdout).toMatch(/3 delivered, 0 failed, 0 skipped of 3 messages/);
    // Uploads run concurrently: either may be listed first, and each just once.
    const uploaded = /^uploaded (.*)$/m.exec(r.stdout)?.[1]?.split(', ').sort();
    expect(uploaded).toEqual([expect.stringMatching(/^file weekly-report\.pdf \(436 bytes\) -> file_\w+$/), expect.stringMatching(/^image chart\.png \(174 bytes\) -> img_\w+$/)]);
    expect(r.stdout).toMatch(/\[ok {2}\] Images and files \(im:resource\)/);
    expect(r.stdout).toMatch(/read 8 messages \(6 sent by the bot, 2 by a user\)/);
    expect(r.stdout).toMatch(/delete .* user This message was recalled/);
    for (const type of ['text', 'post', 'image', 'interactive', 'share_chat', 'share_user', 'audio', 'media', 'file', 'sticker']) {
      expect(r.stdout).toMatch(new RegExp(`delivered line .* ${type} `));
    }
    expect(everything(r)).not.toContain(APP.appSecret);
  }, 30_000);
});
