/**
 * The edit sweep: Lark has no edit event and a poll re-reads only the 30 s overlap, so an edit or a recall of
 * an older message is read by the sweep (node.editLookbackMs back, default an hour), once, in poll mode; the
 * sweep stays within its share of the list quota; editLookbackMs 0 turns it off.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import type { LarkImConnector } from '../../src/connector.js';
import { SWEEP_MIN_EVERY_MS } from '../../src/source/reader.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { ALICE, BOB, DEV, OPS, collector, connectorFor, startEmulator } from './helpers.js';

const POLL_MS = 15_000;

/** Waits (in real time, for the HTTP round trips) until the follower sleeps its n-th interval. */
async function sleeping(clock: FakeClock, n: number): Promise<void> {
  for (let i = 0; i < 2000 && !(clock.sleeps.length >= n && clock.pendingTimers === 1); i++) await new Promise((r) => setTimeout(r, 2));
  expect(clock.sleeps.length).toBe(n);
}

const LIST = 'GET /open-apis/im/v1/messages';

describe('source: the edit sweep (poll mode, fake clock)', () => {
  let emu: LarkEmulator;
  let clock: FakeClock;
  let connector: LarkImConnector | undefined;

  beforeEach(async () => {
    clock = new FakeClock();
    emu = await startEmulator({ clock });
  });
  afterEach(async () => {
    connector?.close();
    await emu.close();
  });

  /**
   * Follows OPS and DEV; posts, waits 2 minutes, posts newer messages (so the reads' overlap moves past the
   * first ones: a quiet chat's reads start 30 s before its newest message), edits and recalls, polls on.
   */
  async function editAfterTwoMinutes(node: Record<string, unknown>) {
    connector = connectorFor(emu, { chats: `${OPS},${DEV}`, pollIntervalMs: POLL_MS, ...node }, { pacing: false, clock });
    const old = emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'old' });
    const gone = emu.postMessage({ chatId: DEV, senderOpenId: BOB, text: 'to recall' });
    const read = collector();
    const stop = new AbortController();
    const running = connector.streamRead(connector.timestampToStreamOffset(0), read.emit, { signal: stop.signal });
    let sleeps = 1;
    await sleeping(clock, sleeps);
    for (let t = 0; t < 120_000; t += POLL_MS) {
      await clock.advance(POLL_MS);
      await sleeping(clock, ++sleeps);
    }
    const newer = [OPS, DEV].map((chatId) => emu.postMessage({ chatId, senderOpenId: ALICE, text: 'newer' }));
    for (let t = 0; t < 60_000; t += POLL_MS) {
      await clock.advance(POLL_MS);
      await sleeping(clock, ++sleeps);
    }
    emu.editMessage(old.messageId, { text: 'old, edited' });
    emu.recallMessage(gone.messageId);
    const listsBefore = emu.stats().byEndpoint[LIST] ?? 0;
    // Two sweep periods: the first sweep reads the changes, the second finds nothing new.
    for (let t = 0; t < 2 * SWEEP_MIN_EVERY_MS + POLL_MS; t += POLL_MS) {
      await clock.advance(POLL_MS);
      await sleeping(clock, ++sleeps);
    }
    stop.abort();
    const offset = await running;
    const lists = (emu.stats().byEndpoint[LIST] ?? 0) - listsBefore;
    return { read, old, gone, newer, offset, lists };
  }

  it('reads an edit and a recall of messages older than the overlap, once each, as update and delete', async () => {
    const { read, old, gone, newer, offset, lists } = await editAfterTwoMinutes({});
    expect(read.events.map((e) => [e.op, e.record.messageId])).toEqual([
      ['insert', old.messageId],
      ['insert', gone.messageId],
      ['insert', newer[0]!.messageId],
      ['insert', newer[1]!.messageId],
      ['update', old.messageId],
      ['delete', gone.messageId],
    ]);
    const update = read.events[4]!.record;
    expect([update.text, update.updated]).toEqual(['old, edited', true]);
    expect(read.events[5]!.record.deleted).toBe(true);
    expect(read.offsets[read.offsets.length - 1]).toEqual(offset);
    // The offset remembers the changed messages (for the next sweep) and the overlap's, not the whole hour.
    const seen = Object.values(offset.containers).flatMap((c) => c.seen.map((e) => e[0]));
    expect(seen.sort()).toEqual([old.messageId, gone.messageId, ...newer.map((m) => m.messageId)].sort());
    // 9 polls x 2 chats, plus at most 3 sweeps in those 135 s (one request per chat each).
    expect(lists).toBeGreaterThan(9 * 2);
    expect(lists).toBeLessThanOrEqual(9 * 2 + 3 * 2);
  });

  it('editLookbackMs 0 turns it off: the edit of an old message is never read', async () => {
    const { read, old, gone, newer, lists } = await editAfterTwoMinutes({ editLookbackMs: 0 });
    expect(read.events.map((e) => [e.op, e.record.messageId])).toEqual([
      ['insert', old.messageId],
      ['insert', gone.messageId],
      ['insert', newer[0]!.messageId],
      ['insert', newer[1]!.messageId],
    ]);
    expect(lists).toBe(9 * 2);
  });

  it('does not reach further back than editLookbackMs', async () => {
    const { read } = await editAfterTwoMinutes({ editLookbackMs: 60_000 });
    expect(read.events.map((e) => e.op)).toEqual(['insert', 'insert', 'insert', 'insert']);
  });
});
