import { readFile } from 'node:fs/promises';
import type { EmulatorSeed, SeedApp, SeedChat, SeedUser } from './types.js';
import { SCOPES } from '../core/vocabulary.js';

export const DEFAULT_SCOPES = [
  SCOPES.send, SCOPES.lookup, SCOPES.groupMessages, SCOPES.readMessages, SCOPES.listUsers, SCOPES.listChats, SCOPES.upload,
];

const DEFAULT_SEED: EmulatorSeed = {
  apps: [
    {
      appId: 'cli_demo_app',
      appSecret: 'demo-secret-not-real',
      appName: 'Demo Connector Bot',
      botOpenId: 'ou_b0700000000000000000000000000001',
      botActivateStatus: 2,
      scopes: [...DEFAULT_SCOPES],
      tenantKey: '736588c9260f175d',
    },
  ],
  users: [
    { openId: 'ou_a11ce000000000000000000000000001', name: 'Alice Wang', email: 'alice@example.com', mobile: '+8613800000001', userId: 'a11ce001', unionId: 'on_a11ce000000000000000000000000001', visible: true },
    { openId: 'ou_b0b00000000000000000000000000002', name: 'Bob Li', email: 'bob@example.com', mobile: '+8613800000002', userId: 'b0b00002', unionId: 'on_b0b00000000000000000000000000002', visible: true },
    { openId: 'ou_ca401000000000000000000000000003', name: 'Carol Zhang', email: 'carol@example.com', mobile: '+8613800000003', userId: 'ca401003', unionId: 'on_ca401000000000000000000000000003', visible: true },
    { openId: 'ou_da4e0000000000000000000000000004', name: 'Dave Chen', email: 'dave@example.com', mobile: '+14155550104', userId: 'da4e0004', unionId: 'on_da4e0000000000000000000000000004', visible: true },
    { openId: 'ou_e4e00000000000000000000000000005', name: 'Eve Liu', email: 'eve@example.com', mobile: '+8613800000005', userId: 'e4e00005', unionId: 'on_e4e00000000000000000000000000005', visible: false },
    { openId: 'ou_f4a2c000000000000000000000000006', name: 'Frank Zhao', email: 'frank@example.com', mobile: '+8613800000006', userId: 'f4a2c006', unionId: 'on_f4a2c000000000000000000000000006', visible: true },
  ],
  chats: [
    { chatId: 'oc_0b5a1e7500000000000000000000000a', name: 'Ops Alerts', botMember: true },
    { chatId: 'oc_0b5a1e7500000000000000000000000b', name: 'Random (bot not a member)', botMember: false },
    { chatId: 'oc_0b5a1e7500000000000000000000000c', name: 'Support Topics', botMember: true, chatMode: 'topic' },
  ],
};

/** The default seed (a fresh copy); fixtures/emulator-seed.json holds the same data. */
export function defaultSeed(): EmulatorSeed {
  return structuredClone(DEFAULT_SEED);
}

/** Reads and validates a seed JSON file. */
export async function loadSeedFile(path: string): Promise<EmulatorSeed> {
  const text = await readFile(path, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`emulator seed ${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseSeed(raw, path);
}

/** Validates a seed value; throws an Error naming the first bad field. */
export function parseSeed(raw: unknown, source = 'seed'): EmulatorSeed {
  const fail = (where: string, what: string): never => {
    throw new Error(`emulator ${source}: ${where} ${what}`);
  };
  if (!isObject(raw)) fail('', 'must be an object with apps, users, chats');
  const obj = raw as Record<string, unknown>;
  const list = (key: string): unknown[] => {
    const v = obj[key] ?? [];
    if (!Array.isArray(v)) fail(key, 'must be an array');
    return v as unknown[];
  };
  const str = (o: Record<string, unknown>, key: string, where: string, required: boolean): string | undefined => {
    const v = o[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') fail(`${where}.${key}`, 'must be a non-empty string');
    return v as string;
  };
  const entry = (v: unknown, where: string): Record<string, unknown> => {
    if (!isObject(v)) fail(where, 'must be an object');
    return v as Record<string, unknown>;
  };

  const apps: SeedApp[] = list('apps').map((v, i) => {
    const w = `apps[${i}]`;
    const o = entry(v, w);
    const scopes = o['scopes'];
    if (scopes !== undefined && !(Array.isArray(scopes) && scopes.every((s) => typeof s === 'string'))) {
      fail(`${w}.scopes`, 'must be an array of strings');
    }
    const status = o['botActivateStatus'];
    if (status !== undefined && typeof status !== 'number') fail(`${w}.botActivateStatus`, 'must be a number');
    return dropUndefined({
      appId: str(o, 'appId', w, true) as string,
      appSecret: str(o, 'appSecret', w, true) as string,
      appName: str(o, 'appName', w, false),
      botOpenId: str(o, 'botOpenId', w, false),
      botActivateStatus: status as number | undefined,
      scopes: scopes as string[] | undefined,
      tenantKey: str(o, 'tenantKey', w, false),
    });
  });
  if (apps.length === 0) fail('apps', 'must hold at least one app');

  const users: SeedUser[] = list('users').map((v, i) => {
    const w = `users[${i}]`;
    const o = entry(v, w);
    const visible = o['visible'];
    if (visible !== undefined && typeof visible !== 'boolean') fail(`${w}.visible`, 'must be a boolean');
    return dropUndefined({
      openId: str(o, 'openId', w, true) as string,
      name: str(o, 'name', w, true) as string,
      email: str(o, 'email', w, false),
      mobile: str(o, 'mobile', w, false),
      userId: str(o, 'userId', w, false),
      unionId: str(o, 'unionId', w, false),
      visible: visible as boolean | undefined,
    });
  });

  const chats: SeedChat[] = list('chats').map((v, i) => {
    const w = `chats[${i}]`;
    const o = entry(v, w);
    if (typeof o['botMember'] !== 'boolean') fail(`${w}.botMember`, 'must be a boolean');
    const mode = o['chatMode'];
    if (mode !== undefined && mode !== 'group' && mode !== 'topic') fail(`${w}.chatMode`, 'must be "group" or "topic"');
    return {
      chatId: str(o, 'chatId', w, true) as string,
      name: str(o, 'name', w, true) as string,
      botMember: o['botMember'] as boolean,
      ...(mode ? { chatMode: mode as 'group' | 'topic' } : {}),
    };
  });

  checkUnique(apps.map((a) => a.appId), 'apps[].appId', fail);
  checkUnique(users.map((u) => u.openId), 'users[].openId', fail);
  checkUnique(chats.map((c) => c.chatId), 'chats[].chatId', fail);
  return { apps, users, chats };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

function checkUnique(values: string[], where: string, fail: (w: string, m: string) => never): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) fail(where, `has a duplicate: ${v}`);
    seen.add(v);
  }
}
