import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { ALICE, FakeClock, call, seedWith, start, token } from './helpers.js';

const PATH = '/open-apis/contact/v3/users/batch_get_id?user_id_type=open_id';

describe('emulator: batch_get_id, bot info, scopes', () => {
  let emu: LarkEmulator;
  let tok: string;
  beforeEach(async () => {
    emu = await start({ clock: new FakeClock() });
    tok = await token(emu);
  });
  afterEach(() => emu.close());

  it('matches mobiles with or without +86, echoes them as sent; hidden users and misses have no user_id', async () => {
    const r = await call(emu, 'POST', PATH, {
      token: tok,
      body: { mobiles: ['13800000001', '+8613800000002', '+14155550104', '4155550104', '13800000005', '13999999999'], emails: ['carol@example.com', 'eve@example.com', 'x@example.com'], include_resigned: false },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      code: 0,
      msg: 'success',
      data: {
        user_list: [
          { user_id: ALICE, mobile: '13800000001' },
          { user_id: 'ou_b0b00000000000000000000000000002', mobile: '+8613800000002' },
          { user_id: 'ou_da4e0000000000000000000000000004', mobile: '+14155550104' },
          { mobile: '4155550104' }, // read as +86: nobody
          { mobile: '13800000005' }, // Eve: outside the visible range
          { mobile: '13999999999' },
          { user_id: 'ou_ca401000000000000000000000000003', email: 'carol@example.com' },
          { email: 'eve@example.com' },
          { email: 'x@example.com' },
        ],
      },
    });
    expect(r.headers.get('x-tt-logid')).toBeTruthy();
    expect(emu.stats().batchGetIdRequests).toBe(1);
  });

  it('user_id_type union_id / user_id', async () => {
    const u = await call(emu, 'POST', '/open-apis/contact/v3/users/batch_get_id?user_id_type=union_id', { token: tok, body: { mobiles: ['13800000001'] } });
    expect(u.body.data.user_list[0].user_id).toBe('on_a11ce000000000000000000000000001');
    const bad = await call(emu, 'POST', '/open-apis/contact/v3/users/batch_get_id?user_id_type=lark_id', { token: tok, body: { mobiles: ['13800000001'] } });
    expect(bad.body.code).toBe(99992402);
  });

  it('more than 50 mobiles or emails -> 400 99992402', async () => {
    const mobiles = Array.from({ length: 51 }, (_, i) => `138${String(i).padStart(8, '0')}`);
    const r = await call(emu, 'POST', PATH, { token: tok, body: { mobiles } });
    expect([r.status, r.body.code]).toEqual([400, 99992402]);
    expect(r.body.error.field_violations[0].field).toBe('mobiles');
    const ok = await call(emu, 'POST', PATH, { token: tok, body: { mobiles: mobiles.slice(0, 50) } });
    expect(ok.body.data.user_list).toHaveLength(50);
    expect((await call(emu, 'POST', PATH, { token: tok, body: { emails: 'a@b.c' } })).body.code).toBe(99992402);
  });

  it('99991672 without contact:user.id:readonly; 99991661 without a token', async () => {
    const e = await start({ seed: seedWith((s) => (s.apps[0]!.scopes = ['im:message:send_as_bot'])) });
    try {
      const r = await call(e, 'POST', PATH, { token: await token(e), body: { mobiles: ['13800000001'] } });
      expect([r.status, r.body.code]).toEqual([400, 99991672]);
    } finally {
      await e.close();
    }
    expect((await call(emu, 'POST', PATH, { body: { mobiles: [] } })).body.code).toBe(99991661);
  });

  it('GET /bot/v3/info', async () => {
    const r = await call(emu, 'GET', '/open-apis/bot/v3/info', { token: tok });
    expect(r.body).toEqual({
      code: 0,
      msg: 'ok',
      bot: { activate_status: 2, app_name: 'Demo Connector Bot', avatar_url: expect.any(String), ip_white_list: [], open_id: 'ou_b0700000000000000000000000000001' },
    });
    const off = await start({ seed: seedWith((s) => (s.apps[0]!.botActivateStatus = 0)) });
    try {
      expect((await call(off, 'GET', '/open-apis/bot/v3/info', { token: await token(off) })).body.bot.activate_status).toBe(0);
    } finally {
      await off.close();
    }
  });

  it('GET /application/v6/scopes', async () => {
    const r = await call(emu, 'GET', '/open-apis/application/v6/scopes', { token: tok });
    expect(r.body.code).toBe(0);
    const byName = Object.fromEntries(r.body.data.scopes.map((s: { scope_name: string; grant_status: number }) => [s.scope_name, s.grant_status]));
    expect(byName).toMatchObject({ 'im:message:send_as_bot': 1, 'contact:user.id:readonly': 1, 'im:message.group_msg': 1, 'im:message': 0 });
  });
});
