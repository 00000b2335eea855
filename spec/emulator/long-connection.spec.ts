/**
 * The emulator's long connection seen from the wire: a raw `ws` client speaking pbbp2 frames.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LarkEmulator, messageReceiveEnvelope, type EmulatorOptions } from '../../src/emulator/index.js';
import { decodeFrame, encodeFrame, header, withHeader, type Frame } from '../../src/source/long-connection/frame.js';
import { ALICE, APP_ID, APP_SECRET, CHAT_MEMBER, call } from './helpers.js';
import { until } from '../helpers/until.js';

interface RawClient {
  ws: WebSocket;
  frames: Frame[];
  serviceId: number;
}

let emu: LarkEmulator;
const sockets: WebSocket[] = [];

async function boot(opts: EmulatorOptions = {}): Promise<void> {
  emu = await LarkEmulator.start(opts);
}
beforeEach(async () => boot());
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await emu.close();
});

async function endpoint(secret = APP_SECRET): Promise<{ code: number; data: { URL?: string; ClientConfig?: Record<string, number> } }> {
  const res = await call(emu, 'POST', '/callback/ws/endpoint', { body: { AppID: APP_ID, AppSecret: secret } });
  return res.body;
}

async function connect(): Promise<RawClient> {
  const { data } = await endpoint();
  const url = new URL(data.URL as string);
  const ws = new WebSocket(url);
  sockets.push(ws);
  const client: RawClient = { ws, frames: [], serviceId: Number(url.searchParams.get('service_id')) };
  ws.on('message', (d: Buffer) => client.frames.push(decodeFrame(d)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return client;
}

function envelope(text: string): Record<string, unknown> {
  return messageReceiveEnvelope(
    { appId: APP_ID, tenantKey: 't' },
    { openId: ALICE },
    { messageId: `om_${text}`, createTime: 1, chatId: CHAT_MEMBER, chatType: 'group', msgType: 'text', content: JSON.stringify({ text }) },
    1,
  );
}

const ack = (c: RawClient, f: Frame, code = 200): void => {
  c.ws.send(encodeFrame({ ...withHeader(f, 'biz_rt', '1'), payload: Buffer.from(JSON.stringify({ code })) }));
};

describe('emulator long connection', () => {
  it('answers the endpoint with a URL carrying device_id and service_id, and the ClientConfig', async () => {
    const body = await endpoint();
    expect(body.code).toBe(0);
    const url = new URL(body.data.URL as string);
    expect(url.protocol).toBe('ws:');
    expect(url.searchParams.get('device_id')).toMatch(/\w+/);
    expect(Number(url.searchParams.get('service_id'))).toBeGreaterThan(0);
    expect(body.data.ClientConfig).toEqual({ PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30 });
    expect((await endpoint('nope')).code).toBe(514);
    emu.longConnection.refuseEndpoint(1);
    expect((await endpoint()).code).toBe(1);
    expect((await endpoint()).code).toBe(0);
  });

  it('refuses a WebSocket without a valid ticket, and a ticket twice', async () => {
    const { data } = await endpoint();
    const first = new WebSocket(data.URL as string);
    sockets.push(first);
    await new Promise((r) => first.once('open', r));
    const refused = await new Promise<{ status: number; handshake: unknown }>((resolve) => {
      const again = new WebSocket(data.URL as string);
      sockets.push(again);
      again.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, handshake: res.headers['handshake-status'] }));
      again.on('error', () => undefined);
    });
    expect(refused).toEqual({ status: 403, handshake: '514' });
  });

  it('answers a ping with a pong carrying the ClientConfig', async () => {
    const c = await connect();
    emu.longConnection.setClientConfig({ PingInterval: 30 });
    c.ws.send(encodeFrame({ SeqID: '0', LogID: '0', service: c.serviceId, method: 0, headers: [{ key: 'type', value: 'ping' }] }));
    await until(() => c.frames.length === 1, 'pong');
    const pong = c.frames[0] as Frame;
    expect(pong.method).toBe(0);
    expect(header(pong, 'type')).toBe('pong');
    expect(JSON.parse(Buffer.from(pong.payload ?? []).toString())).toMatchObject({ PingInterval: 30 });
    expect(emu.longConnection.stats().pings).toBe(1);
  });

  it('pushes each event to one client of the app, in fragments above the size, and records the ack', async () => {
    const a = await connect();
    const b = await connect();
    emu.longConnection.forceFragments(50);
    emu.longConnection.publish(APP_ID, envelope('one'));
    emu.longConnection.publish(APP_ID, envelope('two'));
    await until(() => emu.longConnection.stats().frames === a.frames.length + b.frames.length && a.frames.length > 0 && b.frames.length > 0, 'frames');
    for (const c of [a, b]) {
      const sum = Number(header(c.frames[0] as Frame, 'sum'));
      expect(sum).toBeGreaterThan(1);
      expect(c.frames).toHaveLength(sum);
      expect(new Set(c.frames.map((f) => header(f, 'message_id'))).size).toBe(1);
      expect(c.frames.map((f) => Number(header(f, 'seq')))).toEqual([...Array(sum).keys()]);
      const whole = JSON.parse(Buffer.concat(c.frames.map((f) => Buffer.from(f.payload ?? []))).toString());
      expect(whole.header.event_type).toBe('im.message.receive_v1');
      ack(c, c.frames[sum - 1] as Frame);
    }
    await until(() => emu.longConnection.stats().acks === 2, 'acks');
    expect(emu.longConnection.pushed().map((p) => p.pushes)).toEqual([1, 1]);
  });

  it('pushes an unacked event again after the deadline, at most maxPushes times in all', async () => {
    await emu.close();
    await boot({ longConnection: { ackTimeoutMs: 5, maxPushes: 3 } });
    const c = await connect();
    emu.longConnection.publish(APP_ID, envelope('never-acked'));
    await until(() => emu.longConnection.stats().abandoned === 1, 'abandoned');
    expect(c.frames).toHaveLength(3);
    expect(emu.longConnection.stats()).toMatchObject({ pushes: 3, repushes: 2, acks: 0 });
    expect(new Set(c.frames.map((f) => header(f, 'message_id'))).size).toBe(3);
  });

  it('keeps an event answered with a code other than 200 unacked, and takes an ack of an earlier push', async () => {
    const c = await connect();
    emu.longConnection.publish(APP_ID, envelope('refused-once'));
    await until(() => c.frames.length === 1, 'first push');
    ack(c, c.frames[0] as Frame, 500);
    await until(() => emu.longConnection.stats().nacks === 1, 'nack');
    expect(emu.longConnection.pushed()[0]?.ackedAfterMs).toBeUndefined();
    expect(emu.longConnection.repushUnacked()).toBe(1);
    await until(() => c.frames.length === 2, 're-push');
    ack(c, c.frames[0] as Frame);
    await until(() => emu.longConnection.stats().acks === 1, 'ack');
    expect(emu.longConnection.repushUnacked()).toBe(0);
  });

  it('drops connections on demand and counts events published with no client', async () => {
    const c = await connect();
    const closed = new Promise((r) => c.ws.once('close', r));
    expect(emu.longConnection.dropConnections()).toBe(1);
    await closed;
    await until(() => emu.longConnection.stats().open === 0, 'server side closed');
    emu.longConnection.publish(APP_ID, envelope('nobody'));
    expect(emu.longConnection.stats().undelivered).toBe(1);
  });
});
