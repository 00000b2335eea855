/**
 * The host's circuit on a fake clock: one probe at a time, the backoff sequence, close on any answer; and
 * through the client: waiters spend no attempt and no slot, a refused attempt gives its slot back.
 */
import { describe, expect, it } from 'vitest';
import { HostCircuit, probeDelayMs, type CircuitChange, type CircuitPass } from '../../src/lark/circuit.js';
import { LarkClient } from '../../src/lark/client.js';
import type { ClientEvent } from '../../src/lark/events.js';
import { retryPolicies } from '../../src/lark/retry.js';
import type { Transport, WireRequest, WireResponse } from '../../src/lark/transport.js';
import { LARK_PATHS } from '../../src/core/vocabulary.js';
import type { LimiterStore } from '../../src/core/stores.js';
import { InMemoryLimiterStore } from '../../src/stores/memory/limiter.js';
import { FakeClock, flushMicrotasks } from '../helpers/fake-clock.js';

function circuit(opts: { verdictInMs?: () => number | undefined; random?: () => number } = {}) {
  const clock = new FakeClock({ start: 0 });
  const changes: CircuitChange[] = [];
  const c = new HostCircuit({ clock, random: opts.random ?? (() => 0.5), onChange: (x) => changes.push(x), ...opts });
  return { c, clock, changes };
}

/** Starts a waiter; `got` holds its pass once given. */
function waiter(c: HostCircuit, signal?: AbortSignal) {
  const w: { got?: CircuitPass; error?: unknown } = {};
  void Promise.resolve(c.pass(signal)).then(
    (p) => (w.got = p),
    (e: unknown) => (w.error = e),
  );
  return w;
}

describe('HostCircuit', () => {
  it('closed: a pass at once (not a promise), never a probe', () => {
    const { c } = circuit();
    const p = c.pass();
    expect(p).not.toBeInstanceOf(Promise);
    expect((p as CircuitPass).probe).toBe(false);
    expect(c.open).toBe(false);
  });

  it('open: one probe at a time, after 250 ms; the others wait until it fails and the next wait is over', async () => {
    const { c, clock, changes } = circuit();
    c.failed(c.sending());
    expect(c.open).toBe(true);
    expect(changes).toEqual([{ state: 'open', since: 0 }]);
    const ws = Array.from({ length: 5 }, () => waiter(c));
    await clock.advance(249);
    expect(ws.filter((w) => w.got)).toHaveLength(0);
    await clock.advance(1);
    expect(ws.map((w) => w.got?.probe)).toEqual([true, undefined, undefined, undefined, undefined]);
    // However long the probe takes, nobody else goes meanwhile.
    await clock.advance(10_000);
    expect(ws.filter((w) => w.got)).toHaveLength(1);
    expect(c.admits(ws[0]!.got!)).toBe(true);
    // The probe's request gets no answer: the next one 500 ms later.
    const startedIn = c.sending();
    c.failed(startedIn);
    expect(c.admits(ws[0]!.got!)).toBe(false);
    await clock.advance(499);
    expect(ws.filter((w) => w.got)).toHaveLength(1);
    await clock.advance(1);
    expect(ws.map((w) => w.got?.probe)).toEqual([true, true, undefined, undefined, undefined]);
  });

  it('backoff: 250 ms doubling to the 4 s cap, jitter +-20% from the random source', async () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((n) => probeDelayMs(n, () => 0.5))).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000]);
    expect([0, 4].map((n) => probeDelayMs(n, () => 0))).toEqual([200, 3200]);
    expect([0, 4].map((n) => probeDelayMs(n, () => 1))).toEqual([300, 4800]);

    // The probes a waiting crowd sees, failed one after another, at those waits.
    const { c, clock } = circuit();
    c.failed(c.sending());
    const ws = Array.from({ length: 8 }, () => waiter(c));
    const at: number[] = [];
    for (let i = 0; i < 7; i++) {
      while (ws.filter((w) => w.got).length === i) await clock.step();
      at.push(clock.now());
      c.failed(c.sending());
    }
    expect(at).toEqual([250, 750, 1750, 3750, 7750, 11750, 15750]);
  });

  it('a request sent before the circuit opened: its failure does not move the backoff on, its answer does not close it', async () => {
    const { c, clock } = circuit();
    const early = c.sending();
    const alsoEarly = c.sending();
    c.failed(early);
    // Its answer was on its way before the host went.
    c.answered(alsoEarly);
    expect(c.open).toBe(true);
    const ws = [waiter(c), waiter(c)];
    await clock.advance(250);
    expect(ws[0]!.got?.probe).toBe(true);
    // A request that was on the wire when the host went away fails late: the probe is still out.
    c.failed(early);
    expect(c.admits(ws[0]!.got!)).toBe(true);
    await clock.advance(5000);
    expect(ws[1]!.got).toBeUndefined();
  });

  it('any answer closes it: every waiter goes at once, the probe too; the next opening starts at 250 ms again', async () => {
    const { c, clock, changes } = circuit();
    c.failed(c.sending());
    const ws = Array.from({ length: 4 }, () => waiter(c));
    await clock.advance(250);
    c.failed(c.sending());
    await clock.advance(500);
    expect(ws.filter((w) => w.got)).toHaveLength(2);
    // The second probe is answered (an HTTP 500 is an answer as much as a 200).
    c.answered(c.sending());
    await flushMicrotasks();
    expect(c.open).toBe(false);
    expect(ws.map((w) => w.got?.probe)).toEqual([true, true, false, false]);
    expect(ws.every((w) => c.admits(w.got!))).toBe(true);
    expect(changes).toEqual([{ state: 'open', since: 0 }, { state: 'closed', openMs: 750 }]);
    expect(clock.pendingTimers).toBe(0);

    c.failed(c.sending());
    const again = waiter(c);
    await clock.advance(250);
    expect(again.got?.probe).toBe(true);
  });

  it('a probe released with no word from the host (aborted before it went) lets the next waiter probe at once', async () => {
    const { c, clock } = circuit();
    c.failed(c.sending());
    const ws = [waiter(c), waiter(c)];
    await clock.advance(250);
    ws[0]!.got!.release();
    await flushMicrotasks();
    expect(ws[1]!.got?.probe).toBe(true);
    expect(clock.now()).toBe(250);
  });

  it('no probe is planned after the verdict: the last wait ends when the verdict is due', async () => {
    let verdictAt = 30_000;
    const { c, clock } = circuit({ verdictInMs: () => Math.max(0, verdictAt - clock.now()) });
    clock.advance(0);
    c.failed(c.sending());
    verdictAt = 600;
    const ws = [waiter(c), waiter(c)];
    await clock.advance(250);
    c.failed(c.sending());
    // 500 ms would be at 750, past the verdict at 600.
    await clock.advance(350);
    expect(ws[1]!.got?.probe).toBe(true);
    expect(clock.now()).toBe(600);
  });

  it('failAll rejects the waiters; an aborted waiter leaves the queue with INTERRUPTED', async () => {
    const { c, clock } = circuit();
    c.failed(c.sending());
    const stop = new AbortController();
    const aborted = waiter(c, stop.signal);
    const w = waiter(c);
    stop.abort();
    await flushMicrotasks();
    expect(aborted.error).toMatchObject({ code: 'INTERRUPTED' });
    expect(c.waiting).toBe(1);
    const down = new Error('down');
    c.failAll(down);
    await flushMicrotasks();
    expect(w.error).toBe(down);
    expect(clock.pendingTimers).toBe(0);
  });
});

/** A host that refuses connections while `down()` says so; counts what reaches it. */
class SwitchableHost implements Transport {
  sends = 0;
  refused = 0;
  tokenCalls = 0;
  readonly delivered: string[] = [];
  status = 200;
  constructor(private readonly down: () => boolean) {}
  async send(req: WireRequest): Promise<WireResponse> {
    await Promise.resolve();
    if (this.down()) {
      this.refused++;
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    }
    if (req.path === LARK_PATHS.token) {
      this.tokenCalls++;
      return { status: 200, headers: {}, body: JSON.stringify({ code: 0, tenant_access_token: 't-1', expire: 7200 }) };
    }
    this.sends++;
    if (this.status !== 200) return { status: this.status, headers: {}, body: JSON.stringify({ code: 1500, msg: 'internal error' }) };
    const uuid = (JSON.parse(String(req.body)) as { uuid: string }).uuid;
    this.delivered.push(uuid);
    return { status: 200, headers: {}, body: JSON.stringify({ code: 0, data: { message_id: `om_${uuid}`, chat_id: 'oc_1' } }) };
  }
  close(): void {}
}

/** Net slots the send windows hold: admissions minus those given back. */
function countingStore(): { store: LimiterStore; held: () => number } {
  const inner = new InMemoryLimiterStore();
  let held = 0;
  return {
    store: {
      tryAcquire: (keys, now) => {
        const r = inner.tryAcquire(keys, now);
        if (r.ok && keys.some((k) => k.key.startsWith('send:') && k.windowMs > 50_000)) held++;
        return r;
      },
      pause: (key, forMs, now) => inner.pause(key, forMs, now),
      giveBack: (keys, admitted) => {
        if (keys.some((k) => k.key.startsWith('send:') && k.windowMs > 50_000)) held--;
        inner.giveBack(keys, admitted);
      },
    },
    held: () => held,
  };
}

const send = (i: number) => ({ receiveIdType: 'open_id' as const, receiveId: `ou_${i % 7}`, msgType: 'text', content: '{"text":"hi"}', uuid: `u${i}` });

describe('the circuit in the client', () => {
  it('a host refusing for 8 s: a probe at a time (not a storm), nothing spends a slot it did not use, all sent once', async () => {
    const clock = new FakeClock({ start: 0, autoAdvance: true });
    let downUntil = 0;
    const host = new SwitchableHost(() => clock.now() < downUntil);
    const { store, held } = countingStore();
    const events: ClientEvent[] = [];
    const client = new LarkClient({
      appId: 'cli_t', appSecret: 's', baseUrl: 'https://lark.test', transport: host, clock, random: () => 0.5,
      retry: retryPolicies.standard, limiterStore: store, onEvent: (e) => events.push(e),
    });
    await client.getTenantToken();
    downUntil = clock.now() + 8000;
    const outageStart = clock.now();
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => client.sendMessage(send(i))));
    expect(results).toHaveLength(60);
    expect([...host.delivered].sort()).toEqual(Array.from({ length: 60 }, (_, i) => `u${i}`).sort());
    // 16 on the wire when it went (the pacer's bound in flight), then one probe per backoff step.
    expect(host.refused).toBeLessThanOrEqual(16 + 8);
    // Refused attempts gave their slots back: the windows hold the 60 that reached Lark.
    expect(held()).toBe(60);
    // Recovered within one capped backoff of the host's return.
    expect(clock.now() - outageStart).toBeLessThan(8000 + 4000 + 1000);
    const retries = events.filter((e) => e.type === 'retry').length;
    expect(retries).toBeLessThanOrEqual(host.refused);
    expect(events.filter((e) => e.type === 'circuit.open')).toHaveLength(1);
    expect(events.find((e) => e.type === 'circuit.closed')).toMatchObject({ host: 'lark.test' });
    client.close();
  });

  it('an HTTP error answer closes the circuit too (a 500 is Lark answering)', async () => {
    const clock = new FakeClock({ start: 0, autoAdvance: true });
    let refuse = 0;
    const host = new SwitchableHost(() => refuse-- > 0);
    const events: ClientEvent[] = [];
    const client = new LarkClient({
      appId: 'cli_t', appSecret: 's', baseUrl: 'https://lark.test', transport: host, clock, random: () => 0.5,
      retry: retryPolicies.standard, onEvent: (e) => events.push(e),
    });
    await client.getTenantToken();
    refuse = 3;
    host.status = 500;
    const sent = client.sendMessage(send(1));
    const others = [client.sendMessage(send(2)), client.sendMessage(send(3))];
    // The 500 comes once; then Lark is well.
    const answer500 = host.send.bind(host);
    host.send = async (req) => {
      const res = await answer500(req);
      if (res.status === 500) host.status = 200;
      return res;
    };
    await expect(sent).resolves.toMatchObject({ messageId: 'om_u1' });
    await Promise.all(others);
    const types = events.map((e) => (e.type === 'retry' ? `retry ${e.code}` : e.type));
    const closed = types.indexOf('circuit.closed');
    expect(types.indexOf('circuit.open')).toBeGreaterThanOrEqual(0);
    expect(closed).toBeGreaterThan(types.indexOf('circuit.open'));
    expect(types.indexOf('retry SERVER_ERROR')).toBeGreaterThan(closed);
    expect(types.filter((t) => t === 'circuit.open')).toHaveLength(1);
    client.close();
  });
});
