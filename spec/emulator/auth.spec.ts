import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { ALICE, APP_ID, APP_SECRET, FakeClock, call, send, start, token } from './helpers.js';
import { LARK_PATHS } from '../../src/core/vocabulary.js';

const TOKEN_PATH = LARK_PATHS.token;

describe('emulator: tenant_access_token and auth', () => {
  let emu: LarkEmulator;
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock();
    emu = await start({ clock });
  });
  afterEach(() => emu.close());

  it('issues a token with Lark shape and x-tt-logid', async () => {
    const r = await call(emu, 'POST', TOKEN_PATH, { body: { app_id: APP_ID, app_secret: APP_SECRET } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ code: 0, msg: 'ok', tenant_access_token: expect.stringMatching(/^t-/), expire: 7200 });
    expect(r.headers.get('x-tt-logid')).toMatch(/^\d{14}[0-9A-F]{20}$/);
  });

  it('returns the same token while >= 30 min left, a new one after; the old stays valid until its expiry', async () => {
    const t1 = await token(emu);
    clock.advance(60 * 60 * 1000); // 1h left
    const again = await call(emu, 'POST', TOKEN_PATH, { body: { app_id: APP_ID, app_secret: APP_SECRET } });
    expect(again.body.tenant_access_token).toBe(t1);
    expect(again.body.expire).toBe(3600);
    clock.advance(30 * 60 * 1000); // exactly 30 min left: still the same
    expect(await token(emu)).toBe(t1);
    clock.advance(1000); // 29:59 left: rotate
    const t2 = await call(emu, 'POST', TOKEN_PATH, { body: { app_id: APP_ID, app_secret: APP_SECRET } });
    expect(t2.body.tenant_access_token).not.toBe(t1);
    expect(t2.body.expire).toBe(7200);
    expect((await send(emu, t1, { receive_id: ALICE })).body.code).toBe(0);
    clock.advance(30 * 60 * 1000); // t1 expired, t2 fine
    const expired = await send(emu, t1, { receive_id: ALICE });
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe(99991677);
    expect((await send(emu, t2.body.tenant_access_token, { receive_id: ALICE })).body.code).toBe(0);
    expect(emu.stats().tokenRequests).toBe(4);
    expect(emu.stats().tokensIssued).toBe(2);
  });

  it('honours tokenTtlSeconds', async () => {
    const short = await start({ clock, tokenTtlSeconds: 600 });
    try {
      const r = await call(short, 'POST', TOKEN_PATH, { body: { app_id: APP_ID, app_secret: APP_SECRET } });
      expect(r.body.expire).toBe(600);
      // a short lifetime reuses while >= ttl/4 is left
      clock.advance(450_000);
      const r2 = await call(short, 'POST', TOKEN_PATH, { body: { app_id: APP_ID, app_secret: APP_SECRET } });
      expect(r2.body.tenant_access_token).toBe(r.body.tenant_access_token);
      clock.advance(1000);
      const r3 = await call(short, 'POST', TOKEN_PATH, { body: { app_id: APP_ID, app_secret: APP_SECRET } });
      expect(r3.body.tenant_access_token).not.toBe(r.body.tenant_access_token);
    } finally {
      await short.close();
    }
  });

  it('10003 for an unknown app_id, 10014 for a wrong secret (never echoing the secret)', async () => {
    const a = await call(emu, 'POST', TOKEN_PATH, { body: { app_id: 'cli_nope', app_secret: APP_SECRET } });
    expect([a.status, a.body.code]).toEqual([400, 10003]);
    const b = await call(emu, 'POST', TOKEN_PATH, { body: { app_id: APP_ID, app_secret: 'wrong-secret-xyz' } });
    expect([b.status, b.body.code]).toEqual([400, 10014]);
    expect(JSON.stringify(b.body)).not.toContain('wrong-secret-xyz');
    const c = await call(emu, 'POST', TOKEN_PATH, { body: { app_id: APP_ID } });
    expect(c.body.code).toBe(10003);
    expect(b.headers.get('x-tt-logid')).toBe(b.body.error.log_id);
  });

  it('99991661 without a token, 99991671 malformed, 99991663 unknown', async () => {
    const missing = await call(emu, 'GET', '/open-apis/bot/v3/info');
    expect([missing.status, missing.body.code]).toEqual([400, 99991661]);
    const malformed = await call(emu, 'GET', '/open-apis/bot/v3/info', { auth: 'Token abc' });
    expect(malformed.body.code).toBe(99991671);
    const unknown = await call(emu, 'GET', '/open-apis/bot/v3/info', { token: 't-unknown' });
    expect([unknown.status, unknown.body.code]).toEqual([400, 99991663]);
  });

  it('faults.invalidateTokens(): old tokens -> 99991663, the token endpoint issues a new one', async () => {
    const t1 = await token(emu);
    emu.faults.invalidateTokens();
    expect((await send(emu, t1, { receive_id: ALICE })).body.code).toBe(99991663);
    const t2 = await token(emu);
    expect(t2).not.toBe(t1);
    expect((await send(emu, t2, { receive_id: ALICE })).body.code).toBe(0);
  });

  it('faults.expireTokens(): old tokens -> 99991677', async () => {
    const t1 = await token(emu);
    emu.faults.expireTokens();
    expect((await send(emu, t1, { receive_id: ALICE })).body.code).toBe(99991677);
    expect(await token(emu)).not.toBe(t1);
  });

  it('unknown path -> 404 {code: 404}; a known path under another method -> 405 + Allow; per-endpoint counts', async () => {
    const r = await call(emu, 'GET', '/open-apis/nope/v1/x');
    expect(r.status).toBe(404);
    expect(r.body.code).toBe(404);
    expect(r.headers.get('x-tt-logid')).toBeTruthy();
    const wrongMethod = await call(emu, 'DELETE', '/open-apis/im/v1/messages');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.code).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
    await token(emu);
    const s = emu.stats();
    expect(s.byEndpoint['other']).toBe(2);
    expect(s.byEndpoint['POST /open-apis/auth/v3/tenant_access_token/internal']).toBe(1);
    expect(s.requests).toBe(3);
  });
});
