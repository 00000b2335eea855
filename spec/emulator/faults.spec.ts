import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { ALICE, BOB, FakeClock, call, send, start, token } from './helpers.js';

describe('emulator: faults', () => {
  let emu: LarkEmulator;
  let clock: FakeClock;
  let tok: string;
  beforeEach(async () => {
    clock = new FakeClock();
    emu = await start({ clock, limits: false });
    tok = await token(emu);
  });
  afterEach(() => emu.close());

  it("failNext(n, '5xx'): HTTP 500, nothing delivered, then normal", async () => {
    emu.faults.failNext(2, '5xx');
    expect(emu.faults.pending()).toBe(2);
    const a = await send(emu, tok, { receive_id: ALICE, uuid: 'f-1' });
    const b = await send(emu, tok, { receive_id: ALICE, uuid: 'f-1' });
    for (const r of [a, b]) {
      expect(r.status).toBe(500);
      expect(r.body.code).toBe(1500);
      expect(r.headers.get('x-tt-logid')).toBeTruthy();
    }
    expect((await send(emu, tok, { receive_id: ALICE, uuid: 'f-1' })).status).toBe(200);
    expect(emu.messages()).toHaveLength(1);
    expect(emu.stats().status5xx).toBe(2);
  });

  it('latency(rtt): every answer takes at least the emulated round trip', async () => {
    emu.faults.latency(120);
    expect(emu.faults.roundTrip).toBe(120);
    const t0 = performance.now();
    const pending = send(emu, tok, { receive_id: ALICE, uuid: 'lat-1' });
    const r = await pending;
    expect(r.status).toBe(200);
    // Lower bound only (timers never fire early): the answer took at least the round trip.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(115);
    emu.faults.latency(0);
    expect(() => emu.faults.latency(-1)).toThrow(/latency/);
  });

  it("failNext(1, '5xx', {status: 503})", async () => {
    emu.faults.failNext(1, '5xx', { status: 503 });
    expect((await send(emu, tok, { receive_id: ALICE })).status).toBe(503);
  });

  it("failNext(n, '429'): HTTP 429 99991400 with reset header, nothing delivered", async () => {
    emu.faults.failNext(1, '429', { resetSeconds: 3 });
    const r = await send(emu, tok, { receive_id: ALICE });
    expect([r.status, r.body.code]).toEqual([429, 99991400]);
    expect(r.headers.get('x-ogw-ratelimit-reset')).toBe('3');
    expect(r.headers.get('x-ogw-ratelimit-limit')).toBe('50');
    expect(emu.messages()).toHaveLength(0);
    expect(emu.stats().status429).toBe(1);
  });

  it("failNext(1, 'lost'): delivered, socket destroyed; a retry with the same uuid gets the same message_id", async () => {
    emu.faults.failNext(1, 'lost');
    await expect(send(emu, tok, { receive_id: ALICE, uuid: 'lost-1' })).rejects.toThrow();
    expect(emu.messages()).toHaveLength(1);
    const retry = await send(emu, tok, { receive_id: ALICE, uuid: 'lost-1' });
    expect(retry.body.code).toBe(0);
    expect(retry.body.data.message_id).toBe(emu.messages()[0]!.messageId);
    expect(emu.messages()).toHaveLength(1);
    expect(emu.stats()).toMatchObject({ lostResponses: 1, duplicatesSuppressed: 1, delivered: 1 });
  });

  it("failNext(1, 'slow', {delayMs}): delivered at once, response held past a client timeout", async () => {
    emu.faults.failNext(1, 'slow', { delayMs: 2000 });
    const ctrl = AbortSignal.timeout(200);
    const t0 = Date.now();
    await expect(
      fetch(`${emu.baseUrl}/open-apis/im/v1/messages?receive_id_type=open_id`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
        body: JSON.stringify({ receive_id: ALICE, msg_type: 'text', content: '{"text":"x"}', uuid: 'slow-1' }),
        signal: ctrl,
      }),
    ).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(emu.messages()).toHaveLength(1);
    expect(emu.stats().slowResponses).toBe(1);
  });

  it("a 'slow' response does arrive after the delay", async () => {
    emu.faults.failNext(1, 'slow', { delayMs: 150 });
    const t0 = Date.now();
    const r = await send(emu, tok, { receive_id: ALICE });
    expect(r.body.code).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('faults queue in order and only apply to authenticated sends', async () => {
    emu.faults.failNext(1, '5xx').failNext(1, '429');
    expect((await call(emu, 'POST', '/open-apis/im/v1/messages?receive_id_type=open_id', { token: 't-bad', body: {} })).body.code).toBe(99991663);
    expect((await send(emu, tok, { receive_id: ALICE })).status).toBe(500);
    expect((await send(emu, tok, { receive_id: ALICE })).status).toBe(429);
    expect((await send(emu, tok, { receive_id: ALICE })).status).toBe(200);
    emu.faults.failNext(3, '5xx');
    emu.faults.clear();
    expect(emu.faults.pending()).toBe(0);
    expect((await send(emu, tok, { receive_id: ALICE })).status).toBe(200);
  });

  it('ratios(): seeded random faults, deterministic run to run', async () => {
    const run = async (): Promise<string> => {
      const e = await start({ clock, limits: false, randomSeed: 7 });
      try {
        const t = await token(e);
        e.faults.ratios({ serverError: 0.2, rateLimited: 0.2, lostResponse: 0.1 });
        const out: string[] = [];
        for (let i = 0; i < 60; i++) {
          try {
            const r = await send(e, t, { receive_id: i % 2 ? ALICE : BOB, uuid: `r-${i}` });
            out.push(String(r.status));
          } catch {
            out.push('lost');
          }
        }
        const s = e.stats();
        expect(s.status5xx + s.status429 + s.delivered).toBe(60); // lost ones were delivered
        expect(s.status5xx).toBeGreaterThan(0);
        expect(s.status429).toBeGreaterThan(0);
        expect(s.lostResponses).toBeGreaterThan(0);
        return out.join(',');
      } finally {
        await e.close();
      }
    };
    expect(await run()).toBe(await run());
    expect(() => emu.faults.ratios({ serverError: 0.8, rateLimited: 0.5 })).toThrow();
  });

  it('stop() does not wait for pending slow responses', async () => {
    emu.faults.failNext(1, 'slow', { delayMs: 60_000 });
    const pending = send(emu, tok, { receive_id: ALICE }).catch(() => 'closed');
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await emu.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await pending).toBe('closed');
  });
});
