/**
 * The long-connection client against the emulator's long connection, over real WebSockets on 127.0.0.1.
 * The client runs on a fake clock (pings, ack deadline, reconnect delays); waits are bounded by events.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LarkEmulator, messageReceiveEnvelope, messageRecalledEnvelope, type EmulatorOptions } from '../../src/emulator/index.js';
import { ConnectorError } from '../../src/core/errors.js';
import { LongConnection, type LongConnectionEvent, type LongConnectionNotice } from '../../src/source/long-connection/client.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { until } from '../helpers/until.js';
import { ALICE, APP_ID, APP_SECRET, CHAT_MEMBER } from '../emulator/helpers.js';

const APP = { appId: APP_ID, tenantKey: 'tenant' };
let seq = 0;
function textEvent(text: string, eventId?: string): Record<string, unknown> {
  const id = ++seq;
  return messageReceiveEnvelope(
    APP,
    { openId: ALICE },
    { messageId: `om_spec${id}`, createTime: 1_700_000_000_000 + id, chatId: CHAT_MEMBER, chatType: 'group', msgType: 'text', content: JSON.stringify({ text }) },
    Date.now(),
    eventId,
  );
}

interface Harness {
  emu: LarkEmulator;
  conn: LongConnection;
  clock: FakeClock;
  events: LongConnectionEvent[];
  notices: LongConnectionNotice[];
  stop: AbortController;
  done: Promise<void>;
}

const open: Harness[] = [];

afterEach(async () => {
  for (const h of open.splice(0)) {
    h.stop.abort();
    await h.done.catch(() => undefined);
    await h.emu.close();
  }
});

async function start(
  opts: { emulator?: EmulatorOptions; secret?: string; handler?: (e: LongConnectionEvent) => Promise<void>; random?: () => number } = {},
): Promise<Harness> {
  const emu = await LarkEmulator.start(opts.emulator ?? {});
  const clock = new FakeClock();
  const events: LongConnectionEvent[] = [];
  const notices: LongConnectionNotice[] = [];
  const conn = new LongConnection({
    appId: APP_ID,
    appSecret: opts.secret ?? APP_SECRET,
    baseUrl: emu.baseUrl,
    clock,
    random: opts.random ?? (() => 0.5),
    handler:
      opts.handler ??
      (async (e) => {
        events.push(e);
      }),
    onNotice: (n) => notices.push(n),
  });
  const stop = new AbortController();
  const done = conn.run(stop.signal);
  done.catch(() => undefined); // specs await it when they expect a rejection; never an unhandled one
  const h = { emu, conn, clock, events, notices, stop, done };
  open.push(h);
  return h;
}

const states = (h: Harness): string[] => h.notices.flatMap((n) => (n.type === 'state' ? [n.state] : []));
const connectedCount = (h: Harness): number => states(h).filter((s) => s === 'connected').length;

describe('long connection: receiving events', () => {
  it('receives a published message in well under a second and acks it within the deadline', async () => {
    const h = await start();
    await until(() => h.conn.state === 'connected', 'connected');
    const t0 = performance.now();
    const eventId = h.emu.longConnection.publish(APP_ID, textEvent('hello over the long connection'));
    await until(() => h.events.length === 1, 'event handed over');
    const latencyMs = performance.now() - t0;
    expect(latencyMs).toBeLessThan(1000);
    expect(h.events[0]?.eventId).toBe(eventId);
    expect(h.events[0]?.eventType).toBe('im.message.receive_v1');
    const message = (h.events[0]?.envelope['event'] as { message: { content: string; chat_id: string } }).message;
    expect(JSON.parse(message.content)).toEqual({ text: 'hello over the long connection' });
    expect(message.chat_id).toBe(CHAT_MEMBER);

    await until(() => h.emu.longConnection.stats().acks === 1, 'ack received');
    const [pushed] = h.emu.longConnection.pushed();
    expect(pushed?.pushes).toBe(1);
    expect(pushed?.ackedAfterMs).toBeLessThan(3000);
    expect(pushed?.ackHeaders?.['biz_rt']).toMatch(/^\d+$/);
    expect(h.emu.longConnection.stats().nacks).toBe(0);
  });

  it('hands over a recall event with its message id', async () => {
    const h = await start();
    await until(() => h.conn.state === 'connected', 'connected');
    h.emu.longConnection.publish(APP_ID, messageRecalledEnvelope(APP, { messageId: 'om_gone', chatId: CHAT_MEMBER, recallTime: 1_700_000_000_500 }, Date.now()));
    await until(() => h.events.length === 1, 'recall handed over');
    expect(h.events[0]?.eventType).toBe('im.message.recalled_v1');
    expect(h.events[0]?.envelope['event']).toMatchObject({ message_id: 'om_gone', chat_id: CHAT_MEMBER, recall_time: '1700000000500' });
  });

  it('reassembles an event the server sent in fragments', async () => {
    const h = await start();
    await until(() => h.conn.state === 'connected', 'connected');
    h.emu.longConnection.forceFragments(97);
    const text = 'fragmented ✓ '.repeat(400);
    h.emu.longConnection.publish(APP_ID, textEvent(text));
    await until(() => h.events.length === 1, 'event handed over');
    const message = (h.events[0]?.envelope['event'] as { message: { content: string } }).message;
    expect(JSON.parse(message.content)).toEqual({ text });
    const stats = h.emu.longConnection.stats();
    expect(stats.frames).toBeGreaterThan(50);
    await until(() => h.emu.longConnection.stats().acks === 1, 'ack received');
  });

  it('acks a re-pushed event without handing it over twice', async () => {
    const h = await start();
    await until(() => h.conn.state === 'connected', 'connected');
    h.emu.longConnection.ignoreAcks(1);
    h.emu.longConnection.publish(APP_ID, textEvent('pushed twice'));
    await until(() => h.emu.longConnection.stats().ignoredAcks === 1, 'first ack lost');
    expect(h.emu.longConnection.repushUnacked()).toBe(1);
    await until(() => h.emu.longConnection.stats().acks === 1, 're-push acked');
    expect(h.events).toHaveLength(1);
    expect(h.emu.longConnection.pushed()[0]?.pushes).toBe(2);
  });

  it('a handler failure is answered with code 500, and the re-push is handed over again', async () => {
    let calls = 0;
    const taken: string[] = [];
    const h = await start({
      handler: async (e) => {
        if (++calls === 1) throw new Error('disk full');
        taken.push(e.eventId);
      },
    });
    await until(() => h.conn.state === 'connected', 'connected');
    const id = h.emu.longConnection.publish(APP_ID, textEvent('retry me'));
    await until(() => h.emu.longConnection.stats().nacks === 1, 'nack');
    h.emu.longConnection.repushUnacked();
    await until(() => h.emu.longConnection.stats().acks === 1, 'ack');
    expect(taken).toEqual([id]);
    expect(h.notices.some((n) => n.type === 'warning' && n.message.includes('disk full'))).toBe(true);
  });

  it('acks at the deadline when the handler is slower, and a re-push during the hand-over is not handed over again', async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    let calls = 0;
    const h = await start({
      handler: async () => {
        calls++;
        await slow;
      },
    });
    await until(() => h.conn.state === 'connected', 'connected');
    h.emu.longConnection.ignoreAcks(1);
    h.emu.longConnection.publish(APP_ID, textEvent('slow handler'));
    await until(() => calls === 1, 'handler called');
    expect(h.emu.longConnection.stats().ignoredAcks).toBe(0);
    await h.clock.advance(2500);
    await until(() => h.emu.longConnection.stats().ignoredAcks === 1, 'ack sent at the deadline (and lost)');
    expect(h.emu.longConnection.repushUnacked()).toBe(1);
    release();
    await until(() => h.emu.longConnection.stats().acks === 1, 're-push acked once the first hand-over finished');
    expect(calls).toBe(1);
    expect(h.notices.some((n) => n.type === 'warning' && /deadline/.test(n.message))).toBe(true);
  });
});

describe('long connection: pings and the client config', () => {
  it('pings at once and then every PingInterval, taking a new interval from a pong', async () => {
    const h = await start({ emulator: { longConnection: { clientConfig: { PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30 } } } });
    await until(() => h.emu.longConnection.stats().pings === 1, 'first ping');
    h.emu.longConnection.setClientConfig({ PingInterval: 7, ReconnectInterval: 9 });
    await h.clock.advance(120_000);
    await until(() => h.emu.longConnection.stats().pings === 2, 'second ping');
    await until(() => h.conn.clientConfig.PingInterval === 7, 'config from the pong');
    expect(h.conn.clientConfig.ReconnectInterval).toBe(9);
    // The sleep after the second ping was chosen before its pong came: the new interval applies from the third.
    await h.clock.advance(120_000);
    await until(() => h.emu.longConnection.stats().pings === 3, 'third ping');
    await h.clock.advance(7000);
    await until(() => h.emu.longConnection.stats().pings === 4, 'fourth ping, 7 s later');
    expect(h.clock.sleeps.filter((ms) => ms === 120_000)).toHaveLength(2);
    expect(h.clock.sleeps).toContain(7000);
  });
});

describe('long connection: reconnects', () => {
  it('reconnects after a dropped connection with the server policy (random part of the nonce) and receives again', async () => {
    const h = await start({ random: () => 0.25 });
    await until(() => h.conn.state === 'connected', 'connected');
    expect(h.emu.longConnection.dropConnections()).toBe(1);
    await until(() => h.conn.state === 'reconnecting', 'reconnecting');
    const reconnecting = h.notices.find((n) => n.type === 'state' && n.state === 'reconnecting');
    expect(reconnecting).toMatchObject({ attempt: 1, delayMs: 7500 }); // 0.25 of ReconnectNonce 30 s
    // Published while no client is connected: Lark does not keep it for us (the source polls the gap).
    h.emu.longConnection.publish(APP_ID, textEvent('in the gap'));
    expect(h.emu.longConnection.stats().undelivered).toBe(1);
    await h.clock.advance(7500);
    await until(() => connectedCount(h) === 2, 'reconnected');
    const again = h.notices.filter((n) => n.type === 'state' && n.state === 'connected')[1];
    expect(again).toMatchObject({ reconnected: true });
    expect(typeof (again as { lostAt?: number }).lostAt).toBe('number');
    h.emu.longConnection.publish(APP_ID, textEvent('after the gap'));
    await until(() => h.events.length === 1, 'event after reconnect');
    expect(h.emu.longConnection.stats().connections).toBe(2);
  });

  it('retries a busy endpoint every ReconnectInterval and gives up after ReconnectCount attempts', async () => {
    const config = { PingInterval: 120, ReconnectCount: 2, ReconnectInterval: 10, ReconnectNonce: 4 };
    const h = await start({ emulator: { longConnection: { clientConfig: config } }, random: () => 0.5 });
    await until(() => h.conn.state === 'connected', 'connected');
    h.emu.longConnection.refuseEndpoint(1, 5);
    h.emu.longConnection.dropConnections();
    await until(() => h.conn.state === 'reconnecting', 'reconnecting');
    await h.clock.advance(2000); // 0.5 of the 4 s nonce
    await until(() => h.notices.filter((n) => n.type === 'state' && n.state === 'reconnecting').length === 2, 'second attempt scheduled');
    const second = h.notices.filter((n) => n.type === 'state' && n.state === 'reconnecting')[1];
    expect(second).toMatchObject({ attempt: 2, delayMs: 10_000 });
    await h.clock.advance(10_000);
    const err = await h.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).message).toMatch(/after 2 attempts/);
    expect(h.emu.longConnection.stats().endpointCalls).toBe(3);
    expect(h.conn.state).toBe('closed');
  });

  it('gives up a connection whose pings go unanswered for a whole interval, and reconnects', async () => {
    const h = await start({ random: () => 0 });
    await until(() => h.emu.longConnection.stats().pings === 1, 'first ping');
    h.emu.longConnection.silence();
    await h.clock.advance(120_000);
    await until(() => h.emu.longConnection.stats().pings === 2, 'unanswered ping');
    expect(h.conn.state).toBe('connected');
    h.emu.longConnection.silence(false);
    await h.clock.advance(120_000);
    await until(() => connectedCount(h) === 2, 'reconnected');
    expect(h.notices.some((n) => n.type === 'warning' && /no answer to the last ping/.test(n.message))).toBe(true);
  });

  it('closes cleanly on abort', async () => {
    const h = await start();
    await until(() => h.conn.state === 'connected', 'connected');
    h.stop.abort();
    await h.done;
    expect(h.conn.state).toBe('closed');
    await until(() => h.emu.longConnection.stats().open === 0, 'server saw the close');
    expect(h.clock.pendingTimers).toBe(0);
  });
});

describe('long connection: refusals', () => {
  it('wrong credentials: one clear error, no retry, the secret nowhere', async () => {
    const secret = 'wrong-secret-SHOULD-NOT-LEAK';
    const h = await start({ secret });
    const err = await h.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectorError);
    const e = err as ConnectorError;
    expect(e.code).toBe('APP_SECRET_WRONG');
    expect(e.larkCode).toBe(514);
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/App ID or App Secret/);
    for (const text of [e.message, JSON.stringify(e), String(e.stack), JSON.stringify(h.notices)]) expect(text).not.toContain(secret);
    expect(h.emu.longConnection.stats().endpointCalls).toBe(1);
    expect(h.conn.state).toBe('closed');
  });

  it('too many connections and events switched off are typed errors with advice', async () => {
    const h = await start({ emulator: { longConnection: { maxConnectionsPerApp: 0 } } });
    const err = (await h.done.catch((e: unknown) => e)) as ConnectorError;
    expect(err.code).toBe('TOO_MANY_CONNECTIONS');
    expect(err.message).toMatch(/stop other clients/);

    const emu = await LarkEmulator.start();
    try {
      emu.longConnection.disableEvents(APP_ID);
      const conn = new LongConnection({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: emu.baseUrl, clock: new FakeClock(), handler: async () => undefined });
      const off = (await conn.run(new AbortController().signal).catch((e: unknown) => e)) as ConnectorError;
      expect(off.code).toBe('EVENTS_UNAVAILABLE');
      expect(off.larkCode).toBe(403);
      expect(off.message).toMatch(/--mode poll/);
    } finally {
      await emu.close();
    }
  });
});
