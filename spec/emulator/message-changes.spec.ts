/** The emulator's PUT / PATCH / DELETE of a message: Lark's codes and limits, and what the source reads back. */
import { afterEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { ALICE, APP_ID, CHAT_MEMBER, FakeClock, call, seedWith, send, start, text, token } from './helpers.js';

let emu: LarkEmulator;
afterEach(async () => {
  await emu?.close();
});

const path = (id: string) => `/open-apis/im/v1/messages/${id}`;

describe('changing a sent message', () => {
  it('PUT edits text up to 20 times (230072 after), and the list shows the new content and update_time', async () => {
    const clock = new FakeClock();
    emu = await start({ clock });
    const tok = await token(emu);
    const sent = await send(emu, tok, { receive_id: CHAT_MEMBER }, 'chat_id');
    const id = sent.body.data.message_id as string;
    for (let i = 1; i <= 20; i++) {
      clock.advance(1000); // 5/s per message: one a second stays under it
      const r = await call(emu, 'PUT', path(id), { token: tok, body: { msg_type: 'text', content: text(`edit ${i}`) } });
      expect(r.body.code, JSON.stringify(r.body)).toBe(0);
    }
    clock.advance(1000);
    const refused = await call(emu, 'PUT', path(id), { token: tok, body: { msg_type: 'text', content: text('21') } });
    expect(refused.body.code).toBe(230072);
    expect(emu.messages()[0]).toMatchObject({ messageId: id, edits: 20, content: text('edit 20'), updateTime: clock.t - 1000 });
    const list = await call(emu, 'GET', `/open-apis/im/v1/messages?container_id_type=chat&container_id=${CHAT_MEMBER}`, { token: tok });
    const item = (list.body.data.items as Array<Record<string, any>>).find((m) => m.message_id === id)!;
    expect(item).toMatchObject({ updated: true, deleted: false, update_time: String(clock.t - 1000), body: { content: text('edit 20') } });
  });

  it('more than 5 changes a second of one message: 230020; past the edit window: 230075; a card past 14 days: 230031', async () => {
    const clock = new FakeClock();
    emu = await start({ clock, messageChanges: { editWindowSeconds: 60 } });
    const tok = await token(emu);
    const id = (await send(emu, tok, { receive_id: ALICE })).body.data.message_id as string;
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await call(emu, 'PUT', path(id), { token: tok, body: { msg_type: 'text', content: text(`${i}`) } })).body.code);
    expect(codes).toEqual([0, 0, 0, 0, 0, 230020]);
    clock.advance(61_000);
    expect((await call(emu, 'PUT', path(id), { token: tok, body: { msg_type: 'text', content: text('late') } })).body.code).toBe(230075);
    const card = JSON.stringify({ config: { update_multi: true }, elements: [] });
    const cardId = (await send(emu, tok, { receive_id: ALICE, msg_type: 'interactive', content: card })).body.data.message_id as string;
    expect((await call(emu, 'PATCH', path(cardId), { token: tok, body: { content: card } })).body.code).toBe(0);
    // A text message cannot be patched, nor a card put.
    expect((await call(emu, 'PATCH', path(id), { token: tok, body: { content: card } })).body.code).toBe(230001);
    expect((await call(emu, 'PUT', path(cardId), { token: tok, body: { msg_type: 'text', content: text('x') } })).body.code).toBe(230001);
    clock.advance(15 * 24 * 3600 * 1000);
    expect((await call(emu, 'PATCH', path(cardId), { token: await token(emu), body: { content: card } })).body.code).toBe(230031);
  });

  it('DELETE recalls (the list shows it deleted), twice is 230110, past the window 230009; only the app\'s own messages', async () => {
    const clock = new FakeClock();
    const other = { appId: 'cli_other_app', appSecret: 'other-secret', appName: 'Other' };
    emu = await start({ clock, seed: seedWith((s) => s.apps.push(other)) });
    const tok = await token(emu);
    const id = (await send(emu, tok, { receive_id: CHAT_MEMBER }, 'chat_id')).body.data.message_id as string;
    const otherTok = await token(emu, other.appId, other.appSecret);
    expect((await call(emu, 'DELETE', path(id), { token: otherTok })).body.code).toBe(230071);
    expect((await call(emu, 'DELETE', path(id), { token: tok })).body.code).toBe(0);
    expect((await call(emu, 'DELETE', path(id), { token: tok })).body.code).toBe(230110);
    expect(emu.messages()[0]).toMatchObject({ messageId: id, recalled: true });
    const list = await call(emu, 'GET', `/open-apis/im/v1/messages?container_id_type=chat&container_id=${CHAT_MEMBER}`, { token: tok });
    expect((list.body.data.items as Array<Record<string, any>>).find((m) => m.message_id === id)).toMatchObject({ deleted: true });
    const late = (await send(emu, tok, { receive_id: ALICE })).body.data.message_id as string;
    clock.advance(24 * 3600 * 1000 + 1);
    expect((await call(emu, 'DELETE', path(late), { token: await token(emu) })).body.code).toBe(230009);
    expect(emu.stats().byEndpoint[`DELETE /open-apis/im/v1/messages/:message_id`]).toBe(4);
    expect(APP_ID).not.toBe(other.appId);
  });
});
