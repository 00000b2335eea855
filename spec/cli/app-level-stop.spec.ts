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
      type Line = { status: string; error?: { code: string }; code?: string; reason?: string };
      const lines = (await readFile(report, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Line);
      // Sent before the stop: failed with the cause; after it: not sent, naming the cause (never a second "failed").
      for (const l of lines) {
        if (l.status === 'failed') expect(l.error!.code).toBe('APP_UNAVAILABLE');
        else expect([l.status, l.code, l.reason]).toEqual(['not_sent', 'APP_UNAVAILABLE', expect.stringMatching(/^not sent: an earlier message failed with an app-level error/)]);
      }
      const failed = lines.filter((l) => l.status === 'failed').length;
      expect(failed).toBeGreaterThanOrEqual(1);
      const stderrLines = r.stderr.trim().split('\n');
      const summary = stderrLines.findIndex((l) => l.startsWith('0 delivered, '));
      expect(stderrLines[summary]).toMatch(failed === 3 ? /^0 delivered, 3 failed, 0 skipped/ : new RegExp(`^0 delivered, ${failed} failed, ${3 - failed} not sent, 0 skipped`));
      expect(stderrLines[summary + 1]).toMatch(/^lark-im: sending stopped: .*Bot ability is not activated.*enable the bot capability/);
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
      // Those that reached Lark failed; those after the stop were not sent (which ones: timing).
      const summary = stderrLines.findIndex((l) => /^0 delivered, /.test(l));
      const [, failed, notSent] = /^0 delivered, (\d+) failed(?:, (\d+) not sent)?, 0 skipped of 2 messages/.exec(stderrLines[summary]!)!;
      expect(Number(failed)).toBeGreaterThanOrEqual(1);
      expect(Number(failed) + Number(notSent ?? 0)).toBe(2);
      expect(stderrLines[summary + 1]).toMatch(/^lark-im: sending stopped: .*im:message:send_as_bot/);
      if (notSent) expect(stderrLines[summary + 2]).toBe(`lark-im: 1 message not sent: run again with the same --input to send it (add --state FILE to send only what was not delivered; Lark's uuid de-duplication covers an hour)`);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await emulator.close();
    }
  });
});
