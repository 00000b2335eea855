/**
 * The events follower's own rules (polls after every connect, reconcile polls, chat filter, fallback, errors),
 * with stub apply/poll against the emulator's long connection. The source wiring is proven end to end in
 * spec/source/events-mode.spec.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LarkEmulator, messageReceiveEnvelope, messageRecalledEnvelope } from '../../src/emulator/index.js';
import { ConnectorError } from '../../src/core/errors.js';
import { followEvents, type FollowOutcome } from '../../src/source/events-follower.js';
import type { EventChange } from '../../src/source/long-connection/event-item.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { until } from '../helpers/until.js';
import { ALICE, APP_ID, APP_SECRET, CHAT_MEMBER } from '../emulator/helpers.js';

const APP = { appId: APP_ID, tenantKey: 't' };
const OTHER_CHAT = 'oc_other0000000000000000000000000';
let n = 0;
const message = (chatId: string): Record<string, unknown> =>
  messageReceiveEnvelope(APP, { openId: ALICE }, { messageId: `om_f${++n}`, createTime: 1000 + n, chatId, chatType: 'group', msgType: 'text', content: '{"text":"x"}' }, 1);

let emu: LarkEmulator | undefined;
const stops: AbortController[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s.abort();
  await emu?.close();
  emu = undefined;
});

function follow(opts: { secret?: string; apply?: (c: EventChange) => Promise<void>; poll?: (reason: string) => Promise<void>; chats?: ReadonlySet<string> | 'all' } = {}) {
  const clock = new FakeClock();
  const applied: EventChange[] = [];
  const polls: string[] = [];
  const stop = new AbortController();
  stops.push(stop);
  const done: Promise<FollowOutcome> = followEvents(
    {
      connection: { appId: APP_ID, appSecret: opts.secret ?? APP_SECRET, baseUrl: (emu as LarkEmulator).baseUrl, random: () => 0 },
      clock,
      chats: opts.chats ?? new Set([CHAT_MEMBER]),
      apply: opts.apply ?? (async (c) => void applied.push(c)),
      poll: async (reason) => {
        polls.push(reason);
        await opts.poll?.(reason);
      },
      reconcileEveryMs: 60_000,
      pollRetryMs: 10_000,
    },
    stop.signal,
  );
  done.catch(() => undefined);
  return { clock, applied, polls, stop, done };
}

describe('events follower', () => {
  it('a stop that came before the call (SIGTERM while the mode was loading) ends it at once, without connecting', async () => {
    emu = await LarkEmulator.start();
    const stop = new AbortController();
    stop.abort();
    const done = followEvents(
      { connection: { appId: APP_ID, appSecret: APP_SECRET, baseUrl: emu.baseUrl }, clock: new FakeClock(), chats: 'all', apply: async () => undefined, poll: async () => undefined },
      stop.signal,
    );
    expect(await done).toEqual({ mode: 'stopped' });
    expect(emu.longConnection.stats().open).toBe(0);
  });

  it('polls after connecting, applies events of the chosen chats, polls again after a reconnect and every reconcile period', async () => {
    emu = await LarkEmulator.start();
    const f = follow();
    await until(() => f.polls.length === 1, 'poll after connect');
    expect(f.polls).toEqual(['connected']);
    emu.longConnection.publish(APP_ID, message(OTHER_CHAT));
    emu.longConnection.publish(APP_ID, message(CHAT_MEMBER));
    emu.longConnection.publish(APP_ID, messageRecalledEnvelope(APP, { messageId: 'om_f1', chatId: CHAT_MEMBER, recallTime: 5 }, 1));
    await until(() => emu!.longConnection.stats().acks === 3, 'all three acked (the filtered one too)');
    expect(f.applied.map((c) => c.kind)).toEqual(['message', 'recall']);

    emu.longConnection.dropConnections();
    await until(() => f.polls.length === 2, 'poll after reconnect');
    expect(f.polls[1]).toBe('reconnected');

    await f.clock.advance(60_000);
    await until(() => f.polls.length === 3, 'reconcile poll');
    expect(f.polls[2]).toBe('reconcile');
    f.stop.abort();
    expect(await f.done).toEqual({ mode: 'stopped' });
  });

  it('a failed poll is retried before any event is applied (events must not move the offset over an unread gap)', async () => {
    emu = await LarkEmulator.start();
    let failures = 1;
    const order: string[] = [];
    const f = follow({
      poll: async () => {
        if (failures-- > 0) throw new ConnectorError({ code: 'NETWORK', retryable: true, message: 'list failed' });
        order.push('poll ok');
      },
      apply: async () => void order.push('event'),
    });
    await until(() => f.polls.length === 1, 'first poll (fails)');
    emu.longConnection.publish(APP_ID, message(CHAT_MEMBER));
    await until(() => emu!.longConnection.stats().pushes === 1, 'event pushed');
    expect(order).toEqual([]);
    await f.clock.advance(10_000);
    await until(() => order.length === 2, 'poll retried, then the event');
    expect(order).toEqual(['poll ok', 'event']);
  });

  it('falls back (does not throw) when the app gets no events through the long connection', async () => {
    emu = await LarkEmulator.start();
    emu.longConnection.disableEvents(APP_ID);
    const f = follow();
    const outcome = await f.done;
    expect(outcome.mode).toBe('fallback');
    expect(outcome.mode === 'fallback' && outcome.reason.code).toBe('EVENTS_UNAVAILABLE');
    expect(f.polls).toEqual([]);
  });

  it('throws wrong credentials and a failing apply', async () => {
    emu = await LarkEmulator.start();
    const bad = follow({ secret: 'nope' });
    await expect(bad.done).rejects.toMatchObject({ code: 'APP_SECRET_WRONG' });

    const failing = follow({
      apply: async () => {
        throw new ConnectorError({ code: 'INPUT_INVALID', message: 'state file not writable' });
      },
    });
    await until(() => failing.polls.length === 1, 'connected');
    emu.longConnection.publish(APP_ID, message(CHAT_MEMBER));
    await expect(failing.done).rejects.toThrow(/state file not writable/);
  });
});
