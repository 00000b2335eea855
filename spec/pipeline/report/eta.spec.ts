// The send ETA the CLI's progress line and the console's progress share: from the send pacer's quota.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PACING } from '../../../src/lark/pacer.js';
import { SEND_QUOTA, SendEta } from '../../../src/pipeline/report/eta.js';
import type { MessageOutcome } from '../../../src/pipeline/report/outcome.js';

const delivered = (line: number): MessageOutcome => ({ line, index: 0, status: 'delivered', messageId: `om_${line}`, uuid: `u${line}` });

describe('SendEta', () => {
  it('takes its limits from the send pacer', () => {
    expect(SEND_QUOTA).toEqual({
      perSecond: DEFAULT_PACING.appPerSecond, perMinute: DEFAULT_PACING.appPerMinute, perReceiverPerSecond: DEFAULT_PACING.perReceiverPerSecond,
    });
  });

  it('300 messages to one user: a minute at 5/s, before the first one is sent', () => {
    const eta = new SendEta(() => 0);
    for (let i = 0; i < 300; i++) eta.noteReceiver('ou_one');
    expect(eta.estimate(300)).toEqual({ ms: 60_000, bound: 'receiver' });
  });

  it('300 messages to 300 users: the app quota (50/s) binds, 6 s', () => {
    const eta = new SendEta(() => 0);
    for (let i = 0; i < 300; i++) eta.noteReceiver(`ou_${i}`);
    expect(eta.estimate(300)).toEqual({ ms: 6_000, bound: 'app' });
  });

  it('counts down as messages are delivered; nothing left, no estimate', () => {
    let now = 0;
    const eta = new SendEta(() => now);
    for (let i = 0; i < 20; i++) eta.noteReceiver('ou_one');
    for (let i = 1; i <= 10; i++) {
      now = i * 200;
      eta.noteOutcome(delivered(i));
    }
    expect(eta.estimate(10)).toEqual({ ms: 2_000, bound: 'receiver' });
    expect(eta.rate()).toBe(5);
    expect(eta.estimate(0)).toBeUndefined();
  });

  it('a dry-run goes by its pace only', () => {
    let now = 0;
    const eta = new SendEta(() => now, true);
    eta.noteReceiver('ou_one');
    now = 1000;
    eta.noteOutcome(delivered(1));
    expect(eta.estimate(10)).toEqual({ ms: 10_000, bound: 'pace' });
  });
});
