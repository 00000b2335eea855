/** An app-level failure mid-run (the bot is disabled): the rest is reported not sent and one line says why. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LarkEmulator, defaultSeed } from '../../src/emulator/index.js';
import { ALICE, BOB, text } from '../integration/helpers.js';
import { runCli } from './cli-helpers.js';

describe('lark-im write, an app-level stop', () => {
  it('exit 1, every message reported with the cause, and "lark-im: sending stopped: <reason>" after the summary', async () => {
    const seed = defaultSeed();
    seed.apps[0]!.botActivateStatus = 0;
    const emulator = await LarkEmulator.start({ seed });
    const dir = await mkdtemp(join(tmpdir(), 'lark-im-stop-'));
    try {
      const app = seed.apps[0]!;
      const input = join(dir, 'in.jsonl');
      await writeFile(input, [text('user', ALICE.openId, 'a'), text('user', BOB.openId, 'b'), text('user', ALICE.openId, 'c')].map((v) => JSON.stringify(v)).join('\n'));
      const report = join(dir, 'report.jsonl');
      const r = await runCli(['write', '--input', input, '--report', report], {
        env: { LARK_APP_ID: app.appId, LARK_APP_SECRET: app.appSecret, LARK_DOMAIN: emulator.baseUrl },
      });
      expect(r.code, r.stderr).toBe(1);
      const lines = (await readFile(report, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { status: string; error: { code: string } });
      expect(lines.map((l) => [l.status, l.error.code])).toEqual(Array(3).fill(['failed', 'APP_UNAVAILABLE']));
      const stderrLines = r.stderr.trim().split('\n');
      expect(stderrLines.at(-2)).toMatch(/0 delivered, 3 failed/);
      expect(stderrLines.at(-1)).toMatch(/^lark-im: sending stopped: .*Bot ability is not activated.*enable the bot capability/);
      expect(r.stdout + r.stderr).not.toContain(app.appSecret);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await emulator.close();
    }
  });

  it('a send scope missing mid-run (its error code is per message elsewhere) also says "sending stopped"', async () => {
    const seed = defaultSeed();
    seed.apps[0]!.scopes = ['contact:user.id:readonly'];
    const emulator = await LarkEmulator.start({ seed });
    const dir = await mkdtemp(join(tmpdir(), 'lark-im-stop-'));
    try {
      const app = seed.apps[0]!;
      const input = join(dir, 'in.jsonl');
      await writeFile(input, [text('user', ALICE.openId, 'a'), text('user', BOB.openId, 'b')].map((v) => JSON.stringify(v)).join('\n'));
      const r = await runCli(['write', '--input', input], {
        env: { LARK_APP_ID: app.appId, LARK_APP_SECRET: app.appSecret, LARK_DOMAIN: emulator.baseUrl },
      });
      expect(r.code, r.stderr).toBe(1);
      const stderrLines = r.stderr.trim().split('\n');
      expect(stderrLines.at(-2)).toMatch(/0 delivered, 2 failed/);
      expect(stderrLines.at(-1)).toMatch(/^lark-im: sending stopped: .*im:message:send_as_bot/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await emulator.close();
    }
  });
});
