import { LarkEmulator, defaultSeed, type EmulatorOptions, type EmulatorSeed } from '../../src/emulator/index.js';

export const APP_ID = 'cli_demo_app';
export const APP_SECRET = 'demo-secret-not-real';
export const ALICE = 'ou_a11ce000000000000000000000000001';
export const BOB = 'ou_b0b00000000000000000000000000002';
export const EVE_HIDDEN = 'ou_e4e00000000000000000000000000005';
export const CHAT_MEMBER = 'oc_0b5a1e7500000000000000000000000a';
export const CHAT_NOT_MEMBER = 'oc_0b5a1e7500000000000000000000000b';

/** A clock the test moves by hand. */
export class FakeClock {
  t = Date.UTC(2025, 0, 1, 0, 0, 0);
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface Res {
  status: number;
  body: any;
  headers: Headers;
}

export async function call(
  emu: LarkEmulator,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string; auth?: string } = {},
): Promise<Res> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.auth !== undefined) headers['authorization'] = opts.auth;
  const init: RequestInit = { method, headers };
  if (opts.rawBody !== undefined) init.body = opts.rawBody;
  else if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
  const res = await fetch(emu.baseUrl + path, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export async function token(emu: LarkEmulator, appId = APP_ID, appSecret = APP_SECRET): Promise<string> {
  const r = await call(emu, 'POST', '/open-apis/auth/v3/tenant_access_token/internal', { body: { app_id: appId, app_secret: appSecret } });
  if (r.body.code !== 0) throw new Error(`token failed: ${JSON.stringify(r.body)}`);
  return r.body.tenant_access_token as string;
}

export function text(s: string): string {
  return JSON.stringify({ text: s });
}

export async function send(
  emu: LarkEmulator,
  tok: string,
  msg: { receive_id: string; msg_type?: string; content?: string; uuid?: string },
  receiveIdType = 'open_id',
): Promise<Res> {
  return call(emu, 'POST', `/open-apis/im/v1/messages?receive_id_type=${receiveIdType}`, {
    token: tok,
    body: { msg_type: 'text', content: text('hi'), ...msg },
  });
}

export async function start(opts: EmulatorOptions = {}): Promise<LarkEmulator> {
  return LarkEmulator.start(opts);
}

export function seedWith(change: (s: EmulatorSeed) => void): EmulatorSeed {
  const s = defaultSeed();
  change(s);
  return s;
}
