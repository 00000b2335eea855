import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { APP_ID, CHAT_MEMBER, CHAT_NOT_MEMBER, FakeClock, call, send, start, text, token } from './helpers.js';

describe('emulator: GET /open-apis/im/v1/messages', () => {
  let emu: LarkEmulator;
  let clock: FakeClock;
  let tok: string;
  const list = (q: string) => call(emu, 'GET', `/open-apis/im/v1/messages?container_id_type=chat&${q}`, { token: tok });

  beforeEach(async () => {
    clock = new FakeClock();
    emu = await start({ clock });
    tok = await token(emu);
    for (let i = 0; i < 7; i++) {
      await send(emu, tok, { receive_id: CHAT_MEMBER, content: text(`m${i}`) }, 'chat_id');
      clock.advance(1000);
    }
  });
  afterEach(() => emu.close());

  it('pages through a chat in ascending order', async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const r = await list(`container_id=${CHAT_MEMBER}&page_size=3${pageToken ? `&page_token=${pageToken}` : ''}`);
      expect(r.body.code).toBe(0);
      pages++;
      for (const item of r.body.data.items) seen.push(JSON.parse(item.body.content).text);
      pageToken = r.body.data.has_more ? r.body.data.page_token : undefined;
      if (!r.body.data.has_more) expect(r.body.data.page_token).toBeUndefined();
    } while (pageToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  });

  it('item shape, descending order and a time range (seconds, inclusive)', async () => {
    const t0 = new FakeClock().t; // first message time
    const r = await list(`container_id=${CHAT_MEMBER}&sort_type=ByCreateTimeDesc&start_time=${t0 / 1000 + 2}&end_time=${t0 / 1000 + 4}`);
    expect(r.body.data.items.map((i: { body: { content: string } }) => JSON.parse(i.body.content).text)).toEqual(['m4', 'm3', 'm2']);
    expect(r.body.data.items[0]).toMatchObject({
      message_id: expect.stringMatching(/^om_/),
      msg_type: 'text',
      create_time: String(t0 + 4000),
      chat_id: CHAT_MEMBER,
      sender: { id: APP_ID, id_type: 'app_id', sender_type: 'app' },
    });
    expect(r.body.data.has_more).toBe(false);
  });

  it('errors: bot not in chat 230002, unknown chat 230001, bad params 99992402', async () => {
    expect((await list(`container_id=${CHAT_NOT_MEMBER}`)).body.code).toBe(230002);
    expect((await list('container_id=oc_nope')).body.code).toBe(230001);
    expect((await list(`container_id=${CHAT_MEMBER}&page_size=51`)).body.code).toBe(99992402);
    expect((await list(`container_id=${CHAT_MEMBER}&page_token=garbage`)).body.code).toBe(99992402);
    expect((await list(`container_id=${CHAT_MEMBER}&start_time=yesterday`)).body.code).toBe(99992402);
    const wrongType = await call(emu, 'GET', `/open-apis/im/v1/messages?container_id_type=thread&container_id=${CHAT_MEMBER}`, { token: tok });
    expect(wrongType.body.code).toBe(99992402);
  });

  it('an empty chat lists nothing', async () => {
    emu.reset();
    const r = await list(`container_id=${CHAT_MEMBER}`);
    expect(r.body.data).toEqual({ has_more: false, items: [] });
    expect(emu.stats().listMessagesRequests).toBe(1);
  });
});
