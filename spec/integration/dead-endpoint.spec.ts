/**
 * Lark goes away mid-run (the emulator stopped): the run stops like it does for app-level failures, in the
 * endpoint-down span (30 s of fake time) instead of retrying each message for minutes; every message is
 * reported, the rest as not sent with the reason.
 */
import { describe, expect, it } from 'vitest';
import { retryPolicies } from '../../src/lark/retry.js';
import type { MessageOutcome } from '../../src/pipeline/report/outcome.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { ALICE, BOB, CHAT_WITH_BOT, UNPACED, connectorFor, records, startEmulator, text } from './helpers.js';

describe('a dead endpoint mid-run', () => {
  it('stops the run with ENDPOINT_UNREACHABLE naming the host; delivered ones stay delivered, the rest are reported not sent', async () => {
    const emulator = await startEmulator({ limits: false });
    const host = new URL(emulator.baseUrl).host;
    const clock = new FakeClock({ autoAdvance: true });
    const start = clock.now();
    const connector = connectorFor(emulator, { clock, random: () => 0.5, retry: retryPolicies.standard, pacing: UNPACED });
    const receivers = [
      ['user', ALICE.openId],
      ['user', BOB.openId],
      ['chat', CHAT_WITH_BOT.chatId],
    ] as const;
    const input = records(Array.from({ length: 200 }, (_, i) => text(receivers[i % 3]![0], receivers[i % 3]![1], `dead ${i}`)));
    const outcomes: MessageOutcome[] = [];
    let delivered = 0;

    try {
      const summary = await connector.writeStream(input, {
        onOutcome: (o) => void outcomes.push(o),
        onDelivered: () => {
          if (++delivered === 20) void emulator.close();
        },
      });
      expect(outcomes).toHaveLength(200);
      // The host gone is the run's stop, not the messages' fault: the rest are not sent, none failed.
      expect(summary.delivered + summary.notSent).toBe(200);
      expect(summary.failed).toBe(0);
      expect(summary.delivered).toBeGreaterThanOrEqual(20);
      expect(emulator.messages().length).toBe(summary.delivered);
      const notSent = outcomes.filter((o): o is Extract<MessageOutcome, { status: 'not_sent' }> => o.status === 'not_sent');
      expect(notSent.length).toBeGreaterThan(100);
      // A message whose own retries ran out waits for the endpoint's verdict: each carries the code
      // (the first ones the full reason, the rest "not sent: ..." from the writer).
      expect(new Set(notSent.map((o) => o.code))).toEqual(new Set(['ENDPOINT_UNREACHABLE']));
      const reason = notSent.find((o) => o.reason.startsWith('Lark at'))?.reason ?? notSent[0]!.reason;
      expect(reason).toContain(`Lark at ${host} is unreachable`);
      expect(reason).toMatch(/connection (refused|reset) x\d+/);
      // Stopped after the down span (30 s) plus at most one backoff, not after minutes of retries per message.
      expect(clock.now() - start).toBeLessThan(90_000);
    } finally {
      connector.close();
      await emulator.close();
    }
  });
});
