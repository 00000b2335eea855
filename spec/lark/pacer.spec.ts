import { describe, expect, it } from 'vitest';
import type { ClientEvent } from '../../src/lark/events.js';
import { createLookupPacer, createSendPacer, type Pacer } from '../../src/lark/pacer.js';
import { InMemoryLimiterStore } from '../../src/stores/memory/limiter.js';
import { type LimiterStore } from '../../src/core/stores.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** Largest number of timestamps inside any half-open window [t, t + windowMs). */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] as number) - (sorted[j] as number) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** Starts n acquisitions (receiver from keyOf) that release after holdMs(i) fake ms; runs the clock until all are done. */
async function run(pacer: Pacer, clock: FakeClock, n: number, keyOf: (i: number) => string | undefined, holdMs: (i: number) => number = () => 0) {
  const grants: Array<{ i: number; at: number; key: string | undefined }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const all = Array.from({ length: n }, async (_, i) => {
    const release = await pacer.acquire(keyOf(i));
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    grants.push({ i, at: clock.now(), key: keyOf(i) });
    const hold = holdMs(i);
    if (hold > 0) await clock.sleep(hold);
    inFlight--;
    release();
  });
  await clock.runUntilIdle();
  await Promise.all(all);
  return { grants, times: grants.map((g) => g.at), maxInFlight };
}

function countingStore(): { store: LimiterStore; calls: () => number } {
  const inner = new InMemoryLimiterStore();
  let calls = 0;
  return {
    store: {
      tryAcquire: (keys, now) => (calls++, inner.tryAcquire(keys, now)),
      pause: (key, forMs, now) => inner.pause(key, forMs, now),
      giveBack: (keys, admitted) => inner.giveBack(keys, admitted),
    },
    calls: () => calls,
  };
}

describe('InMemoryLimiterStore', () => {
  const take = (s: InMemoryLimiterStore, keys: Array<{ key: string; limit: number; windowMs: number }>, now: number) => s.tryAcquire(keys, now);

  it('takes a slot in every window or in none, and says exactly when to come back', () => {
    const s = new InMemoryLimiterStore();
    const keys = [
      { key: 'a', limit: 2, windowMs: 1000 },
      { key: 'b', limit: 3, windowMs: 1000 },
    ];
    expect(take(s, keys, 0)).toEqual({ ok: true, admitted: 0 });
    expect(take(s, keys, 400)).toEqual({ ok: true, admitted: 400 });
    expect(take(s, keys, 500)).toEqual({ ok: false, retryInMs: 500, blockedKey: 'a' });
    // 'b' got no slot from the refused call, so it still has one left.
    expect(take(s, [{ key: 'b', limit: 3, windowMs: 1000 }], 500)).toEqual({ ok: true, admitted: 500 });
    expect(take(s, keys, 999)).toEqual({ ok: false, retryInMs: 1, blockedKey: 'a' });
    // At 1000 the entry from 0 has left both windows.
    expect(take(s, keys, 1000)).toEqual({ ok: true, admitted: 1000 });
    expect(take(s, keys, 1100)).toEqual({ ok: false, retryInMs: 300, blockedKey: 'a' });
    expect(take(s, keys, 1400)).toEqual({ ok: true, admitted: 1400 });
  });

  it('counts a slot from its admission for one window, answered or not (Lark counts on arrival)', () => {
    const s = new InMemoryLimiterStore();
    const keys = [{ key: 'a', limit: 1, windowMs: 1000 }];
    expect(s.tryAcquire(keys, 0).ok).toBe(true);
    expect(s.tryAcquire(keys, 999)).toEqual({ ok: false, retryInMs: 1, blockedKey: 'a' });
    expect(s.tryAcquire(keys, 1000).ok).toBe(true);
  });

  it('pause: no admission on the key until the pause ends, whatever the window holds', () => {
    const s = new InMemoryLimiterStore();
    const keys = [
      { key: 'app', limit: 50, windowMs: 1000 },
      { key: 'rcv', limit: 5, windowMs: 1000 },
    ];
    s.pause('app', 2000, 100);
    expect(s.tryAcquire(keys, 100)).toEqual({ ok: false, retryInMs: 2000, blockedKey: 'app' });
    // A shorter pause does not cut a longer one short.
    s.pause('app', 10, 200);
    expect(s.tryAcquire(keys, 2099)).toEqual({ ok: false, retryInMs: 1, blockedKey: 'app' });
    expect(s.tryAcquire(keys, 2100).ok).toBe(true);
    expect(s.tryAcquire([{ key: 'other', limit: 1, windowMs: 1000 }], 150).ok).toBe(true);
  });
});

describe('Pacer (fake clock)', () => {
  it('1000 sends never exceed 50 in any 1 s window, and run at full speed', async () => {
    const clock = new FakeClock({ start: 0 });
    const counting = countingStore();
    const pacer = createSendPacer({ windowMarginMs: 0 }, { clock, store: counting.store });
    const { times } = await run(pacer, clock, 1000, (i) => `ou_${i % 400}`);
    expect(times).toHaveLength(1000);
    expect(maxInWindow(times, 1000)).toBe(50);
    expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(1000);
    // Exact waits, no slack: 20 bursts of 50, one per second.
    expect(Math.max(...times)).toBe(19_000);
    // No busy loop: about one refused try per burst of grants.
    expect(counting.calls()).toBeLessThan(1200);
  });

  it('never exceeds 1000 in any 60 s window', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({ windowMarginMs: 0 }, { clock });
    const { times } = await run(pacer, clock, 2100, (i) => `ou_${i}`);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(50);
    expect(maxInWindow(times, 60_000)).toBe(1000);
    const sorted = [...times].sort((a, b) => a - b);
    expect(sorted[999]).toBe(19_000);
    expect(sorted[1000]).toBe(60_000);
  });

  it('a single receiver never gets more than 5 in any 1 s window, in FIFO order', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({ windowMarginMs: 0 }, { clock });
    const { grants, times } = await run(pacer, clock, 50, () => 'oc_group');
    expect(maxInWindow(times, 1000)).toBe(5);
    expect(grants.map((g) => g.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Math.max(...times)).toBe(9000);
  });

  it('by default adds a 10 ms margin to each window, for the rounding of Lark\'s clock', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({}, { clock });
    const { grants } = await run(pacer, clock, 11, () => 'ou_one');
    expect(grants.map((g) => g.at)).toEqual([0, 0, 0, 0, 0, 1010, 1010, 1010, 1010, 1010, 2020]);
  });

  it('a slow answer does not hold its slot: the next burst goes a window after admission, as Lark counts', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({ windowMarginMs: 0 }, { clock });
    // The first five to one receiver take 300 ms to be answered (a 150 ms link each way).
    const { grants } = await run(pacer, clock, 10, () => 'ou_one', (i) => (i < 5 ? 300 : 0));
    expect(grants.map((g) => g.at)).toEqual([0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000]);
  });

  it('with a 150 ms round trip, 200 sends keep the full 50/s (counting until the answer gave about 44/s)', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({ maxInFlight: 64 }, { clock });
    const { times } = await run(pacer, clock, 200, (i) => `ou_${i}`, () => 150);
    // 4 bursts of 50, one per 1010 ms window: a steady trip adds nothing to the margin.
    expect(Math.max(...times)).toBe(3 * 1010);
    expect(maxInWindow(times, 1000)).toBe(50);
  });

  it('adaptive margin: windows grow by the spread of recent request times (their arrivals at Lark vary by that much)', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({ maxInFlight: 64 }, { clock });
    // Half the requests take 50 ms, half 250 ms: a 200 ms spread.
    const { times } = await run(pacer, clock, 300, (i) => `ou_${i}`, (i) => (i % 2 ? 250 : 50));
    expect(pacer.adaptiveMarginMs).toBe(200);
    const late = times.filter((t) => t >= 2020);
    expect(maxInWindow(late, 1010 + 200)).toBeLessThanOrEqual(50);

    const fixed = createSendPacer({ maxInFlight: 64, adaptiveMargin: false }, { clock });
    await run(fixed, clock, 100, (i) => `ou_${i}`, (i) => (i % 2 ? 250 : 50));
    expect(fixed.adaptiveMarginMs).toBe(0);
  });

  it('pause(): a 429 holds every queued waiter until the reset, not just the one that got it', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({ windowMarginMs: 0, maxInFlight: 1 }, { clock });
    const first = await pacer.acquire('ou_a');
    const at: number[] = [];
    const others = [pacer.acquire('ou_b'), pacer.acquire('ou_c')].map((p) => p.then((release) => (at.push(clock.now()), release())));
    await pacer.pause(2000);
    first();
    await clock.runUntilIdle();
    await Promise.all(others);
    expect(at).toEqual([2000, 2000]);
  });

  it('a retry keeps its place: it is admitted before the requests that arrived after it, not after them all', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({ windowMarginMs: 0, adaptiveMargin: false }, { clock });
    // Five fill the receiver's second; ten more queue behind them for the same receiver.
    const tickets = Array.from({ length: 15 }, () => pacer.ticket());
    const firstFive = await Promise.all(tickets.slice(0, 5).map((t) => pacer.acquire('ou_a', undefined, t)));
    const order: number[] = [];
    const later = tickets.slice(5).map((t) => pacer.acquire('ou_a', undefined, t).then((release) => (order.push(t), release())));
    // Lark refused the third one (its own per-receiver count was off): it is tried again with its ticket.
    firstFive.forEach((release) => release());
    const retried = pacer.acquire('ou_a', undefined, tickets[2]).then((release) => (order.push(tickets[2]!), release()));
    await clock.runUntilIdle();
    await Promise.all([...later, retried]);
    // Without the ticket it queued last: a run to one receiver sent it at the very end, and the in-order
    // report waited for it all run long (a closed stdout was not noticed until then).
    expect(order).toEqual([tickets[2], ...tickets.slice(5)]);
  });

  it('an aborted waiter wakes the pump: no window timer is left to keep the process alive', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({ windowMarginMs: 0 }, { clock });
    await Promise.all(Array.from({ length: 5 }, () => pacer.acquire('ou_a')));
    const stop = new AbortController();
    const waiting = pacer.acquire('ou_a', stop.signal);
    await clock.advance(0);
    expect(clock.pendingTimers).toBe(1); // the pump sleeps until the receiver's window frees
    stop.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'INTERRUPTED' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(pacer.queued).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('waiters sharing a signal all leave on its abort; a waiter on another signal keeps its place and is admitted', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({ windowMarginMs: 0, adaptiveMargin: false }, { clock });
    await Promise.all(Array.from({ length: 5 }, () => pacer.acquire('ou_a')));
    const run = new AbortController();
    const other = new AbortController();
    const sharing = [pacer.acquire('ou_a', run.signal), pacer.acquire('ou_a', run.signal), pacer.acquire('ou_a', run.signal)];
    const kept = pacer.acquire('ou_a', other.signal);
    await clock.advance(0);
    expect(pacer.queued).toBe(4);
    run.abort();
    for (const waiting of sharing) await expect(waiting).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(pacer.queued).toBe(1);
    await clock.advance(1000);
    const release = await kept;
    expect(clock.now()).toBe(1000);
    release();
    // A later acquisition on an already aborted signal is refused at once, not queued.
    await expect(pacer.acquire('ou_b', run.signal)).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(pacer.queued).toBe(0);
  });

  it('failAll() rejects every queued acquisition; a store that gives up rejects them with its error', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({ maxInFlight: 1 }, { clock });
    const held = await pacer.acquire('a');
    const queued = pacer.acquire('b');
    pacer.failAll(new Error('down'));
    await expect(queued).rejects.toThrow('down');
    held();
    expect(pacer.queued).toBe(0);

    const gone = new Error('STORE_UNAVAILABLE');
    const broken = createSendPacer({}, { clock, store: { tryAcquire: () => Promise.reject(gone), pause: () => undefined, giveBack: () => undefined } });
    await expect(Promise.all([broken.acquire('x'), broken.acquire('y')])).rejects.toBe(gone);
    expect(broken.queued).toBe(0);
  });

  it('a full receiver does not hold up others queued behind it', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({}, { clock });
    const { grants } = await run(pacer, clock, 21, (i) => (i < 20 ? 'ou_busy' : 'ou_other'));
    expect(grants.find((g) => g.key === 'ou_other')?.at).toBe(0);
    const busy = grants.filter((g) => g.key === 'ou_busy').map((g) => g.at);
    expect(maxInWindow(busy, 1000)).toBe(5);
  });

  it('in flight never exceeds maxInFlight', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({ maxInFlight: 4 }, { clock });
    const { maxInFlight, times } = await run(pacer, clock, 200, (i) => `ou_${i % 50}`, (i) => (i * 37) % 300);
    expect(maxInFlight).toBe(4);
    expect(pacer.inFlight).toBe(0);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(50);
  });

  it('respects custom limits together (app 10/s, receiver 2/s, in flight 3)', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({ appPerSecond: 10, appPerMinute: 100, perReceiverPerSecond: 2, maxInFlight: 3 }, { clock });
    const { grants, times, maxInFlight } = await run(pacer, clock, 150, (i) => `ou_${i % 3}`, () => 120);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(10);
    expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(100);
    for (const k of ['ou_0', 'ou_1', 'ou_2']) {
      expect(maxInWindow(grants.filter((g) => g.key === k).map((g) => g.at), 1000)).toBeLessThanOrEqual(2);
    }
  });

  it('reports waits through onEvent', async () => {
    const clock = new FakeClock({ start: 0 });
    const events: ClientEvent[] = [];
    const pacer = createSendPacer({ appPerSecond: 2, windowMarginMs: 0 }, { clock, onEvent: (e) => events.push(e) });
    await run(pacer, clock, 3, () => undefined);
    expect(events).toEqual([{ type: 'pacer.wait', pacer: 'send', waitMs: 1000, queued: 1, blockedKey: 'send:app:2/1000ms' }]);
  });

  it('release() is idempotent', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createSendPacer({ maxInFlight: 1 }, { clock });
    const r1 = await pacer.acquire('a');
    r1();
    r1();
    expect(pacer.inFlight).toBe(0);
    const r2 = await pacer.acquire('b');
    expect(pacer.inFlight).toBe(1);
    r2();
  });

  it('lookup pacer: 50/s app window, no receiver window', async () => {
    const clock = new FakeClock({ start: 0 });
    const pacer = createLookupPacer({ windowMarginMs: 0 }, { clock });
    const { times } = await run(pacer, clock, 120, () => undefined);
    expect(maxInWindow(times, 1000)).toBe(50);
    expect(Math.max(...times)).toBe(2000);
  });

  it('two pacers sharing one store share the app window', async () => {
    const clock = new FakeClock({ start: 0 });
    const store = new InMemoryLimiterStore();
    const a = createSendPacer({}, { clock, store, scope: 'cli_1' });
    const b = createSendPacer({}, { clock, store, scope: 'cli_1' });
    const [ra, rb] = await Promise.all([run(a, clock, 60, (i) => `a${i}`), run(b, clock, 60, (i) => `b${i}`)]);
    expect(maxInWindow([...ra.times, ...rb.times], 1000)).toBe(50);
  });
});
