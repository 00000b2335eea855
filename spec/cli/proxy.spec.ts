/**
 * The CLI behind a real forward proxy (the `proxy` package: CONNECT tunnels, Basic auth) in front of an https
 * emulator with a test certificate (spec/helpers/tls/, trusted by the child through NODE_EXTRA_CA_CERTS).
 * Every connection the emulator accepts must have come through a tunnel the proxy opened.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProxy, type ProxyServer } from 'proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LarkEmulator, defaultSeed } from '../../src/emulator/index.js';
import { ALICE, BOB, text } from '../integration/helpers.js';
import { APP_ID, APP_SECRET, OPS, ALICE as ALICE_ID, startEmulator } from '../source/helpers.js';
import { CLI, runCli } from './cli-helpers.js';

const CERT = fileURLToPath(new URL('../helpers/tls/test-cert.pem', import.meta.url));
const KEY = fileURLToPath(new URL('../helpers/tls/test-key.pem', import.meta.url));
const USER = 'pipeline';
const PASSWORD = 'pr0xy-Pa55word';

interface Forward {
  proxy: ProxyServer;
  port: number;
  /** CONNECT targets, one per tunnel. */
  tunnels: string[];
  /** Proxy-Authorization headers seen (decoded user names only). */
  users: string[];
}

async function startProxy(auth: boolean): Promise<Forward> {
  const proxy = createProxy(http.createServer());
  const f: Forward = { proxy, port: 0, tunnels: [], users: [] };
  proxy.on('connect', (req: http.IncomingMessage) => f.tunnels.push(String(req.url)));
  if (auth) {
    proxy.authenticate = (req) => {
      const header = String(req.headers['proxy-authorization'] ?? '');
      const [user, pass] = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString().split(':');
      if (user) f.users.push(user);
      return user === USER && pass === PASSWORD;
    };
  }
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  f.port = (proxy.address() as AddressInfo).port;
  return f;
}

const seed = defaultSeed();
const app = seed.apps[0]!;
let emulator: LarkEmulator;
let dir: string;
let input: string;

beforeAll(async () => {
  emulator = await LarkEmulator.start({ seed, tls: { key: readFileSync(KEY, 'utf8'), cert: readFileSync(CERT, 'utf8') } });
  dir = await mkdtemp(join(tmpdir(), 'lark-im-proxy-'));
  input = join(dir, 'in.jsonl');
  const messages = [text('user', ALICE.openId, 'a'), text('user', BOB.openId, 'b'), text('user', ALICE.openId, 'c')];
  await writeFile(input, messages.map((v) => JSON.stringify(v)).join('\n'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await emulator.close();
});

function env(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { LARK_APP_ID: app.appId, LARK_APP_SECRET: app.appSecret, LARK_DOMAIN: emulator.baseUrl, NODE_EXTRA_CA_CERTS: CERT, ...extra };
}

async function write(extra: NodeJS.ProcessEnv, args: string[] = []) {
  emulator.reset();
  return runCli(['write', '--input', input, '--json', ...args], { env: env(extra), timeoutMs: 30_000 });
}

describe('lark-im behind an HTTP(S) proxy', () => {
  it('HTTPS_PROXY without credentials: every connection to the https emulator is a CONNECT tunnel of the proxy', async () => {
    const f = await startProxy(false);
    try {
      const r = await write({ HTTPS_PROXY: `http://127.0.0.1:${f.port}` });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ delivered: 3 });
      const stats = emulator.stats();
      expect(stats.requests).toBeGreaterThanOrEqual(4);
      expect(f.tunnels.length).toBeGreaterThan(0);
      expect(f.tunnels.every((t) => t === new URL(emulator.baseUrl).host)).toBe(true);
      expect(stats.connections).toBe(f.tunnels.length);
    } finally {
      f.proxy.close();
    }
  });

  it('connection.proxy with user:password from the config: sent through the tunnel, the password nowhere in the output', async () => {
    const f = await startProxy(true);
    const config = join(dir, 'proxy-config.json');
    const proxyUrl = `http://${USER}:${PASSWORD}@127.0.0.1:${f.port}`;
    await writeFile(config, JSON.stringify({ connection: { appId: app.appId, appSecret: app.appSecret, domain: emulator.baseUrl, proxy: proxyUrl } }));
    try {
      const r = await write({ LARK_APP_ID: '', LARK_APP_SECRET: '', LARK_DOMAIN: '' }, ['--config', config, '--verbose']);
      expect(r.code, r.stderr).toBe(0);
      expect(emulator.messages()).toHaveLength(3);
      expect(f.users.length).toBeGreaterThan(0);
      expect(f.users.every((u) => u === USER)).toBe(true);
      expect(emulator.stats().connections).toBe(f.tunnels.length);
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      // check says a proxy is in use, naming host:port only.
      const check = await runCli(['check', '--config', config, '--json'], { env: { NODE_EXTRA_CA_CERTS: CERT }, timeoutMs: 30_000 });
      expect(check.code, check.stderr).toBe(0);
      expect(check.stdout).toContain(`through the proxy at 127.0.0.1:${f.port}`);
      expect(check.stdout + check.stderr).not.toContain(PASSWORD);
    } finally {
      f.proxy.close();
    }
  });

  it('NO_PROXY naming the host bypasses the proxy: no tunnel, delivered directly', async () => {
    const f = await startProxy(false);
    try {
      const r = await write({ HTTPS_PROXY: `http://127.0.0.1:${f.port}`, NO_PROXY: 'localhost,127.0.0.1' });
      expect(r.code, r.stderr).toBe(0);
      expect(emulator.messages()).toHaveLength(3);
      expect(f.tunnels).toEqual([]);
      expect(emulator.stats().connections).toBeGreaterThan(0);
    } finally {
      f.proxy.close();
    }
  });

  it('a wrong proxy password: exit 2, one line naming the proxy host:port and the 407, nothing sent, the password never printed', async () => {
    const f = await startProxy(true);
    const wrong = 'Wr0ng-Pa55';
    try {
      const r = await write({ https_proxy: `http://${USER}:${wrong}@127.0.0.1:${f.port}` }, ['--verbose']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`PROXY_REFUSED: the proxy at 127\\.0\\.0\\.1:${f.port} refused .*407`));
      expect(r.stderr.split('\n').filter((l) => l.includes('407'))).toHaveLength(1);
      expect(emulator.stats().requests).toBe(0);
      expect(emulator.messages()).toHaveLength(0);
      expect(r.stdout + r.stderr).not.toContain(wrong);
    } finally {
      f.proxy.close();
    }
  });

  it('a proxy that is not there: exit 2, one line naming it and "connection refused"', async () => {
    const f = await startProxy(false);
    f.proxy.close();
    await once(f.proxy, 'close');
    const r = await write({ HTTPS_PROXY: `http://${USER}:${PASSWORD}@127.0.0.1:${f.port}` });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`PROXY_UNREACHABLE: cannot reach the proxy at 127.0.0.1:${f.port}: connection refused (ECONNREFUSED)`);
    expect(emulator.stats().requests).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('check through a proxy to a Lark host that is gone: in seconds, naming what the proxy answered', async () => {
    const f = await startProxy(true);
    const gone = http.createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const { port } = gone.address() as AddressInfo;
    await new Promise<void>((r) => gone.close(() => r()));
    try {
      const r = await runCli(['check', '--json'], {
        env: env({
          LARK_DOMAIN: `https://127.0.0.1:${port}`,
          HTTPS_PROXY: `http://${USER}:${PASSWORD}@127.0.0.1:${f.port}`,
        }),
        timeoutMs: 30_000,
      });
      expect(r.code, r.stderr).toBe(1);
      expect(r.elapsedMs).toBeLessThan(5000);
      // The proxy was asked (it refused nobody): the tunnel to the dead host is what failed.
      expect(f.tunnels).toContain(`127.0.0.1:${port}`);
      const items = JSON.parse(r.stdout) as Array<{ item: string; status: string; detail: string }>;
      expect(items[0]).toMatchObject({ item: 'credentials', status: 'fail' });
      const through = `to 127.0.0.1:${port} through the proxy at 127.0.0.1:${f.port}`;
      expect(items[0]!.detail).toContain(`${through}: the proxy answered HTTP 500 itself`);
      expect(items[0]!.detail).toContain('could not reach Lark');
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    } finally {
      f.proxy.close();
    }
  });

  it('a report of a run through the proxy holds no password either', async () => {
    const f = await startProxy(true);
    const report = join(dir, 'report.jsonl');
    try {
      const r = await write({ HTTPS_PROXY: `http://${USER}:${PASSWORD}@127.0.0.1:${f.port}` }, ['--report', report]);
      expect(r.code, r.stderr).toBe(0);
      expect(await readFile(report, 'utf8')).not.toContain(PASSWORD);
    } finally {
      f.proxy.close();
    }
  });

  it('read --follow --mode events: the long connection (wss) goes through the proxy too, with its credentials', async () => {
    const emu = await startEmulator({ tls: { key: readFileSync(KEY, 'utf8'), cert: readFileSync(CERT, 'utf8') } });
    const f = await startProxy(true);
    const config = join(dir, 'events-config.json');
    const out = join(dir, 'events-out.jsonl');
    await writeFile(config, JSON.stringify({ connection: { appId: APP_ID, appSecret: APP_SECRET, domain: emu.baseUrl }, node: { pollIntervalMs: 3_600_000 } }));
    const child = spawn(process.execPath, [CLI, 'read', '--config', config, '--chats', OPS, '--follow', '--mode', 'events', '--output', out, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: CERT, HTTPS_PROXY: `http://${USER}:${PASSWORD}@127.0.0.1:${f.port}` },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 1500 && emu.longConnection.stats().open !== 1; i++) {
        if (child.exitCode !== null) throw new Error(`read exited early: ${stderr}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(emu.longConnection.stats().open, stderr).toBe(1);
      const live = emu.postMessage({ chatId: OPS, senderOpenId: ALICE_ID, text: 'through the tunnel' });
      for (let i = 0; i < 1500 && !(await readFile(out, 'utf8').catch(() => '')).includes(live.messageId); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await readFile(out, 'utf8')).toContain(live.messageId);
      // The endpoint call, the list calls and the WebSocket: each connection the emulator took was a tunnel.
      expect(f.tunnels.length).toBeGreaterThanOrEqual(2);
      expect(emu.stats().connections).toBe(f.tunnels.length);
      child.kill('SIGINT');
      expect(await exit).toBe(0);
      expect(stderr).not.toContain(PASSWORD);
    } finally {
      child.kill('SIGKILL');
      f.proxy.close();
      await emu.close();
    }
  });
});
