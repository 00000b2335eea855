/**
 * streamRead in `events` mode end to end against the emulator: a user's post arrives as an insert through the
 * long connection (not a poll), a recall as a delete, a dropped connection is backfilled by a poll so nothing
 * is lost or doubled, and an app without event access falls back to polling with a warning.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import type { SourceEvent } from '../../src/source/record.js';
import { until } from '../helpers/until.js';
import { ALICE, APP_ID, DEV, OPS, collector, connectorFor, startEmulator } from './helpers.js';

let emu: LarkEmulator;
const stops: AbortController[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s.abort();
  await emu.close();
});

/** Reconnects at once (no nonce) so the spec needs no clock games; pings and reconcile polls stay far away. */
const LC = { clientConfig: { PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 0.02, ReconnectNonce: 0 } };

async function follow(node: Record<string, unknown> = {}, pollIntervalMs?: number) {
  const connector = connectorFor(emu, { mode: 'events', chats: [OPS, DEV], pollIntervalMs: 3_600_000, ...node });
  const out = collector();
  const warnings: string[] = [];
  const stop = new AbortController();
  stops.push(stop);
  const offset = await connector.batchRead(undefined, 50, out.emit);
  const lists = () => emu.stats().byEndpoint['GET /open-apis/im/v1/messages'] ?? 0;
  const listsAfterHistory = lists();
  const done = connector.streamRead(offset, out.emit, { signal: stop.signal, onWarning: (m) => warnings.push(m), ...(pollIntervalMs ? { pollIntervalMs } : {}) }).finally(() => connector.close());
  done.catch(() => undefined);
  return { out, warnings, stop, done, lists, listsAfterHistory };
}

const ids = (events: SourceEvent[], op?: string) => events.filter((e) => !op || e.op === op).map((e) => e.record.messageId);

describe('events mode', () => {
  it('a posted message arrives through the long connection in under a second, a recall as a delete', async () => {
    emu = await startEmulator({ longConnection: LC });
    const f = await follow();
    await until(() => emu.longConnection.stats().open === 1, 'connected');
    // The poll after connecting reads each of the two chats once; after it, the post can only come by event.
    await until(() => f.lists() === f.listsAfterHistory + 2, 'poll after connect');
    const before = emu.longConnection.stats().acks;
    const t0 = performance.now();
    const posted = emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'pushed, not polled' });
    await until(() => ids(f.out.events).includes(posted.messageId), 'insert emitted');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(f.lists()).toBe(f.listsAfterHistory + 2);
    await until(() => emu.longConnection.stats().acks === before + 1, 'acked');
    const pushed = emu.longConnection.pushed().find((p) => p.eventType === 'im.message.receive_v1');
    expect(pushed?.ackedAfterMs).toBeLessThan(3000);

    const insert = f.out.events.find((e) => e.record.messageId === posted.messageId) as SourceEvent;
    expect(insert.op).toBe('insert');
    expect(insert.record).toMatchObject({ chatId: OPS, msgType: 'text', text: 'pushed, not polled', senderId: ALICE, senderType: 'user', createTime: posted.createTime, deleted: false });

    emu.recallMessage(posted.messageId);
    await until(() => ids(f.out.events, 'delete').includes(posted.messageId), 'delete emitted');
    expect(f.out.events.filter((e) => e.record.messageId === posted.messageId).map((e) => e.op)).toEqual(['insert', 'delete']);
    f.stop.abort();
    await f.done;
  });

  it('a dropped connection: what was posted in the gap comes from the backfill poll, nothing twice', async () => {
    emu = await startEmulator({ longConnection: LC });
    const f = await follow();
    await until(() => emu.longConnection.stats().open === 1, 'connected');
    const first = emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'before the drop' });
    await until(() => ids(f.out.events).includes(first.messageId), 'first by event');

    // Posted while the connection is down: Lark does not push these to anyone.
    emu.longConnection.refuseEndpoint(1, 2); // and the first reconnect attempts find Lark busy
    emu.longConnection.dropConnections();
    await until(() => emu.longConnection.stats().open === 0, 'dropped');
    const gap = [emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'in the gap' }), emu.postMessage({ chatId: DEV, senderOpenId: ALICE, text: 'in the gap too' })];
    await until(() => gap.every((m) => ids(f.out.events).includes(m.messageId)), 'gap backfilled by the poll after the reconnect');
    expect(emu.longConnection.stats().undelivered).toBeGreaterThanOrEqual(2);

    const after = emu.postMessage({ chatId: DEV, senderOpenId: ALICE, text: 'after the reconnect' });
    await until(() => ids(f.out.events).includes(after.messageId), 'after, by event');
    const all = ids(f.out.events, 'insert');
    expect(new Set(all).size).toBe(all.length);
    for (const m of [first, ...gap, after]) expect(all).toContain(m.messageId);
    expect(f.warnings.some((w) => /busy/.test(w))).toBe(true);
    f.stop.abort();
    await f.done;
  });

  it('an edit has no event: the next poll (after a reconnect here) emits the update', async () => {
    emu = await startEmulator({ longConnection: LC });
    const f = await follow();
    await until(() => emu.longConnection.stats().open === 1, 'connected');
    const m = emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'v1' });
    await until(() => ids(f.out.events).includes(m.messageId), 'insert');
    emu.editMessage(m.messageId, { text: 'v2' });
    emu.longConnection.dropConnections();
    await until(() => ids(f.out.events, 'update').includes(m.messageId), 'update from the backfill poll');
    expect(f.out.events.find((e) => e.op === 'update')?.record.text).toBe('v2');
    f.stop.abort();
    await f.done;
  });

  it('falls back to polling, with one clear warning, when the app gets no events through the long connection', async () => {
    emu = await startEmulator();
    emu.longConnection.disableEvents(APP_ID);
    const f = await follow({}, 20);
    await until(() => f.warnings.length > 0, 'warning');
    expect(f.warnings[0]).toMatch(/mode events unavailable .*persistent connection.*falling back to poll/);
    const m = emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'polled' });
    await until(() => ids(f.out.events).includes(m.messageId), 'read by poll');
    f.stop.abort();
    await f.done;
  });

  it('wrong credentials stop the follow with the typed error, without the secret', async () => {
    emu = await startEmulator({ longConnection: LC });
    const f = await follow();
    await until(() => emu.longConnection.stats().open === 1, 'connected');
    // The app's secret changes while we follow: the reconnect is refused with 514.
    emu.longConnection.refuseEndpoint(514);
    emu.longConnection.dropConnections();
    const err = await f.done.then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'APP_SECRET_WRONG', larkCode: 514 });
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain('demo-secret-not-real');
  });
});
