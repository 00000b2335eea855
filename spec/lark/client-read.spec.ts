import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LarkClient } from '../../src/lark/client.js';
import { retryPolicies } from '../../src/lark/retry.js';
import { LARK_PATHS } from '../../src/core/vocabulary.js';
import { LarkEmulator } from '../../src/emulator/index.js';
import { FakeClock } from '../helpers/fake-clock.js';

const BASE = 'https://open.feishu.test';

function client() {
  const clock = new FakeClock({ start: 0, autoAdvance: true });
  return new LarkClient({ appId: 'cli_test', appSecret: 'sec_test', baseUrl: BASE, retry: retryPolicies.standard, clock, random: () => 0.5 });
}

describe('LarkClient: the source reads', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => {
    nock.enableNetConnect();
    // Off for the pacing spec below: through nock's interceptor each request opened a connection of its own
    // (120 connections, no keep-alive), each counted by the emulator only once it had accepted it.
    nock.restore();
  });

  it('listChatMessages on a thread; a 429 is waited out and retried', async () => {
    nock(BASE).post(LARK_PATHS.token).reply(200, { code: 0, tenant_access_token: 't-1', expire: 7200 });
    const query = { container_id_type: 'thread', container_id: 'omt_1', start_time: '1700000000', sort_type: 'ByCreateTimeDesc', page_size: '10' };
    nock(BASE).get(LARK_PATHS.messages).query(query).reply(429, { code: 99991400, msg: 'too fast' }, { 'x-ogw-ratelimit-reset': '1' });
    nock(BASE).get(LARK_PATHS.messages).query(query).reply(200, { code: 0, data: { items: [{ message_id: 'om_2' }], has_more: false } });
    const c = client();
    const page = await c.listChatMessages({ containerIdType: 'thread', containerId: 'omt_1', startTime: 1700000000, sortType: 'ByCreateTimeDesc', pageSize: 10 });
    expect(page).toEqual({ items: [{ message_id: 'om_2' }], hasMore: false });
    c.close();
  });

  it('listAllChats follows page_token and maps chat_id, name, chat_mode; a page without items is malformed', async () => {
    nock(BASE).post(LARK_PATHS.token).reply(200, { code: 0, tenant_access_token: 't-1', expire: 7200 });
    nock(BASE).get(LARK_PATHS.chats).query({ page_size: '100' }).reply(200, { code: 0, data: { items: [{ chat_id: 'oc_1', name: 'A', chat_mode: 'topic' }], has_more: true, page_token: 'p2' } });
    nock(BASE).get(LARK_PATHS.chats).query({ page_size: '100', page_token: 'p2' }).reply(200, { code: 0, data: { items: [{ chat_id: 'oc_2', name: 'B' }], has_more: false } });
    nock(BASE).get(LARK_PATHS.chats).query({ page_size: '100' }).reply(200, { code: 0, data: {} });
    const c = client();
    expect(await c.listAllChats()).toEqual([
      { chatId: 'oc_1', name: 'A', chatMode: 'topic' },
      { chatId: 'oc_2', name: 'B', chatMode: 'group' },
    ]);
    await expect(c.listChats()).rejects.toMatchObject({ code: 'LARK_API_ERROR' });
    c.close();
  });
});

describe('LarkClient: list pacing against the emulator (50/s per app)', () => {
  // A generous request timeout: on a loaded machine a 10 s timeout retried a slow answer, adding a request.
  const clientOf = (emu: LarkEmulator) =>
    new LarkClient({ appId: 'cli_demo_app', appSecret: 'demo-secret-not-real', baseUrl: emu.baseUrl, timeoutMs: 60_000 });
  const listCalls = (c: LarkClient, n: number) =>
    Promise.all(Array.from({ length: n }, () => c.listChatMessages({ containerId: 'oc_0b5a1e7500000000000000000000000a' })));

  it('120 concurrent list calls: every one answered, no 429', async () => {
    const emu = await LarkEmulator.start();
    // The emulator counts a request when it handles it. Fresh (its code not yet compiled) on a loaded machine,
    // it accepted the first burst's connections up to half a second after the client had written its requests
    // on them, counted those late, and saw more than 50 in a second the client never sent. So it serves a few
    // calls first and is then reset (windows, stats, tokens): the client below starts cold, the emulator does not.
    const warmUp = clientOf(emu);
    await listCalls(warmUp, 20);
    warmUp.close();
    emu.reset({ tokens: true });
    const c = clientOf(emu);
    try {
      const pages = await listCalls(c, 120);
      expect(pages).toHaveLength(120);
      // On the client's pooled keep-alive sockets, as it runs (at most 16 in flight).
      expect(emu.stats().connections).toBeLessThanOrEqual(16);
      expect(emu.stats().listMessagesRequests).toBe(120);
      expect(emu.stats().status429).toBe(0);
    } finally {
      c.close();
      await emu.close();
    }
  });
});
