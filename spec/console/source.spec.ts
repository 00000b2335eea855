// The console's source tab over HTTP: the bot's chats, and a preview of a chat's first messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type ConsoleHandle } from '../../src/console/server.js';
import { DEMO_SECRET, auth, baseOf, request } from './http.js';

describe('console API: source preview (with the emulator)', () => {
  let con: ConsoleHandle;
  beforeAll(async () => {
    con = await startConsole({ port: 0, host: '127.0.0.1', emulator: true });
  });
  afterAll(async () => {
    await con?.close();
  });
  const call = (p: string, json: unknown) => request(baseOf(con) + p.replace(/^\//, ''), { json, headers: auth(con) });

  it('lists the chats the bot is in, then previews the oldest messages of one in order', async () => {
    const chats = await call('/api/source/chats', {});
    expect(chats.status).toBe(200);
    expect(chats.json.chats.map((c: { chatMode: string }) => c.chatMode)).toEqual(['group', 'topic']);
    const chatId = chats.json.chats[0].chatId as string;
    const r = await call('/api/source/preview', { chatId, limit: 15 });
    expect(r.status).toBe(200);
    const messages = r.json.messages as Array<{ chatId: string; createTime: number; op: string; text: string | null }>;
    expect(messages).toHaveLength(15);
    expect(messages.every((m) => m.chatId === chatId)).toBe(true);
    expect(messages.map((m) => m.createTime)).toEqual([...messages.map((m) => m.createTime)].sort((a, b) => a - b));
    expect(r.text).not.toContain(DEMO_SECRET);
  });

  it('refuses a chat id that is not one', async () => {
    const r = await call('/api/source/preview', { chatId: '../etc' });
    expect(r.status).toBe(400);
  });
});
