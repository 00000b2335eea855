/**
 * The client's promises under stress: slot -> token -> request (tokens that live 5 s), queue time outside the
 * retry budget, backoff that ends on abort, a 429 that pauses every waiter, and a dead endpoint. Fake clock
 * throughout: no spec here waits real seconds.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { LarkEmulator } from '../../src/emulator/index.js';
import { LarkClient } from '../../src/lark/client.js';
import type { LarkClientOptions } from '../../src/lark/engine.js';
import { isAppLevel, type ConnectorError } from '../../src/core/errors.js';
import { retryPolicies } from '../../src/lark/retry.js';
import { LARK_PATHS } from '../../src/core/vocabulary.js';
import { AxiosTransport, type Transport, type WireRequest } from '../../src/lark/transport.js';
import { crowdSeed } from '../integration/helpers.js';
import { FAKE_EPOCH, FakeClock, flushMicrotasks } from '../helpers/fake-clock.js';

const BASE = 'https://open.feishu.test';
const SEND = { receiveIdType: 'open_id' as const, receiveId: 'ou_1', msgType: 'text', content: '{"text":"hi"}', uuid: 'u' };
const ok = (id = 'om_1') => ({ code: 0, msg: 'success', data: { message_id: id, chat_id: 'oc_1' } });

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function nockTokens(expire = 7200) {
  const state = { requests: 0 };
  nock(BASE)
    .post(LARK_PATHS.token)
    .times(1000)
    .reply(() => [200, { code: 0, msg: 'ok', tenant_access_token: `t-${++state.requests}`, expire }]);
  return state;
}

function nockClient(clock: FakeClock, extra: Partial<LarkClientOptions> = {}) {
  nock.disableNetConnect();
  return new LarkClient({ appId: 'cli_test', appSecret: 'sec_test', baseUrl: BASE, retry: retryPolicies.standard, clock, random: () => 0.5, ...extra });
}

/** A transport that counts requests on the wire, so a driver can move fake time only while none is. */
function countingTransport(baseUrl: string): Transport & { inFlight: number } {
  const inner = new AxiosTransport({ baseUrl });
  const t = {
    inFlight: 0,
    async send(req: WireRequest) {
      t.inFlight++;
      try {
        return await inner.send(req);
      } finally {
        t.inFlight--;
      }
    },
    close: () => inner.close(),
  };
  return t;
}

/** Moves fake time timer by timer, each time only once no request is on the wire and promise chains have run. */
async function drive(clock: FakeClock, busy: () => boolean, done: () => boolean): Promise<void> {
  const tick = () => new Promise((r) => setTimeout(r, 1));
  while (!done()) {
    while (busy()) await tick();
    await flushMicrotasks();
    if (busy() || done()) continue;
    if (!(await clock.step())) await tick();
  }
}

describe('slot -> token -> request', () => {
  it('tokens living 5 s, 300 messages to 5 receivers: 300/300 delivered, at most one invalid-token answer per token minted', async () => {
    const clock = new FakeClock();
    const seed = crowdSeed(5);
    const receivers = seed.users.filter((u) => u.openId.startsWith('ou_crowd')).map((u) => u.openId);
    const emu = await LarkEmulator.start({ seed, clock, tokenTtlSeconds: 5 });
    const transport = countingTransport(emu.baseUrl);
    const app = seed.apps[0]!;
    const client = new LarkClient({ appId: app.appId, appSecret: app.appSecret, baseUrl: emu.baseUrl, clock, transport, random: () => 0.5 });
    try {
      let settled = 0;
      const sends = Array.from({ length: 300 }, (_, i) =>
        client
          .sendMessage({ receiveIdType: 'open_id', receiveId: receivers[i % 5]!, msgType: 'text', content: JSON.stringify({ text: `m${i}` }), uuid: `tok5-${i}` })
          .finally(() => settled++),
      );
      await drive(clock, () => transport.inFlight > 0, () => settled === 300);
      const results = await Promise.allSettled(sends);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const stats = emu.stats();
      expect(emu.messages()).toHaveLength(300);
      // 5/s per receiver x 5 receivers: about 12 s, so the run outlives two token lifetimes.
      expect(clock.now() - FAKE_EPOCH).toBeGreaterThan(10_000);
      expect(stats.tokensIssued).toBeGreaterThanOrEqual(3);
      const refused = (stats.errorsByCode['99991663'] ?? 0) + (stats.errorsByCode['99991677'] ?? 0);
      expect(refused).toBeLessThanOrEqual(stats.tokensIssued);
      expect(stats.status429 + (stats.errorsByCode['230020'] ?? 0)).toBe(0);
    } finally {
      client.close();
      await emu.close();
    }
  });

  it('an invalid token is dropped and the attempt starts over; a token fetched after that refusal and refused too is app-level', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    const tokens = nockTokens();
    const auths: string[] = [];
    nock(BASE)
      .post(LARK_PATHS.messages)
      .query(true)
      .times(10)
      .reply(function () {
        auths.push(String(this.req.headers.authorization));
        return [400, { code: 99991663, msg: 'Invalid access token' }];
      });
    const c = nockClient(clock);
    const err = (await c.sendMessage(SEND).catch((e: unknown) => e)) as ConnectorError;
    expect(err).toMatchObject({ code: 'TOKEN_INVALID', larkCode: 99991663 });
    expect(isAppLevel(err)).toBe(true);
    expect(auths).toEqual(['Bearer t-1', 'Bearer t-2']);
    expect(tokens.requests).toBe(2);
    c.close();
  });
});

describe('retry budget and abort', () => {
  it('time queued for a slot does not count against maxRetryTimeMs', async () => {
    const clock = new FakeClock();
    nockTokens();
    const at: number[] = [];
    let n = 0;
    nock(BASE)
      .post(LARK_PATHS.messages)
      .query(true)
      .times(20)
      // The 4th request (after 3 s in the queue) fails once with a 500; its retry must still be allowed.
      .reply(() => (at.push(clock.now()), ++n === 4 ? [500, { code: 1500, msg: 'internal' }] : [200, ok()]));
    const policy = { retries: 3, minTimeoutMs: 100, maxTimeoutMs: 100, factor: 1, maxRetryTimeMs: 1000, jitter: 'equal' as const };
    const transport = countingTransport(BASE);
    const c = nockClient(clock, { retry: policy, transport, pacing: { perReceiverPerSecond: 1, windowMarginMs: 0 } });
    let settled = 0;
    const sends = Array.from({ length: 4 }, (_, i) => c.sendMessage({ ...SEND, uuid: `q${i}` }).finally(() => settled++));
    await drive(clock, () => transport.inFlight > 0, () => settled === 4);
    const results = await Promise.allSettled(sends);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    // One per second to the receiver; the failed 4th went at 3 s, its retry a window later.
    expect(at.map((t) => t - at[0]!)).toEqual([0, 1000, 2000, 3000, 4000]);
    c.close();
  });

  it('a backoff sleep ends at once on abort: the call rejects INTERRUPTED without waiting out a 30 s backoff', async () => {
    const clock = new FakeClock();
    nockTokens();
    nock(BASE).post(LARK_PATHS.messages).query(true).reply(503, { code: 1500, msg: 'busy' });
    const policy = { retries: 5, minTimeoutMs: 30_000, maxTimeoutMs: 60_000, factor: 2, maxRetryTimeMs: 600_000, jitter: 'equal' as const };
    const c = nockClient(clock, { retry: policy, pacing: false });
    const stop = new AbortController();
    const sent = c.sendMessage(SEND, { signal: stop.signal });
    const outcome = sent.catch((e: unknown) => e);
    while (clock.pendingTimers === 0) await new Promise((r) => setTimeout(r, 1));
    const start = clock.now();
    stop.abort();
    expect(await outcome).toMatchObject({ code: 'INTERRUPTED' });
    // No fake time passed: the 22.5 s sleep was cut, not waited out.
    expect(clock.now()).toBe(start);
    expect(clock.sleeps).toContain(22_500);
    c.close();
  });
});

describe('429 pauses the window for every waiter', () => {
  it('after a 429 with x-ogw-ratelimit-reset: 2, no other send leaves before the reset', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    nockTokens();
    const seen: Array<{ id: string; at: number }> = [];
    let first = true;
    nock(BASE)
      .post(LARK_PATHS.messages)
      .query(true)
      .times(10)
      .reply((_uri, body) => {
        seen.push({ id: (body as { receive_id: string }).receive_id, at: clock.now() });
        if (first) {
          first = false;
          return [429, { code: 99991400, msg: 'request trigger frequency limit' }, { 'x-ogw-ratelimit-reset': '2' }];
        }
        return [200, ok()];
      });
    const c = nockClient(clock, { pacing: { maxInFlight: 1 } });
    const start = clock.now();
    await Promise.all(['ou_a', 'ou_b', 'ou_c'].map((id, i) => c.sendMessage({ ...SEND, receiveId: id, uuid: `p${i}` })));
    expect(seen[0]).toEqual({ id: 'ou_a', at: start });
    for (const s of seen.slice(1)) expect(s.at - start).toBeGreaterThanOrEqual(2000);
    expect(seen.map((s) => s.id).sort()).toEqual(['ou_a', 'ou_a', 'ou_b', 'ou_c']);
    c.close();
  });
});

describe('a dead endpoint', () => {
  async function closedPort(): Promise<string> {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    return `http://127.0.0.1:${port}`;
  }

  it('every request refused for 30 s: ENDPOINT_UNREACHABLE (app-level) naming the host and what was tried; queued sends fail with it, later ones fail fast', async () => {
    const baseUrl = await closedPort();
    const clock = new FakeClock({ autoAdvance: true });
    const transport = countingTransport(baseUrl);
    let requests = 0;
    const counted: Transport = { send: (r) => (requests++, transport.send(r)), close: () => transport.close() };
    const c = new LarkClient({ appId: 'cli_x', appSecret: 's', baseUrl, clock, random: () => 0.5, transport: counted, pacing: { maxInFlight: 1 } });
    const start = clock.now();
    const errors = (await Promise.all(
      Array.from({ length: 5 }, (_, i) => c.sendMessage({ ...SEND, uuid: `d${i}` }).catch((e: unknown) => e)),
    )) as ConnectorError[];
    expect(errors.map((e) => e.code)).toEqual(Array(5).fill('ENDPOINT_UNREACHABLE'));
    expect(isAppLevel(errors[0])).toBe(true);
    expect(errors[0]!.message).toMatch(new RegExp(`Lark at ${new URL(baseUrl).host} is unreachable: \\d+ attempts over 3\\d s got no answer \\(connection refused x\\d+\\)`));
    expect(clock.now() - start).toBeGreaterThanOrEqual(30_000);
    expect(clock.now() - start).toBeLessThan(60_000);
    const before = requests;
    await expect(c.sendMessage({ ...SEND, uuid: 'later' })).rejects.toMatchObject({ code: 'ENDPOINT_UNREACHABLE' });
    expect(requests).toBe(before);
    c.close();
  });

  it('a connection test (probe) answers with the cause after one quick retry, not the full policy', async () => {
    const baseUrl = await closedPort();
    const clock = new FakeClock({ autoAdvance: true });
    const c = new LarkClient({ appId: 'cli_x', appSecret: 's', baseUrl, clock, random: () => 0.5 });
    const start = clock.now();
    const err = (await c.getTenantToken({ probe: true }).catch((e: unknown) => e)) as ConnectorError;
    expect(err).toMatchObject({ code: 'NETWORK' });
    expect(err.message).toContain('connection refused (ECONNREFUSED)');
    expect(err.message).toContain(new URL(baseUrl).host);
    expect(clock.now() - start).toBeLessThanOrEqual(retryPolicies.probe.maxRetryTimeMs);
    c.close();
  });
});
