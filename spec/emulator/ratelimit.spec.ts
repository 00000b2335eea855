import { afterEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { SlidingWindow, admit } from '../../src/emulator/rate-window.js';
import { FakeClock, call, send, start, token } from './helpers.js';

/** Many distinct users so the per-receiver limit stays out of the way. */
function manyUsers(n: number) {
  return Array.from({ length: n }, (_, i) => ({ openId: `ou_user${String(i).padStart(27, '0')}`, name: `User ${i}`, mobile: `+86139${String(i).padStart(8, '0')}` }));
}

describe('emulator: rate limits', () => {
  let emu: LarkEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  it('a burst of 60 sends in one instant -> 50 ok + 10 HTTP 429 code 99991400 with x-ogw-ratelimit-* headers', async () => {
    const clock = new FakeClock();
    const users = manyUsers(60);
    emu = await start({ clock, seed: { apps: [{ appId: 'cli_demo_app', appSecret: 'demo-secret-not-real' }], users, chats: [] } });
    const tok = await token(emu);
    const results = await Promise.all(users.map((u) => send(emu!, tok, { receive_id: u.openId })));
    const ok = results.filter((r) => r.status === 200 && r.body.code === 0);
    const limited = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(50);
    expect(limited).toHaveLength(10);
    for (const r of limited) {
      expect(r.body.code).toBe(99991400);
      expect(r.headers.get('x-ogw-ratelimit-limit')).toBe('50');
      expect(r.headers.get('x-ogw-ratelimit-reset')).toBe('1');
      expect(r.headers.get('x-tt-logid')).toBeTruthy();
    }
    expect(emu.stats()).toMatchObject({ status429: 10, delivered: 50, sendRequests: 60 });
    // half a second later the window is still full; a full second later it has room again
    clock.advance(500);
    const still = await send(emu, tok, { receive_id: users[0]!.openId });
    expect(still.status).toBe(429);
    expect(still.headers.get('x-ogw-ratelimit-reset')).toBe('1');
    clock.advance(500);
    expect((await send(emu, tok, { receive_id: users[0]!.openId })).status).toBe(200);
  });

  it('1000/min per app: reset reports the seconds until the minute window frees', async () => {
    const clock = new FakeClock();
    emu = await start({ clock, limits: { sendPerSecond: 10_000, perReceiverPerSecond: 10_000 } });
    const tok = await token(emu);
    for (let i = 0; i < 1000; i++) {
      const r = await send(emu, tok, { receive_id: 'ou_a11ce000000000000000000000000001' });
      expect(r.status).toBe(200);
      if (i % 100 === 99) clock.advance(1000); // 10 s in total
    }
    const over = await send(emu, tok, { receive_id: 'ou_a11ce000000000000000000000000001' });
    expect(over.status).toBe(429);
    expect(over.headers.get('x-ogw-ratelimit-limit')).toBe('1000');
    // the oldest send was 10 s ago: 50 s to go
    expect(over.headers.get('x-ogw-ratelimit-reset')).toBe('50');
  });

  it('limits: false disables rate limiting', async () => {
    const clock = new FakeClock();
    emu = await start({ clock, limits: false });
    const tok = await token(emu);
    const results = await Promise.all(Array.from({ length: 80 }, () => send(emu!, tok, { receive_id: 'ou_a11ce000000000000000000000000001' })));
    expect(results.every((r) => r.status === 200)).toBe(true);
  });

  it('batch_get_id: 50/s per app', async () => {
    const clock = new FakeClock();
    emu = await start({ clock });
    const tok = await token(emu);
    const rs = await Promise.all(
      Array.from({ length: 55 }, () => call(emu!, 'POST', '/open-apis/contact/v3/users/batch_get_id?user_id_type=open_id', { token: tok, body: { mobiles: ['13800000001'] } })),
    );
    expect(rs.filter((r) => r.status === 200)).toHaveLength(50);
    expect(rs.filter((r) => r.status === 429 && r.body.code === 99991400)).toHaveLength(5);
  });

  it('SlidingWindow: O(1) ring buffer semantics', () => {
    const w = new SlidingWindow(3, 1000);
    expect(admit([w], 0)).toBeUndefined();
    expect(admit([w], 100)).toBeUndefined();
    expect(admit([w], 200)).toBeUndefined();
    expect(admit([w], 999)).toEqual({ limit: 3, resetSeconds: 1 });
    expect(admit([w], 1000)).toBeUndefined(); // the entry at 0 left the window
    expect(admit([w], 1050)).toEqual({ limit: 3, resetSeconds: 1 });
    const minute = new SlidingWindow(1, 60_000);
    admit([minute], 0);
    expect(admit([minute], 1_500)).toEqual({ limit: 1, resetSeconds: 59 });
  });
});
