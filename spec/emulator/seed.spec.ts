import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LarkEmulator, defaultSeed, loadSeedFile, parseSeed } from '../../src/emulator/index.js';
import { call } from './helpers.js';

describe('emulator: seed', () => {
  it('fixtures/emulator-seed.json equals defaultSeed()', async () => {
    const file = JSON.parse(await readFile(new URL('../../fixtures/emulator-seed.json', import.meta.url), 'utf8'));
    expect(file).toEqual(defaultSeed());
    expect(await loadSeedFile(new URL('../../fixtures/emulator-seed.json', import.meta.url).pathname)).toEqual(defaultSeed());
  });

  it('default seed: one app, six users (one hidden), three chats (bot in two, one a topic chat)', () => {
    const s = defaultSeed();
    expect(s.apps.map((a) => a.appId)).toEqual(['cli_demo_app']);
    expect(s.users).toHaveLength(6);
    expect(s.users.filter((u) => u.visible === false)).toHaveLength(1);
    expect(s.chats.map((c) => c.botMember)).toEqual([true, false, true]);
    expect(s.chats.map((c) => c.chatMode ?? 'group')).toEqual(['group', 'group', 'topic']);
    s.users.length = 0; // a copy each time
    expect(defaultSeed().users).toHaveLength(6);
  });

  it('a custom seed file is used by start({seedFile})', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emu-seed-'));
    const path = join(dir, 'seed.json');
    await writeFile(path, JSON.stringify({ apps: [{ appId: 'cli_x', appSecret: 's3' }], users: [], chats: [] }));
    const emu = await LarkEmulator.start({ seedFile: path });
    try {
      const r = await call(emu, 'POST', '/open-apis/auth/v3/tenant_access_token/internal', { body: { app_id: 'cli_x', app_secret: 's3' } });
      expect(r.body.code).toBe(0);
      const demo = await call(emu, 'POST', '/open-apis/auth/v3/tenant_access_token/internal', { body: { app_id: 'cli_demo_app', app_secret: 'demo-secret-not-real' } });
      expect(demo.body.code).toBe(10003);
    } finally {
      await emu.close();
    }
  });

  it('parseSeed names the bad field', () => {
    expect(() => parseSeed({ apps: [] })).toThrow(/apps must hold at least one app/);
    expect(() => parseSeed({ apps: [{ appId: 'a' }] })).toThrow(/apps\[0\]\.appSecret/);
    expect(() => parseSeed({ apps: [{ appId: 'a', appSecret: 'b' }], chats: [{ chatId: 'oc', name: 'x' }] })).toThrow(/chats\[0\]\.botMember/);
    expect(() => parseSeed({ apps: [{ appId: 'a', appSecret: 'b' }], users: [{ openId: 'ou', name: 'x' }, { openId: 'ou', name: 'y' }] })).toThrow(/duplicate/);
  });

  it('start({port}) binds the given port and prints nothing', async () => {
    const probe = await LarkEmulator.start();
    const port = Number(new URL(probe.baseUrl).port);
    await probe.close();
    const emu = await LarkEmulator.start({ port });
    try {
      expect(emu.baseUrl).toBe(`http://127.0.0.1:${port}`);
    } finally {
      await emu.close();
      await emu.close(); // idempotent
    }
  });
});
