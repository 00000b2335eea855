import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import type { LarkImConnector } from '../../src/connector.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { ALICE, BOB, DEV, OPS, collector, connectorFor, startEmulator } from './helpers.js';

/** Waits (in real time, for the HTTP round trips) until the follower sleeps its n-th interval. */
async function sleeping(clock: FakeClock, n: number): Promise<void> {
  for (let i = 0; i < 2000 && !(clock.sleeps.length >= n && clock.pendingTimers === 1); i++) await new Promise((r) => setTimeout(r, 2));
  expect(clock.sleeps.length).toBe(n);
}

describe('source: streamRead in poll mode (fake clock)', () => {
  let emu: LarkEmulator;
  let clock: FakeClock;
  let connector: LarkImConnector;

  beforeEach(async () => {
    clock = new FakeClock();
    emu = await startEmulator({ clock });
    connector = connectorFor(emu, { chats: `${OPS},${DEV}`, pollIntervalMs: 15_000 }, { pacing: false, clock });
  });
  afterEach(async () => {
    connector.close();
    await emu.close();
  });

  it('polls every interval and delivers new, late, edited and recalled messages exactly once', async () => {
    const first = emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'one' });
    const read = collector();
    const stop = new AbortController();
    const running = connector.streamRead(connector.timestampToStreamOffset(0), read.emit, { signal: stop.signal });
    await sleeping(clock, 1);
    expect(read.events.map((e) => [e.op, e.record.messageId])).toEqual([['insert', first.messageId]]);

    await clock.advance(400); // same second as `first`
    const sameSecond = emu.postMessage({ chatId: OPS, senderOpenId: BOB, text: 'same second' });
    const other = emu.postMessage({ chatId: DEV, senderOpenId: BOB, text: 'dev' });
    await clock.advance(15_000);
    await sleeping(clock, 2);
    // Listed only now, but created in a second the last poll already read: the overlap picks it up.
    const late = emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'late', createTime: first.createTime + 100 });
    emu.editMessage(first.messageId, { text: 'one, edited' });
    emu.recallMessage(other.messageId);
    await clock.advance(15_000);
    await sleeping(clock, 3);
    await clock.advance(15_000); // a poll with nothing new
    await sleeping(clock, 4);
    stop.abort();
    const offset = await running;

    expect(read.events.map((e) => [e.op, e.record.messageId])).toEqual([
      ['insert', first.messageId],
      ['insert', sameSecond.messageId],
      ['insert', other.messageId],
      ['update', first.messageId],
      ['insert', late.messageId],
      ['delete', other.messageId],
    ]);
    expect(clock.sleeps).toEqual([15_000, 15_000, 15_000, 15_000]);
    expect(read.offsets[read.offsets.length - 1]).toEqual(offset);
  });

  it('events mode falls back to poll with a clear warning while the long connection is unavailable', async () => {
    emu.longConnection.disableEvents('cli_demo_app');
    const warnings: string[] = [];
    const stop = new AbortController();
    const running = connector.streamRead(null, () => undefined, { mode: 'events', signal: stop.signal, onWarning: (w) => warnings.push(w) });
    await sleeping(clock, 1);
    stop.abort();
    await running;
    expect(warnings).toEqual([expect.stringMatching(/^mode events unavailable \(.+\): falling back to poll$/)]);
  });
});
