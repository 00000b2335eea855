import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { ALICE, APP_ID, BOB, CHAT_MEMBER, CHAT_NOT_MEMBER, EVE_HIDDEN, FakeClock, call, seedWith, send, start, text, token } from './helpers.js';

describe('emulator: POST /open-apis/im/v1/messages', () => {
  let emu: LarkEmulator;
  let clock: FakeClock;
  let tok: string;
  beforeEach(async () => {
    clock = new FakeClock();
    emu = await start({ clock });
    tok = await token(emu);
  });
  afterEach(() => emu.close());

  it('delivers to an open_id with Lark response shape', async () => {
    const r = await send(emu, tok, { receive_id: ALICE, content: text('hello'), uuid: 'u-1' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-tt-logid')).toBeTruthy();
    expect(r.body).toMatchObject({
      code: 0,
      msg: 'success',
      data: {
        message_id: expect.stringMatching(/^om_[0-9a-f]{32}$/),
        chat_id: expect.stringMatching(/^oc_/),
        msg_type: 'text',
        create_time: String(clock.t),
        sender: { id: APP_ID, id_type: 'app_id', sender_type: 'app' },
        body: { content: text('hello') },
      },
    });
    expect(emu.messages()).toEqual([
      {
        messageId: r.body.data.message_id,
        appId: APP_ID,
        uuid: 'u-1',
        receiveIdType: 'open_id',
        receiveId: ALICE,
        resolvedOpenId: ALICE,
        chatId: r.body.data.chat_id,
        msgType: 'text',
        content: text('hello'),
        createTime: clock.t,
      },
    ]);
  });

  it('resolves email (case-insensitive), user_id, union_id and chat_id receivers', async () => {
    const byEmail = await send(emu, tok, { receive_id: 'Alice@Example.com' }, 'email');
    const byUserId = await send(emu, tok, { receive_id: 'a11ce001' }, 'user_id');
    const byUnion = await send(emu, tok, { receive_id: 'on_a11ce000000000000000000000000001' }, 'union_id');
    const byChat = await send(emu, tok, { receive_id: CHAT_MEMBER }, 'chat_id');
    for (const r of [byEmail, byUserId, byUnion, byChat]) expect(r.body.code).toBe(0);
    expect(byEmail.body.data.chat_id).toBe(byUserId.body.data.chat_id); // same p2p chat
    expect(byChat.body.data.chat_id).toBe(CHAT_MEMBER);
    const msgs = emu.messages();
    expect(msgs.map((m) => m.resolvedOpenId)).toEqual([ALICE, ALICE, ALICE, undefined]);
    // the p2p chat id is usable as a chat_id receiver
    expect((await send(emu, tok, { receive_id: byEmail.body.data.chat_id }, 'chat_id')).body.code).toBe(0);
  });

  it('uuid dedup: same uuid within 1 hour -> same message_id, delivered once; after 1 hour delivered again', async () => {
    const a = await send(emu, tok, { receive_id: ALICE, uuid: 'dup-1' });
    const b = await send(emu, tok, { receive_id: ALICE, uuid: 'dup-1', content: text('changed') });
    expect(b.body.code).toBe(0);
    expect(b.body.data.message_id).toBe(a.body.data.message_id);
    expect(b.body.data.body.content).toBe(text('hi'));
    expect(emu.messages()).toHaveLength(1);
    expect(emu.stats()).toMatchObject({ sendRequests: 2, delivered: 1, duplicatesSuppressed: 1 });
    // different uuid or no uuid: delivered
    await send(emu, tok, { receive_id: ALICE, uuid: 'dup-2' });
    await send(emu, tok, { receive_id: ALICE });
    expect(emu.messages()).toHaveLength(3);
    clock.advance(60 * 60 * 1000);
    const c = await send(emu, tok, { receive_id: ALICE, uuid: 'dup-1' });
    expect(c.body.data.message_id).not.toBe(a.body.data.message_id);
    expect(emu.messages()).toHaveLength(4);
  });

  it('99992402 for a bad or missing receive_id_type, missing fields and a uuid over 50 chars', async () => {
    const bad = await call(emu, 'POST', '/open-apis/im/v1/messages?receive_id_type=phone', { token: tok, body: { receive_id: ALICE, msg_type: 'text', content: text('x') } });
    expect([bad.status, bad.body.code]).toEqual([400, 99992402]);
    expect(bad.body.error.field_violations[0].field).toBe('receive_id_type');
    const none = await call(emu, 'POST', '/open-apis/im/v1/messages', { token: tok, body: { receive_id: ALICE, msg_type: 'text', content: text('x') } });
    expect(none.body.code).toBe(99992402);
    expect((await send(emu, tok, { receive_id: '' })).body.code).toBe(99992402);
    const objContent = await call(emu, 'POST', '/open-apis/im/v1/messages?receive_id_type=open_id', { token: tok, body: { receive_id: ALICE, msg_type: 'text', content: { text: 'x' } } });
    expect(objContent.body.code).toBe(99992402);
    expect((await send(emu, tok, { receive_id: ALICE, uuid: 'x'.repeat(51) })).body.code).toBe(99992402);
    expect((await send(emu, tok, { receive_id: ALICE, uuid: 'x'.repeat(50) })).body.code).toBe(0);
    const notJson = await call(emu, 'POST', '/open-apis/im/v1/messages?receive_id_type=open_id', { token: tok, rawBody: '{nope' });
    expect(notJson.body.code).toBe(99992402);
  });

  it('230001 for an unknown msg_type and for content of the wrong shape', async () => {
    const r = await send(emu, tok, { receive_id: ALICE, msg_type: 'video' });
    expect([r.status, r.body.code]).toEqual([400, 230001]);
    const cases: Array<[string, string]> = [
      ['text', 'not json'],
      ['text', '"a string"'],
      ['text', JSON.stringify({ txt: 'x' })],
      ['post', JSON.stringify({ title: 'no locale' })],
      ['post', JSON.stringify({ zh_cn: { content: [[{ text: 'no tag' }]] } })],
      ['post', JSON.stringify({ zh_cn: { content: [[{ tag: 'bogus', text: 'x' }]] } })],
      ['post', JSON.stringify({ zh_cn: { content: [[{ tag: 'toString', text: 'x' }]] } })],
      ['image', JSON.stringify({ file_key: 'x' })],
      ['file', JSON.stringify({ image_key: 'x' })],
      ['media', JSON.stringify({ image_key: 'x' })],
      ['interactive', JSON.stringify({ foo: 1 })],
      ['interactive', JSON.stringify({ type: 'template', data: {} })],
      ['share_chat', JSON.stringify({ user_id: 'x' })],
      ['share_user', JSON.stringify({ chat_id: 'x' })],
    ];
    for (const [msg_type, content] of cases) {
      const res = await send(emu, tok, { receive_id: ALICE, msg_type, content });
      expect([msg_type, content, res.body.code]).toEqual([msg_type, content, 230001]);
      expect(res.body.msg).toContain('invalid content');
    }
    expect(emu.messages()).toHaveLength(0);
  });

  it('accepts every documented content shape', async () => {
    const ok: Array<[string, unknown]> = [
      ['text', { text: 'hello <at user_id="ou_x">Tom</at>' }],
      ['post', { zh_cn: { title: 'T', content: [[{ tag: 'text', text: 'a' }, { tag: 'a', href: 'https://x', text: 'b' }]] } }],
      ['post', { post: { en_us: { content: [[{ tag: 'text', text: 'a' }]] } } }],
      ['image', { image_key: 'img_1' }],
      ['audio', { file_key: 'file_1' }],
      ['file', { file_key: 'file_1' }],
      ['sticker', { file_key: 'file_1' }],
      ['media', { file_key: 'file_1', image_key: 'img_1' }],
      ['interactive', { elements: [{ tag: 'div', text: { tag: 'plain_text', content: 'x' } }] }],
      ['interactive', { schema: '2.0', body: { elements: [] } }],
      ['interactive', { type: 'template', data: { template_id: 'AAq', template_variable: {} } }],
      ['interactive', { type: 'card', data: { card_id: '7355' } }],
      ['share_chat', { chat_id: CHAT_MEMBER }],
      ['share_user', { user_id: BOB }],
    ];
    for (const [i, [msg_type, content]] of ok.entries()) {
      // spread over receivers so the 5/s per-receiver limit does not bite
      clock.advance(1000);
      const r = await send(emu, tok, { receive_id: ALICE, msg_type, content: JSON.stringify(content) });
      expect([i, msg_type, r.body.code]).toEqual([i, msg_type, 0]);
    }
  });

  it('230025 for text over 150 KB and post/interactive over 30 KB', async () => {
    const bigText = await send(emu, tok, { receive_id: ALICE, content: text('x'.repeat(151 * 1024)) });
    expect([bigText.status, bigText.body.code]).toEqual([400, 230025]);
    expect((await send(emu, tok, { receive_id: ALICE, content: text('x'.repeat(100 * 1024)) })).body.code).toBe(0);
    const post = JSON.stringify({ zh_cn: { content: [[{ tag: 'text', text: 'x'.repeat(31 * 1024) }]] } });
    expect((await send(emu, tok, { receive_id: ALICE, msg_type: 'post', content: post })).body.code).toBe(230025);
    const card = JSON.stringify({ elements: [{ tag: 'markdown', content: 'x'.repeat(31 * 1024) }] });
    expect((await send(emu, tok, { receive_id: ALICE, msg_type: 'interactive', content: card })).body.code).toBe(230025);
  });

  it('receiver errors: 99992361, 99992351, 230001 (email / chat), 230013, 230002', async () => {
    const cases: Array<[string, string, number]> = [
      ['open_id', 'ou_ffffffffffffffffffffffffffffffff', 99992361],
      ['open_id', 'not-an-open-id', 99992351],
      ['user_id', 'nobody', 99992351],
      ['union_id', 'on_nobody', 99992351],
      ['email', 'nobody@example.com', 230001],
      ['chat_id', 'oc_unknown', 230001],
      ['open_id', EVE_HIDDEN, 230013],
      ['email', 'eve@example.com', 230013],
      ['chat_id', CHAT_NOT_MEMBER, 230002],
    ];
    for (const [type, id, code] of cases) {
      const r = await send(emu, tok, { receive_id: id }, type);
      expect([type, id, r.status, r.body.code]).toEqual([type, id, 400, code]);
      expect(r.body.error.log_id).toBe(r.headers.get('x-tt-logid'));
    }
    expect(emu.messages()).toHaveLength(0);
    expect(emu.stats().errorsByCode).toMatchObject({ 99992361: 1, 99992351: 3, 230001: 2, 230013: 2, 230002: 1 });
  });

  it('230006 when the bot is not activated; 99991672 without the send scope', async () => {
    const off = await start({ seed: seedWith((s) => (s.apps[0]!.botActivateStatus = 0)) });
    const noScope = await start({ seed: seedWith((s) => (s.apps[0]!.scopes = ['contact:user.id:readonly'])) });
    try {
      const r1 = await send(off, await token(off), { receive_id: ALICE });
      expect([r1.status, r1.body.code]).toEqual([400, 230006]);
      const r2 = await send(noScope, await token(noScope), { receive_id: ALICE });
      expect([r2.status, r2.body.code]).toEqual([400, 99991672]);
      expect(r2.body.msg).toContain('im:message:send_as_bot');
    } finally {
      await off.close();
      await noScope.close();
    }
  });

  it('230020 past 5/s to the same receiver (user per app, chat shared)', async () => {
    for (let i = 0; i < 5; i++) expect((await send(emu, tok, { receive_id: ALICE })).body.code).toBe(0);
    const over = await send(emu, tok, { receive_id: ALICE });
    expect([over.status, over.body.code]).toEqual([400, 230020]);
    expect((await send(emu, tok, { receive_id: BOB })).body.code).toBe(0);
    for (let i = 0; i < 5; i++) expect((await send(emu, tok, { receive_id: CHAT_MEMBER }, 'chat_id')).body.code).toBe(0);
    expect((await send(emu, tok, { receive_id: CHAT_MEMBER }, 'chat_id')).body.code).toBe(230020);
    clock.advance(1000);
    expect((await send(emu, tok, { receive_id: ALICE })).body.code).toBe(0);
    expect(emu.messages()).toHaveLength(12);
  });

  it('reset() forgets messages, uuids and stats but keeps tokens', async () => {
    await send(emu, tok, { receive_id: ALICE, uuid: 'r-1' });
    emu.reset();
    expect(emu.messages()).toEqual([]);
    expect(emu.stats().sendRequests).toBe(0);
    const again = await send(emu, tok, { receive_id: ALICE, uuid: 'r-1' });
    expect(again.body.code).toBe(0);
    expect(emu.stats().delivered).toBe(1);
    emu.reset({ tokens: true });
    expect((await send(emu, tok, { receive_id: ALICE })).body.code).toBe(99991663);
  });
});
