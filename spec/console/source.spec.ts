// The console's source tab over HTTP: the bot's chats, and a preview of a chat's newest messages, newest
// first, with the senders' names where the app may read them (cached; the id and the reason, once, where not).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole } from '../../src/console/server.js';
import { LarkEmulator, defaultSeed, seedHistory } from '../../src/emulator/index.js';
import { LARK_PATHS, USER_LIST_SCOPES } from '../../src/core/vocabulary.js';
import { DEMO_SECRET, apiCaller, setConnection } from './http.js';

const USER_LOOKUP = `GET ${LARK_PATHS.user}`;

/** An emulator with 40 messages in each of the bot's chats, and a console on it (the app's scopes as given). */
async function setUp(scopes?: (s: string[]) => string[]) {
  const seed = defaultSeed();
  if (scopes) seed.apps[0]!.scopes = scopes(seed.apps[0]!.scopes ?? []);
  const emu = await LarkEmulator.start({ seed });
  const senders = seed.users.filter((u) => u.visible !== false).map((u) => u.openId);
  const chats = seed.chats.filter((c) => c.botMember).map((c) => ({ chatId: c.chatId, count: 40 }));
  seedHistory(emu, { chats, senders, startMs: Date.now() - 3600_000 });
  const con = await startConsole({ port: 0, host: '127.0.0.1' });
  const app = seed.apps[0]!;
  await setConnection(con, { appId: app.appId, appSecret: app.appSecret, domain: emu.baseUrl });
  const call = (p: string, json: unknown) => apiCaller(con)(p, json);
  return { seed, emu, con, call, lookups: () => emu.stats().byEndpoint[USER_LOOKUP] ?? 0 };
}

type Previewed = { messageId: string; chatId: string; createTime: number; senderId: string | null; senderType: string | null; senderName?: string };

describe('console API: source preview', () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    env = await setUp();
  });
  afterAll(async () => {
    await env?.con.close();
    await env?.emu.close();
  });

  it('lists the chats the bot is in, then previews the newest messages of one, newest first', async () => {
    const chats = await env.call('api/source/chats', {});
    expect(chats.status).toBe(200);
    expect(chats.json.chats.map((c: { chatMode: string }) => c.chatMode)).toEqual(['group', 'topic']);
    const chatId = chats.json.chats[0].chatId as string;
    // A message posted now is the newest: it comes first.
    const latest = env.emu.postMessage({ chatId, text: 'the newest one', senderOpenId: 'ou_b0b00000000000000000000000000002' });
    const r = await env.call('api/source/preview', { chatId, limit: 15 });
    expect(r.status).toBe(200);
    const messages = r.json.messages as Previewed[];
    expect(messages).toHaveLength(15);
    expect(messages[0]!.messageId).toBe(latest.messageId);
    expect(messages.every((m) => m.chatId === chatId)).toBe(true);
    const times = messages.map((m) => m.createTime);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The newest 15 of the chat's 41, not the oldest.
    const all = (await env.call('api/source/preview', { chatId, limit: 50 })).json.messages as Previewed[];
    expect(all.length).toBeGreaterThan(15);
    expect(messages.map((m) => m.messageId)).toEqual(all.slice(0, 15).map((m) => m.messageId));
    expect(r.text).not.toContain(DEMO_SECRET);
  });

  it("names each user's message by its sender, looked up once per sender and then cached", async () => {
    const chatId = env.seed.chats.find((c) => c.botMember)!.chatId;
    const names = new Map(env.seed.users.map((u) => [u.openId, u.name]));
    const before = env.lookups();
    const r = await env.call('api/source/preview', { chatId, limit: 20 });
    const messages = r.json.messages as Previewed[];
    const users = messages.filter((m) => m.senderType === 'user');
    expect(users.length).toBeGreaterThan(0);
    for (const m of users) expect(m.senderName, m.senderId!).toBe(names.get(m.senderId!));
    expect(r.json.names).toEqual({});
    // Already known from the previews before: no lookups at all now.
    expect(env.lookups()).toBe(before);
    // Every sender was asked for once in all, however many previews.
    const distinct = new Set(users.map((m) => m.senderId));
    expect(env.lookups()).toBeLessThanOrEqual(names.size);
    expect(env.lookups()).toBeGreaterThanOrEqual(distinct.size);
  });

  it("a sender outside the app's contact range shows by id, counted once", async () => {
    const chatId = env.seed.chats.find((c) => c.botMember)!.chatId;
    const eve = env.seed.users.find((u) => u.visible === false)!;
    env.emu.postMessage({ chatId, text: 'from outside the range', senderOpenId: eve.openId });
    env.emu.postMessage({ chatId, text: 'again', senderOpenId: eve.openId });
    const r = await env.call('api/source/preview', { chatId, limit: 5 });
    const fromEve = (r.json.messages as Previewed[]).filter((m) => m.senderId === eve.openId);
    expect(fromEve).toHaveLength(2);
    expect(fromEve.every((m) => m.senderName === undefined)).toBe(true);
    expect(r.json.names).toEqual({ outside: 1 });
  });

  it('refuses a chat id that is not one', async () => {
    const r = await env.call('api/source/preview', { chatId: '../etc' });
    expect(r.status).toBe(400);
  });
});

describe('console API: source preview of an app that may not read names', () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    env = await setUp((scopes) => scopes.filter((s) => !USER_LIST_SCOPES.includes(s)));
  });
  afterAll(async () => {
    await env?.con.close();
    await env?.emu.close();
  });

  it('shows the ids, and says why once (the scope to apply for), not on every message', async () => {
    const chatId = env.seed.chats.find((c) => c.botMember)!.chatId;
    const r = await env.call('api/source/preview', { chatId, limit: 20 });
    expect(r.status).toBe(200);
    const messages = r.json.messages as Previewed[];
    expect(messages).toHaveLength(20);
    expect(messages.every((m) => m.senderName === undefined && (m.senderType !== 'user' || m.senderId?.startsWith('ou_')))).toBe(true);
    expect(Object.keys(r.json.names)).toEqual(['denied']);
    expect(r.json.names.denied).toMatch(/contact:user\.base:readonly/);
    // One refusal is enough: the rest are not asked for (a few may have been on the wire at once).
    expect(env.lookups()).toBeLessThanOrEqual(4);
  });
});
