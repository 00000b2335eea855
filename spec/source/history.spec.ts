import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LarkEmulator, SeededHistory } from '../../src/emulator/index.js';
import { seedHistory } from '../../src/emulator/index.js';
import type { LarkImConnector } from '../../src/connector.js';
import type { SourceOffset } from '../../src/source/offset.js';
import { ALICE, BOB, CAROL, DEV, OPS, TOPICS, all, collector, connectorFor, isAscending, startEmulator } from './helpers.js';

describe('source: batchRead of a 3-chat history (emulator)', () => {
  let emu: LarkEmulator;
  let seeded: SeededHistory;
  let connector: LarkImConnector;
  let offset: SourceOffset;
  const read = collector();

  beforeAll(async () => {
    emu = await startEmulator();
    seeded = seedHistory(emu, {
      chats: [
        { chatId: OPS, count: 1500 },
        { chatId: TOPICS, count: 700 },
        { chatId: DEV, count: 1100 },
      ],
      senders: [ALICE, BOB, CAROL],
      startMs: Date.UTC(2025, 0, 1),
    });
    connector = connectorFor(emu);
    offset = await connector.batchRead(undefined, 50, read.emit);
  });
  afterAll(async () => {
    connector.close();
    await emu.close();
  });

  it('delivers every message exactly once, with the op its state calls for', () => {
    const history = all(seeded.byChat);
    expect(history.length).toBe(3300);
    const ids = read.events.map((e) => e.record.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(history.map((m) => m.messageId)));
    const byId = new Map(read.events.map((e) => [e.record.messageId, e]));
    for (const m of history) {
      const e = byId.get(m.messageId)!;
      expect(e.op).toBe(m.deleted ? 'delete' : 'insert');
      expect(e.record).toMatchObject({ chatId: m.chatId, createTime: m.createTime, updateTime: m.updateTime, deleted: m.deleted, updated: m.updated, content: m.content });
    }
    expect(seeded.edited).toBeGreaterThan(50);
    expect(seeded.recalled).toBeGreaterThan(30);
    expect(read.events.filter((e) => e.op === 'delete').length).toBe(seeded.recalled);
  });

  it('keeps createTime order per chat, and per topic in a topic chat; same-second clusters included', () => {
    for (const chatId of [OPS, DEV]) {
      const times = read.events.filter((e) => e.record.chatId === chatId).map((e) => e.record.createTime);
      expect(isAscending(times)).toBe(true);
      const seconds = times.map((t) => Math.floor(t / 1000));
      expect(seconds.length - new Set(seconds).size).toBeGreaterThan(200); // many same-second messages
    }
    const topic = read.events.filter((e) => e.record.chatId === TOPICS);
    expect(isAscending(topic.filter((e) => e.record.rootId === null).map((e) => e.record.createTime))).toBe(true);
    const threads = new Map<string, number[]>();
    for (const e of topic) if (e.record.rootId) (threads.get(e.record.threadId!) ?? threads.set(e.record.threadId!, []).get(e.record.threadId!)!).push(e.record.createTime);
    expect(threads.size).toBeGreaterThan(20);
    for (const times of threads.values()) expect(isAscending(times)).toBe(true);
  });

  it('maps the record: text rendering, sender, thread fields', () => {
    const reply = read.events.find((e) => e.record.chatId === TOPICS && e.record.rootId && !e.record.deleted)!.record;
    expect(reply.threadId).toMatch(/^omt_/);
    expect(reply.parentId).toMatch(/^om_/);
    expect(reply.text).toBe(JSON.parse(reply.content).text);
    expect(reply.senderType).toBe('user');
    expect([ALICE, BOB, CAROL]).toContain(reply.senderId);
    const edited = read.events.find((e) => e.record.updated)!.record;
    expect(edited.text).toMatch(/\(edited\)$/);
    expect(edited.updateTime).toBeGreaterThan(edited.createTime);
  });

  it('the offset stays small: bounded by the overlap and the followed topics, not the history', () => {
    const seen = Object.values(offset.containers).reduce((n, c) => n + c.seen.length, 0);
    expect(seen).toBeLessThan(200);
    expect(Object.keys(offset.containers).filter((k) => k.startsWith('thread:')).length).toBeLessThanOrEqual(20);
    expect(JSON.stringify(offset).length).toBeLessThan(20_000);
  });

  it('reading again from the offset delivers nothing; then new, edited, recalled and late messages once each', async () => {
    const again = collector();
    offset = await connector.batchRead(offset, 50, again.emit);
    expect(again.events).toEqual([]);

    const ops = seeded.byChat.get(OPS)!;
    const newest = ops[ops.length - 1]!;
    const recent = ops.filter((m) => !m.deleted && m.createTime > newest.createTime - 10_000);
    const toEdit = recent[0]!;
    const toRecall = recent[recent.length - 1]!;
    const fresh = emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'new one', createTime: newest.createTime + 5000 });
    // Shows up late, inside a second the last read already covered.
    const late = emu.postMessage({ chatId: OPS, senderOpenId: BOB, text: 'late one', createTime: newest.createTime });
    emu.editMessage(toEdit.messageId, { text: 'changed' });
    emu.recallMessage(toRecall.messageId);

    const next = collector();
    offset = await connector.batchRead(offset, 50, next.emit);
    const got = next.events.map((e) => [e.op, e.record.messageId]);
    expect(got).toHaveLength(4);
    expect(got).toEqual(
      expect.arrayContaining([
        ['insert', fresh.messageId],
        ['insert', late.messageId],
        ['update', toEdit.messageId],
        ['delete', toRecall.messageId],
      ]),
    );
    expect(next.events.find((e) => e.op === 'update')!.record.text).toBe('changed');

    const last = collector();
    await connector.batchRead(offset, 50, last.emit);
    expect(last.events).toEqual([]);
  });
});
