import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatActivity, LarkEmulator } from '../../src/emulator/index.js';
import { ALICE, APP_ID, BOB, CHAT_MEMBER, CHAT_NOT_MEMBER, FakeClock, call, seedWith, send, start, text, token } from './helpers.js';

const TOPICS = 'oc_0b5a1e7500000000000000000000000c';

describe('emulator: chat history (admin posts, topics, edits, recalls) and GET /open-apis/im/v1/chats', () => {
  let emu: LarkEmulator;
  let clock: FakeClock;
  let tok: string;
  const list = (q: string, t = tok) => call(emu, 'GET', `/open-apis/im/v1/messages?${q}`, { token: t });

  beforeEach(async () => {
    clock = new FakeClock();
    emu = await start({ clock });
    tok = await token(emu);
  });
  afterEach(() => emu.close());

  it('lists user posts and bot sends together in createTime order; a late post goes to its place', async () => {
    const a = emu.postMessage({ chatId: CHAT_MEMBER, senderOpenId: ALICE, text: 'a' });
    clock.advance(1500);
    await send(emu, tok, { receive_id: CHAT_MEMBER, content: text('bot') }, 'chat_id');
    clock.advance(1500);
    const late = emu.postMessage({ chatId: CHAT_MEMBER, senderOpenId: BOB, text: 'late', createTime: a.createTime + 500 });
    const r = await list(`container_id_type=chat&container_id=${CHAT_MEMBER}`);
    const items = r.body.data.items as Array<Record<string, any>>;
    expect(items.map((i) => JSON.parse(i.body.content).text)).toEqual(['a', 'late', 'bot']);
    expect(items[0]).toMatchObject({ message_id: a.messageId, sender: { id: ALICE, id_type: 'open_id', sender_type: 'user' }, deleted: false, updated: false });
    expect(items[2]!.sender).toMatchObject({ id: APP_ID, sender_type: 'app' });
    expect(late.createTime).toBe(a.createTime + 500);
  });

  it('edits and recalls change update_time and the flags, and are announced with posts', async () => {
    const seen: ChatActivity[] = [];
    const off = emu.onActivity((a) => seen.push(a));
    const m = emu.postMessage({ chatId: CHAT_MEMBER, senderOpenId: ALICE, text: 'first' });
    clock.advance(2000);
    emu.editMessage(m.messageId, { text: 'second' });
    clock.advance(2000);
    emu.recallMessage(m.messageId);
    off();
    emu.postMessage({ chatId: CHAT_MEMBER, senderOpenId: ALICE, text: 'unobserved' });
    expect(seen.map((a) => a.type)).toEqual(['posted', 'edited', 'recalled']);
    const [item] = (await list(`container_id_type=chat&container_id=${CHAT_MEMBER}`)).body.data.items;
    expect(item).toMatchObject({ deleted: true, updated: true, create_time: String(m.createTime), update_time: String(m.createTime + 4000) });
    expect(() => emu.editMessage(m.messageId, { text: 'x' })).toThrow(/recalled/);
  });

  it('a topic chat lists the topics\' first messages; container_id_type=thread lists a topic\'s replies', async () => {
    const root = emu.postMessage({ chatId: TOPICS, senderOpenId: ALICE, text: 'topic' });
    clock.advance(1000);
    const r1 = emu.postMessage({ chatId: TOPICS, senderOpenId: BOB, text: 'reply 1', replyTo: root.messageId });
    clock.advance(1000);
    const r2 = emu.postMessage({ chatId: TOPICS, senderOpenId: ALICE, text: 'reply 2', replyTo: r1.messageId });
    expect(root.threadId).toMatch(/^omt_/);
    expect(r2).toMatchObject({ rootId: root.messageId, parentId: r1.messageId, threadId: root.threadId });
    const chat = await list(`container_id_type=chat&container_id=${TOPICS}`);
    expect(chat.body.data.items.map((i: any) => i.message_id)).toEqual([root.messageId]);
    expect(chat.body.data.items[0].thread_id).toBe(root.threadId);
    const thread = await list(`container_id_type=thread&container_id=${root.threadId}&page_size=1`);
    expect(thread.body.data).toMatchObject({ has_more: true, items: [{ message_id: r1.messageId, root_id: root.messageId, parent_id: root.messageId }] });
    const rest = await list(`container_id_type=thread&container_id=${root.threadId}&page_size=1&page_token=${thread.body.data.page_token}`);
    expect(rest.body.data.items.map((i: any) => i.message_id)).toEqual([r2.messageId]);
    expect((await list(`container_id_type=thread&container_id=omt_nope`)).body.code).toBe(99992402);
  });

  it('GET im/v1/chats pages the group chats the bot is in, with their mode', async () => {
    const first = await call(emu, 'GET', '/open-apis/im/v1/chats?page_size=1', { token: tok });
    expect(first.body.data).toMatchObject({ has_more: true, items: [{ chat_id: CHAT_MEMBER, chat_mode: 'group' }] });
    const second = await call(emu, 'GET', `/open-apis/im/v1/chats?page_size=1&page_token=${first.body.data.page_token}`, { token: tok });
    expect(second.body.data).toMatchObject({ has_more: false, items: [{ chat_id: TOPICS, chat_mode: 'topic' }] });
    expect(JSON.stringify([first.body, second.body])).not.toContain(CHAT_NOT_MEMBER);
    expect((await call(emu, 'GET', '/open-apis/im/v1/chats?page_size=101', { token: tok })).body.code).toBe(99992402);
    expect(emu.stats().listChatsRequests).toBe(3);
  });

  it('scopes: no read scope -> 99991672; without im:message.group_msg only the messages that @-mention the bot', async () => {
    await emu.close();
    emu = await start({ clock, seed: seedWith((s) => (s.apps[0]!.scopes = ['im:message:send_as_bot'])) });
    tok = await token(emu);
    expect((await list(`container_id_type=chat&container_id=${CHAT_MEMBER}`)).body.code).toBe(99991672);
    await emu.close();
    emu = await start({ clock, seed: seedWith((s) => (s.apps[0]!.scopes = ['im:message:readonly'])) });
    tok = await token(emu);
    emu.postMessage({ chatId: CHAT_MEMBER, senderOpenId: ALICE, text: 'to everyone' });
    const mention = emu.postMessage({ chatId: CHAT_MEMBER, senderOpenId: BOB, text: 'hey bot', mentionBotOf: APP_ID });
    const r = await list(`container_id_type=chat&container_id=${CHAT_MEMBER}`);
    expect(r.body.data.items.map((i: any) => i.message_id)).toEqual([mention.messageId]);
    expect(r.body.data.items[0].mentions).toEqual([expect.objectContaining({ key: '@_user_1', id_type: 'open_id' })]);
  });

  it('rate limits: 50 list requests per second per app, then 429 with the reset header', async () => {
    const replies = await Promise.all(Array.from({ length: 51 }, () => list(`container_id_type=chat&container_id=${CHAT_MEMBER}`)));
    expect(replies.filter((r) => r.status === 429)).toHaveLength(1);
    const limited = replies.find((r) => r.status === 429)!;
    expect(limited.body.code).toBe(99991400);
    expect(limited.headers.get('x-ogw-ratelimit-reset')).toBeTruthy();
    clock.advance(1001);
    expect((await list(`container_id_type=chat&container_id=${CHAT_MEMBER}`)).status).toBe(200);
  });
});

describe('emulator: admin calls over HTTP (/_emulator/...)', () => {
  it('posts, edits and recalls a user message; a bad call is one clear 400', async () => {
    const emu = await start();
    try {
      const posted = await call(emu, 'POST', '/_emulator/messages', { body: { chatId: CHAT_MEMBER, senderOpenId: BOB, text: 'from curl' } });
      expect(posted.body.data).toMatchObject({ chatId: CHAT_MEMBER, sender: { id: BOB }, content: text('from curl') });
      const id = posted.body.data.messageId as string;
      expect((await call(emu, 'POST', '/_emulator/messages/edit', { body: { messageId: id, text: 'edited' } })).body.data).toMatchObject({ updated: true, content: text('edited') });
      expect((await call(emu, 'POST', '/_emulator/messages/recall', { body: { messageId: id } })).body.data).toMatchObject({ deleted: true });
      const badChat = await call(emu, 'POST', '/_emulator/messages', { body: { chatId: 'oc_nope', text: 'x' } });
      expect(badChat.status).toBe(400);
      expect(badChat.body.msg).toMatch(/no chat oc_nope/);
    } finally {
      await emu.close();
    }
  });
});
