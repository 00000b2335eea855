/**
 * The resolve stage reads ahead: the phones of the messages already read are asked in batches of up to 50,
 * so an input needs at most ceil(distinct phones / 50) + 1 batch_get_id calls.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSeed, type LarkEmulator } from '../../src/emulator/index.js';
import { ReceiverResolver } from '../../src/message/receivers.js';
import { ResolveStage } from '../../src/pipeline/resolve.js';
import type { MessageBody } from '../../src/message/schema.js';
import { connectorFor, records, run, startEmulator, text, UNPACED } from '../integration/helpers.js';

const phone = (i: number) => `139${String(i).padStart(8, '0')}`;
const phoneMessage = (i: number): MessageBody => ({ receiveType: 'phone', receiveId: phone(i), contentType: 'text', content: '{"text":"x"}' });

/** Timers the test fires by hand, by their delay: 5 (coalescing) or 1000 (the longest hold). */
function manualTimers() {
  let due: Array<{ fn: () => void; ms: number }> = [];
  return {
    setTimer: (fn: () => void, ms: number) => void due.push({ fn, ms }),
    fire(ms: number) {
      const now = due.filter((t) => t.ms === ms);
      due = due.filter((t) => t.ms !== ms);
      for (const t of now) t.fn();
    },
    count: (ms: number) => due.filter((t) => t.ms === ms).length,
  };
}

describe('ResolveStage (unit)', () => {
  function stage(lookAhead: number) {
    const calls: string[][] = [];
    const resolver = new ReceiverResolver({
      lookup: async (mobiles) => {
        calls.push(mobiles);
        return new Map(mobiles.map((m) => [m, `ou_${m}`]));
      },
    });
    const timers = manualTimers();
    return { calls, timers, stage: new ResolveStage(resolver, { lookAhead, setTimer: timers.setTimer }) };
  }

  it('asks a full batch of 50 the moment 50 unknown phones are noted, without waiting for any timer', async () => {
    const { calls, timers, stage: s } = stage(1);
    // Messages 100.. are far from the front (nothing done yet, look-ahead 1): only a full batch goes out.
    const pending = Array.from({ length: 120 }, (_, i) => s.receiverFor(phoneMessage(i), 100 + i));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(calls.map((c) => c.length)).toEqual([50, 50]);
    expect(timers.count(5)).toBe(0);
    s.inputEnded();
    timers.fire(5);
    await Promise.all(pending);
    expect(calls.map((c) => c.length)).toEqual([50, 50, 20]);
  });

  it('a message near the front asks after the coalescing pause, with every phone noted by then', async () => {
    const { calls, timers, stage: s } = stage(4);
    const first = s.receiverFor(phoneMessage(0), 0);
    const more = Array.from({ length: 9 }, (_, i) => s.receiverFor(phoneMessage(i + 1), i + 1));
    expect(calls).toHaveLength(0);
    expect(timers.count(5)).toBe(1);
    timers.fire(5);
    await expect(first).resolves.toEqual({ receiveIdType: 'open_id', receiveId: `ou_${phone(0)}` });
    await Promise.all(more);
    expect(calls).toEqual([Array.from({ length: 10 }, (_, i) => phone(i))]);
  });

  it('a phone already known or being asked costs no new lookup', async () => {
    const { calls, timers, stage: s } = stage(4);
    const a = s.receiverFor(phoneMessage(7), 0);
    timers.fire(5);
    await a;
    await s.receiverFor(phoneMessage(7), 1);
    expect(calls).toHaveLength(1);
    expect(timers.count(5)).toBe(0);
  });

  it('a phone far from the front is asked after at most maxHoldMs (the pacer may have room for it sooner)', async () => {
    const { calls, timers, stage: s } = stage(1);
    const far = [s.receiverFor(phoneMessage(1), 500), s.receiverFor(phoneMessage(2), 501)];
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(0);
    expect(timers.count(5)).toBe(0);
    timers.fire(1000);
    await Promise.all(far);
    expect(calls).toEqual([[phone(1), phone(2)]]);
  });

  it('clears its hold timer once every noted phone is asked, or on release (a pending one kept the process alive 1 s)', async () => {
    const resolver = new ReceiverResolver({ lookup: async (m) => new Map(m.map((x) => [x, `ou_${x}`])) });
    const pending = new Map<number, { fn: () => void; ms: number }>();
    let id = 0;
    const timers = {
      setTimer: (fn: () => void, ms: number) => (pending.set(++id, { fn, ms }), id),
      clearTimer: (t: unknown) => void pending.delete(t as number),
    };
    const holds = () => [...pending.values()].filter((t) => t.ms === 1000).length;
    const s = new ResolveStage(resolver, { lookAhead: 4, ...timers });
    const first = s.receiverFor(phoneMessage(0), 0);
    expect(holds()).toBe(1);
    for (const [key, t] of [...pending]) if (t.ms === 5) (pending.delete(key), t.fn());
    await first;
    expect(holds()).toBe(0);
    const stopped = new ResolveStage(resolver, timers);
    const waiting = stopped.receiverFor(phoneMessage(9), 100);
    expect(holds()).toBe(1);
    stopped.release();
    await expect(waiting).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(holds()).toBe(0);
  });

  it('release() ends the waits as interrupted (the run stopped)', async () => {
    const { calls, stage: s } = stage(1);
    const waiting = s.receiverFor(phoneMessage(1), 50);
    s.release();
    await expect(waiting).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(calls).toHaveLength(0);
  });
});

describe('phone lookups of a whole run (emulator)', () => {
  let emulator: LarkEmulator;
  afterEach(async () => emulator?.close());

  async function start(phones: number) {
    const seed = defaultSeed();
    for (let i = 0; i < phones; i++) {
      seed.users.push({ openId: `ou_ph${String(i).padStart(29, '0')}`, name: `Phone ${i}`, email: `ph${i}@example.com`, mobile: `+86${phone(i)}`, visible: true });
    }
    emulator = await startEmulator({ seed, limits: false });
    return connectorFor(emulator, { pacing: { ...UNPACED, maxInFlight: 16 } });
  }

  it('400 distinct phones at maxInFlight 16: at most ceil(400/50) + 1 = 9 batch_get_id calls', async () => {
    const connector = await start(400);
    const { summary } = await run(connector, records(Array.from({ length: 400 }, (_, i) => text('phone', phone(i), `p${i}`))));
    connector.close();
    expect(summary).toMatchObject({ total: 400, delivered: 400 });
    expect(emulator.stats().batchGetIdRequests).toBeLessThanOrEqual(9);
  });

  it('240 mixed messages with 54 distinct phones: at most ceil(54/50) + 1 = 3 calls', async () => {
    const connector = await start(54);
    const values = Array.from({ length: 240 }, (_, i) =>
      i % 4 === 0 ? text('phone', phone((i / 4) % 54), `p${i}`) : text('user', 'ou_a11ce000000000000000000000000001', `u${i}`),
    );
    const { summary } = await run(connector, records(values));
    connector.close();
    expect(summary).toMatchObject({ total: 240, delivered: 240 });
    expect(emulator.stats().batchGetIdRequests).toBeLessThanOrEqual(3);
  });
});
