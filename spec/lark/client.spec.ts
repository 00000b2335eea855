import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LarkClient } from '../../src/lark/client.js';
import type { LarkClientOptions } from '../../src/lark/engine.js';
import { matchMobiles } from '../../src/lark/endpoints/contact.js';
import { LarkError } from '../../src/lark/errors.js';
import type { ClientEvent } from '../../src/lark/events.js';
import { retryPolicies } from '../../src/lark/retry.js';
import { LARK_PATHS } from '../../src/core/vocabulary.js';
import { FakeClock } from '../helpers/fake-clock.js';

const BASE = 'https://open.feishu.test';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

/** Token endpoint handing out t-1, t-2, ... */
function tokenEndpoint() {
  const state = { requests: 0 };
  nock(BASE)
    .post(LARK_PATHS.token, { app_id: 'cli_test', app_secret: 'sec_test' })
    .times(1000)
    .reply(() => {
      state.requests++;
      return [200, { code: 0, msg: 'ok', tenant_access_token: `t-${state.requests}`, expire: 7200 }];
    });
  return state;
}

function client(extra: Partial<LarkClientOptions> = {}) {
  const clock = new FakeClock({ start: 0, autoAdvance: true });
  const events: ClientEvent[] = [];
  const c = new LarkClient({
    appId: 'cli_test',
    appSecret: 'sec_test',
    baseUrl: BASE,
    retry: retryPolicies.standard,
    clock,
    random: () => 0.5,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { c, clock, events };
}

const SEND = { receiveIdType: 'open_id' as const, receiveId: 'ou_1', msgType: 'text', content: '{"text":"hi"}', uuid: 'uuid-1' };
const SEND_BODY = { receive_id: 'ou_1', msg_type: 'text', content: '{"text":"hi"}', uuid: 'uuid-1' };
const ok = (id = 'om_1') => ({ code: 0, msg: 'success', data: { message_id: id, chat_id: 'oc_1', msg_type: 'text' } });

describe('LarkClient.sendMessage', () => {
  it('sends the exact request and returns message id, chat id and log id', async () => {
    tokenEndpoint();
    const scope = nock(BASE)
      .post(LARK_PATHS.messages, SEND_BODY)
      .query({ receive_id_type: 'open_id' })
      .matchHeader('authorization', 'Bearer t-1')
      .reply(200, ok(), { 'x-tt-logid': 'LOGS' });
    const { c } = client();
    expect(await c.sendMessage(SEND)).toEqual({ messageId: 'om_1', chatId: 'oc_1', logId: 'LOGS' });
    scope.done();
    c.close();
  });

  it('retries 5xx and network errors with the same uuid, reporting each retry', async () => {
    tokenEndpoint();
    const bodies: unknown[] = [];
    nock(BASE)
      .post(LARK_PATHS.messages, (b) => (bodies.push(b), true))
      .query(true)
      .reply(502, '<html>bad gateway</html>')
      .post(LARK_PATHS.messages, (b) => (bodies.push(b), true))
      .query(true)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .post(LARK_PATHS.messages, (b) => (bodies.push(b), true))
      .query(true)
      .reply(200, ok());
    const { c, clock, events } = client();
    expect((await c.sendMessage(SEND)).messageId).toBe('om_1');
    expect(bodies).toEqual([SEND_BODY, SEND_BODY, SEND_BODY]);
    // standard policy, random 0.5, equal jitter: 375, 750
    expect(clock.sleeps.filter((ms) => ms >= 100)).toEqual([375, 750]);
    expect(events.filter((e) => e.type === 'retry')).toEqual([
      { type: 'retry', op: 'send', attempt: 1, code: 'SERVER_ERROR', httpStatus: 502, delayMs: 375 },
      { type: 'retry', op: 'send', attempt: 2, code: 'NETWORK', delayMs: 750 },
    ]);
    c.close();
  });

  it('429: waits at least x-ogw-ratelimit-reset before retrying', async () => {
    tokenEndpoint();
    nock(BASE)
      .post(LARK_PATHS.messages)
      .query(true)
      .reply(429, { code: 99991400, msg: 'request trigger frequency limit' }, { 'x-ogw-ratelimit-reset': '2' })
      .post(LARK_PATHS.messages)
      .query(true)
      .reply(200, ok());
    const { c, clock, events } = client();
    await c.sendMessage(SEND);
    const retry = events.find((e) => e.type === 'retry');
    expect(retry).toMatchObject({ code: 'RATE_LIMITED', larkCode: 99991400 });
    expect(retry && 'delayMs' in retry && retry.delayMs).toBeGreaterThanOrEqual(2000);
    expect(clock.sleeps).toContain(2250);
    c.close();
  });

  it('429 with 99991403 (quota) is not retried', async () => {
    tokenEndpoint();
    const scope = nock(BASE).post(LARK_PATHS.messages).query(true).once().reply(429, { code: 99991403, msg: 'quota' });
    const { c } = client();
    await expect(c.sendMessage(SEND)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', retryable: false });
    scope.done();
    c.close();
  });

  it('a business error is thrown at once with its advice', async () => {
    tokenEndpoint();
    nock(BASE).post(LARK_PATHS.messages).query(true).once().reply(400, { code: 230013, msg: 'Bot has NO availability to this user.' }, { 'x-tt-logid': 'L13' });
    const { c } = client();
    const err = (await c.sendMessage(SEND).catch((e: unknown) => e)) as LarkError;
    expect(err).toBeInstanceOf(LarkError);
    expect(err).toMatchObject({ code: 'OUTSIDE_VISIBLE_RANGE', larkCode: 230013, logId: 'L13', retryable: false });
    expect(err.message).toContain("add them in the app's version availability");
    expect(err.message).toContain('L13');
    c.close();
  });

  it('invalid token: drops it, fetches a new one and retries once', async () => {
    const ep = tokenEndpoint();
    const auths: string[] = [];
    nock(BASE)
      .post(LARK_PATHS.messages, SEND_BODY)
      .query({ receive_id_type: 'open_id' })
      .times(2)
      .reply(function () {
        const auth = String(this.req.headers.authorization);
        auths.push(auth);
        return auth === 'Bearer t-1' ? [400, { code: 99991663, msg: 'Invalid access token' }] : [200, ok()];
      });
    const { c, events } = client();
    expect((await c.sendMessage(SEND)).messageId).toBe('om_1');
    expect(auths).toEqual(['Bearer t-1', 'Bearer t-2']);
    expect(ep.requests).toBe(2);
    expect(events.filter((e) => e.type.startsWith('token'))).toEqual([
      { type: 'token.fetched', reason: 'cold', expiresInMs: 7_200_000 },
      { type: 'token.invalidated', op: 'send', larkCode: 99991663 },
      { type: 'token.fetched', reason: 'invalidated', expiresInMs: 7_200_000 },
    ]);
    c.close();
  });

  it('a second invalid-token answer becomes TOKEN_INVALID (no more attempts)', async () => {
    const ep = tokenEndpoint();
    let sends = 0;
    nock(BASE)
      .post(LARK_PATHS.messages)
      .query(true)
      .times(10)
      .reply(() => (sends++, [400, { code: 99991677, msg: 'token expired' }]));
    const { c } = client();
    await expect(c.sendMessage(SEND)).rejects.toMatchObject({ code: 'TOKEN_INVALID', retryable: false, larkCode: 99991677 });
    expect(sends).toBe(2);
    expect(ep.requests).toBe(2);
    c.close();
  });

  it('50 concurrent sends hit by one revoked token cause exactly one refresh', async () => {
    const ep = tokenEndpoint();
    nock(BASE)
      .post(LARK_PATHS.messages)
      .query(true)
      .times(100)
      .reply(function (_uri, body) {
        const id = (body as { receive_id: string }).receive_id;
        return this.req.headers.authorization === 'Bearer t-1' ? [401, { code: 99991663, msg: 'invalid' }] : [200, ok(`om_${id}`)];
      });
    const { c } = client();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => c.sendMessage({ ...SEND, receiveId: `ou_${i}`, uuid: `u${i}` })));
    expect(results.map((r) => r.messageId)).toEqual(Array.from({ length: 50 }, (_, i) => `om_ou_${i}`));
    expect(ep.requests).toBe(2);
    c.close();
  });

  it('sends are paced per receiver: at most 5 per second to one receive_id', async () => {
    tokenEndpoint();
    // Manual clock, stepped 100 ms at a time after real I/O has settled, so reply times are exact to a step.
    const clock = new FakeClock({ start: 0 });
    const { c } = client({ clock });
    const at: number[] = [];
    nock(BASE)
      .post(LARK_PATHS.messages)
      .query(true)
      .times(12)
      .reply(() => (at.push(clock.now()), [200, ok()]));
    let done = false;
    const all = Promise.all(Array.from({ length: 12 }, (_, i) => c.sendMessage({ ...SEND, uuid: `u${i}` }))).finally(() => (done = true));
    while (!done) {
      await new Promise((r) => setTimeout(r, 15));
      await clock.advance(100);
    }
    await all;
    expect(at.filter((t) => t < 1000)).toHaveLength(5);
    expect(at.filter((t) => t >= 1000 && t < 2000)).toHaveLength(5);
    expect(at.filter((t) => t >= 2000)).toHaveLength(2);
    c.close();
  });

  it('getTenantToken surfaces credential errors without retrying', async () => {
    const scope = nock(BASE).post(LARK_PATHS.token).once().reply(400, { code: 10003, msg: 'invalid param' });
    const { c } = client();
    await expect(c.getTenantToken()).rejects.toMatchObject({ code: 'APP_ID_WRONG' });
    scope.done();
    c.close();
  });

  it('a send refused by the receiver limit (230020) is tried again before the messages queued after it', async () => {
    // An in-memory wire answering at once: the order depends on the pacer and the fake clock only.
    const accepted: string[] = [];
    let refused = false;
    const wire = {
      close: () => undefined,
      send: async (req: { path: string; body?: string | Buffer }) => {
        if (req.path.startsWith(LARK_PATHS.token)) return { status: 200, headers: {}, body: JSON.stringify({ code: 0, msg: 'ok', tenant_access_token: 't-1', expire: 7200 }) };
        const uuid = (JSON.parse(String(req.body ?? '{}')) as { uuid: string }).uuid;
        if (uuid === 'u0' && !refused) {
          refused = true;
          return { status: 400, headers: {}, body: JSON.stringify({ code: 230020, msg: 'This operation triggers the frequency limit.' }) };
        }
        accepted.push(uuid);
        return { status: 200, headers: {}, body: JSON.stringify(ok(`om_${uuid}`)) };
      },
    };
    const clock = new FakeClock({ start: 0 });
    const c = new LarkClient({ appId: 'cli_test', appSecret: 'sec_test', baseUrl: BASE, retry: retryPolicies.standard, clock, random: () => 0.5, transport: wire, pacing: { perReceiverPerSecond: 2, adaptiveMargin: false } });
    const sent = Promise.all(['u0', 'u1', 'u2', 'u3'].map((uuid) => c.sendMessage({ ...SEND, uuid })));
    await clock.runUntilIdle();
    await sent;
    // u0 keeps its place in the receiver's queue. It used to go last (out of order), and an in-order report
    // waited for it all run long: with 300 messages to one user, a closed stdout went unnoticed for a minute.
    expect(accepted).toEqual(['u1', 'u0', 'u2', 'u3']);
    c.close();
  });
});

describe('LarkClient.batchGetIdByMobiles', () => {
  it('chunks by 50 and returns hits only, keyed by the number sent', async () => {
    tokenEndpoint();
    const mobiles = Array.from({ length: 120 }, (_, i) => `138${String(i).padStart(8, '0')}`);
    const chunks: string[][] = [];
    nock(BASE)
      .post(LARK_PATHS.batchGetId, (b) => b.include_resigned === false && Array.isArray(b.mobiles) && Object.keys(b).length === 2)
      .query({ user_id_type: 'open_id' })
      .matchHeader('authorization', 'Bearer t-1')
      .times(3)
      .reply((_uri, body) => {
        const sent = (body as { mobiles: string[] }).mobiles;
        chunks.push(sent);
        // Even numbers are hits; odd ones come back without user_id.
        const user_list = sent.map((m) => (Number(m.slice(-1)) % 2 === 0 ? { user_id: `ou_${m}`, mobile: m } : { mobile: m }));
        return [200, { code: 0, msg: 'success', data: { user_list } }];
      });
    const { c } = client();
    const map = await c.batchGetIdByMobiles([...mobiles, mobiles[0]!]);
    expect(chunks.map((x) => x.length).sort()).toEqual([20, 50, 50]);
    expect(chunks.flat().sort()).toEqual([...mobiles].sort());
    expect(map.size).toBe(60);
    expect(map.get('13800000000')).toBe('ou_13800000000');
    expect(map.has('13800000001')).toBe(false);
    c.close();
  });

  it('matches entries by the returned mobile field, also when Lark adds the country code', () => {
    const map = matchMobiles(
      ['13800000000', '+447700900123', '13900000000'],
      [
        { user_id: 'ou_b', mobile: '+447700900123' },
        { user_id: 'ou_a', mobile: '+8613800000000' },
        { mobile: '13900000000' },
        { user_id: 'ou_x', mobile: '15000000000' },
        'junk',
      ],
    );
    expect([...map]).toEqual([
      ['+447700900123', 'ou_b'],
      ['13800000000', 'ou_a'],
    ]);
  });

  it('names the missing scope on 99991672', async () => {
    tokenEndpoint();
    nock(BASE).post(LARK_PATHS.batchGetId).query(true).reply(400, { code: 99991672, msg: 'Access denied' });
    const { c } = client();
    const err = (await c.batchGetIdByMobiles(['13800000000']).catch((e: unknown) => e)) as LarkError;
    expect(err).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(err.message).toContain('contact:user.id:readonly');
    c.close();
  });

  it('empty input makes no request', async () => {
    const { c } = client();
    expect((await c.batchGetIdByMobiles([])).size).toBe(0);
    c.close();
  });
});

describe('LarkClient: connection-test and source calls', () => {
  it('getBotInfo reads body.bot', async () => {
    tokenEndpoint();
    nock(BASE)
      .get(LARK_PATHS.botInfo)
      .matchHeader('authorization', 'Bearer t-1')
      .reply(200, { code: 0, msg: 'ok', bot: { activate_status: 2, app_name: 'Notifier', open_id: 'ou_bot' } });
    const { c } = client();
    expect(await c.getBotInfo()).toEqual({ activateStatus: 2, appName: 'Notifier', openId: 'ou_bot' });
    c.close();
  });

  it('listScopes maps grant_status 1 to granted', async () => {
    tokenEndpoint();
    nock(BASE)
      .get(LARK_PATHS.scopes)
      .reply(200, {
        code: 0,
        data: {
          scopes: [
            { scope_name: 'im:message:send_as_bot', grant_status: 1 },
            { scope_name: 'contact:user.id:readonly', grant_status: 2 },
          ],
        },
      });
    const { c } = client();
    expect(await c.listScopes()).toEqual([
      { scopeName: 'im:message:send_as_bot', granted: true },
      { scopeName: 'contact:user.id:readonly', granted: false },
    ]);
    c.close();
  });

  it('listChatMessages sends the exact query and maps the page', async () => {
    tokenEndpoint();
    nock(BASE)
      .get(LARK_PATHS.messages)
      .query({
        container_id_type: 'chat',
        container_id: 'oc_1',
        start_time: '1700000000',
        end_time: '1700003600',
        sort_type: 'ByCreateTimeAsc',
        page_size: '20',
        page_token: 'p1',
      })
      .reply(200, { code: 0, data: { items: [{ message_id: 'om_1' }], has_more: true, page_token: 'p2' } });
    nock(BASE)
      .get(LARK_PATHS.messages)
      .query({ container_id_type: 'chat', container_id: 'oc_1', sort_type: 'ByCreateTimeAsc', page_size: '50' })
      .reply(200, { code: 0, data: { items: [], has_more: false } });
    const { c } = client();
    expect(await c.listChatMessages({ containerId: 'oc_1', startTime: 1700000000, endTime: 1700003600, pageSize: 20, pageToken: 'p1' })).toEqual({
      items: [{ message_id: 'om_1' }],
      hasMore: true,
      pageToken: 'p2',
    });
    expect(await c.listChatMessages({ containerId: 'oc_1' })).toEqual({ items: [], hasMore: false });
    c.close();
  });
});
