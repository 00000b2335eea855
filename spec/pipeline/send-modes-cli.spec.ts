/** The send-mode example configs (fixtures/send-modes, the README's examples) through the built CLI. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { APP, startEmulator } from '../integration/helpers.js';
import { runCli } from '../cli/cli-helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/send-modes/${name}`, import.meta.url));
const ORDERS = fixture('orders.jsonl');

let emulator: LarkEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ limits: false });
});
afterAll(async () => {
  await emulator.close();
});

const reportLines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);

describe('write with a send mode', () => {
  it('dry-run shows the rendered request of each message, and the failed ones name their field', async () => {
    const r = await runCli(['write', '--config', fixture('dynamic-binding.json'), '--input', ORDERS, '--dry-run', '--report', '-']);
    expect(r.code).toBe(1);
    const lines = reportLines(r.stdout);
    expect(lines.map((l) => [l.line, l.index, l.status, l.error?.field])).toEqual([
      [1, 0, 'valid', undefined],
      [1, 1, 'valid', undefined],
      [2, 0, 'valid', undefined],
      [2, 1, 'valid', undefined],
      [3, 0, 'failed', 'customer.email'],
      [3, 1, 'failed', 'team_chat'],
    ]);
    expect(lines[2]!.request.body).toMatchObject({ receive_id: 'bob@example.com', msg_type: 'text', content: JSON.stringify({ text: 'Order 1002 shipped 🚚' }) });
  });

  it('each example config sends to the emulator what its dry-run showed', async () => {
    const env = { LARK_APP_ID: APP.appId, LARK_APP_SECRET: APP.appSecret, LARK_DOMAIN: emulator.baseUrl };
    for (const config of ['dynamic-binding.json', 'template.json', 'fixed-markdown.json']) {
      emulator.reset();
      const dry = reportLines((await runCli(['write', '--config', fixture(config), '--input', ORDERS, '--dry-run', '--report', '-'], { env })).stdout);
      const real = await runCli(['write', '--config', fixture(config), '--input', ORDERS, '--report', '-'], { env });
      const sent = reportLines(real.stdout);
      const valid = dry.filter((l) => l.status === 'valid');
      expect(sent.filter((l) => l.status === 'delivered')).toHaveLength(valid.length);
      // Sends run concurrently: compare as sorted sets of (receiver, type, content).
      const key = (m: { receive_id: string; msg_type: string; content: string }) => JSON.stringify([m.receive_id, m.msg_type, m.content]);
      expect(emulator.messages().map((m) => key({ receive_id: m.receiveId, msg_type: m.msgType, content: m.content })).sort()).toEqual(
        valid.map((l) => key(l.request.body)).sort(),
      );
      expect(real.stdout + real.stderr).not.toContain(APP.appSecret);
    }
  });
});
