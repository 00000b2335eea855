/**
 * The fixed-receiver picker against the emulator: a few hundred chats and users paged through Lark's lists,
 * searched by name, and paged again for the form; GetAppInfo; the `lark-im receivers` CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LarkEmulator, defaultSeed } from '../../../src/emulator/index.js';
import { LarkImConnector } from '../../../src/connector.js';
import { parseConfig } from '../../../src/config.js';
import { retryPolicies } from '../../../src/lark/retry.js';
import type { PickerPage } from '../../../src/platforms/tapdata/form-commands/receiver-picker.js';
import { runCli } from '../../cli/cli-helpers.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { caught } from '../../helpers/caught.js';

const CHATS = 230;
const USERS = 310;
const seed = defaultSeed();
for (let i = 0; i < CHATS; i++) seed.chats.push({ chatId: `oc_pick${String(i).padStart(27, '0')}`, name: `Ops room ${i}`, botMember: i % 10 !== 9 });
for (let i = 0; i < USERS; i++) seed.users.push({ openId: `ou_pick${String(i).padStart(27, '0')}`, name: `Picker User ${i}`, visible: i % 20 !== 19 });
const botChats = seed.chats.filter((c) => c.botMember);
const visibleUsers = seed.users.filter((u) => u.visible !== false);

let emulator: LarkEmulator;
let connector: LarkImConnector;
beforeAll(async () => {
  emulator = await LarkEmulator.start({ seed, limits: false });
  const app = seed.apps[0]!;
  connector = new LarkImConnector(parseConfig({ connection: { appId: app.appId, appSecret: app.appSecret, domain: emulator.baseUrl } }, {}), { retry: retryPolicies.fast });
});
afterAll(async () => {
  connector.close();
  await emulator.close();
});

const pick = (args: Record<string, unknown>) => connector.commandCallback('GetReceiverOfChatsAndUsers', args) as Promise<PickerPage>;

describe('GetReceiverOfChatsAndUsers', () => {
  it('lists every chat the bot is in, then every visible user, page by page, each once', async () => {
    const seen: PickerPage['items'] = [];
    let total = -1;
    for (let page = 1; page < 100; page++) {
      const res = await pick({ page, size: 50 });
      expect(res).toMatchObject({ page, size: 50 });
      total = res.total;
      seen.push(...res.items);
      if (res.items.length < 50) break;
    }
    expect(total).toBe(botChats.length + visibleUsers.length);
    expect(seen).toEqual([
      ...botChats.map((c) => ({ label: c.name, value: c.chatId, receiveType: 'chat_id' })),
      ...visibleUsers.map((u) => ({
        label: u.name, value: u.openId, receiveType: 'open_id',
        ...(u.userId ? { userId: u.userId } : {}), ...(u.unionId ? { unionId: u.unionId } : {}),
      })),
    ]);
    // The emulator was paged too: users at most 50 a page, chats 100.
    const stats = emulator.stats().byEndpoint;
    expect(stats['GET /open-apis/contact/v3/users/find_by_department']).toBeGreaterThanOrEqual(Math.ceil(visibleUsers.length / 50));
    expect(stats['GET /open-apis/im/v1/chats']).toBeGreaterThanOrEqual(Math.ceil(botChats.length / 100));
  });

  it('searches names case-insensitively, by kind, with TapData argMap keys', async () => {
    const res = await pick({ key: 'room 12', type: 'chat', page: 1, size: 100 });
    const want = botChats.filter((c) => c.name.toLowerCase().includes('room 12'));
    expect(res.total).toBe(want.length);
    expect(res.items.map((i) => i.value)).toEqual(want.map((c) => c.chatId));
    const users = await pick({ query: 'PICKER USER 3', type: 'user', size: 5, page: 2 });
    const wantUsers = visibleUsers.filter((u) => u.name.toLowerCase().includes('picker user 3'));
    expect(users.total).toBe(wantUsers.length);
    expect(users.items.map((i) => i.value)).toEqual(wantUsers.slice(5, 10).map((u) => u.openId));
  });

  it("finds a user by user_id or union_id (Lark's other ids), answering the open_id", async () => {
    const alice = seed.users.find((u) => u.name.startsWith('Alice'))!;
    for (const id of [alice.userId!, alice.unionId!.toUpperCase()]) {
      const res = await pick({ query: id, type: 'user' });
      expect(res.items).toEqual([{
        label: alice.name, value: alice.openId, receiveType: 'open_id', userId: alice.userId, unionId: alice.unionId,
      }]);
    }
  });

  it('refuses bad arguments and unknown commands with one clear error', async () => {
    await expect(pick({ size: 0 })).rejects.toMatchObject({ code: 'INPUT_INVALID', field: 'size' });
    await expect(pick({ type: 'robots' })).rejects.toMatchObject({ code: 'INPUT_INVALID', field: 'type' });
    await expect(connector.commandCallback('Nope')).rejects.toMatchObject({ code: 'INPUT_INVALID', field: 'command' });
  });

  it('a missing contact scope is a permission error naming the scopes', async () => {
    const s = defaultSeed();
    s.apps[0]!.scopes = ['im:message:send_as_bot', 'im:chat:readonly'];
    const e = await LarkEmulator.start({ seed: s, limits: false });
    const c = new LarkImConnector(parseConfig({ connection: { appId: s.apps[0]!.appId, appSecret: s.apps[0]!.appSecret, domain: e.baseUrl } }, {}), { retry: retryPolicies.fast });
    try {
      const chats = (await c.commandCallback('GetReceiverOfChatsAndUsers', { type: 'chat' })) as PickerPage;
      expect(chats.total).toBe(s.chats.filter((x) => x.botMember).length);
      const err = await caught(c.commandCallback('GetReceiverOfChatsAndUsers', { type: 'user' }));
      expect(err).toMatchObject({ code: 'PERMISSION_DENIED', larkCode: 99991672 });
    } finally {
      c.close();
      await e.close();
    }
  });
});

describe('the picker reuses the lists for a minute', () => {
  it('typing in the search box pages through Lark once, then again after the cache time', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    const app = seed.apps[0]!;
    const c = new LarkImConnector(parseConfig({ connection: { appId: app.appId, appSecret: app.appSecret, domain: emulator.baseUrl } }, {}), { retry: retryPolicies.fast, clock });
    const userPages = () => emulator.stats().byEndpoint['GET /open-apis/contact/v3/users/find_by_department'] ?? 0;
    try {
      const before = userPages();
      for (const q of ['p', 'pi', 'pic', 'pick']) await c.commandCallback('GetReceiverOfChatsAndUsers', { query: q, type: 'user' });
      const once = userPages() - before;
      expect(once).toBe(Math.ceil(visibleUsers.length / 50));
      await clock.advance(60_000);
      await c.commandCallback('GetReceiverOfChatsAndUsers', { query: 'picker', type: 'user' });
      expect(userPages() - before).toBe(2 * once);
    } finally {
      c.close();
    }
  });
});

describe('GetAppInfo', () => {
  it("answers the app's name from the bot info", async () => {
    expect(await connector.commandCallback('GetAppInfo')).toMatchObject({ appId: seed.apps[0]!.appId, appName: seed.apps[0]!.appName, botEnabled: true });
  });
});

describe('lark-im receivers', () => {
  const env = () => ({ LARK_APP_ID: seed.apps[0]!.appId, LARK_APP_SECRET: seed.apps[0]!.appSecret, LARK_DOMAIN: emulator.baseUrl });
  it('prints every match, receive type and id first; --json gives {items, total}', async () => {
    const r = await runCli(['receivers', '--type', 'user', '--query', 'picker user 1'], { env: env() });
    const want = visibleUsers.filter((u) => u.name.toLowerCase().includes('picker user 1'));
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(want.map((u) => `open_id  ${u.openId}  ${u.name}`));
    const j = await runCli(['receivers', '--json'], { env: env() });
    expect(j.code).toBe(0);
    const parsed = JSON.parse(j.stdout) as { items: unknown[]; total: number };
    expect(parsed.total).toBe(botChats.length + visibleUsers.length);
    expect(parsed.items).toHaveLength(parsed.total);
  });
  it('a bad --type is one line and exit 2', async () => {
    const r = await runCli(['receivers', '--type', 'fax'], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain(seed.apps[0]!.appSecret);
  });
});
