// Who may use the console's API, and what it may touch: a per-start token, files only inside one folder,
// the CLI's config schema, 405 for a wrong method, 4xx (never 500) for a bad path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startConsole, type ConsoleHandle } from '../../src/console/server.js';
import { auth, baseOf, request } from './http.js';

let con: ConsoleHandle;
let base: string;
let root: string;
let outside: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'console-root-'));
  outside = await mkdtemp(path.join(os.tmpdir(), 'console-outside-'));
  await writeFile(path.join(outside, 'secret.json'), JSON.stringify({ connection: { appId: 'cli_elsewhere', appSecret: 'x' } }));
  con = await startConsole({ port: 0, host: '127.0.0.1', root });
  base = baseOf(con);
});
afterAll(async () => {
  await con?.close();
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const api = (p: string, opts: Parameters<typeof request>[1] = {}) => request(base + p, { ...opts, headers: { ...auth(con), ...opts.headers } });

describe('the per-start token', () => {
  it('is random per start, and the printed URL carries it', async () => {
    const other = await startConsole({ port: 0, host: '127.0.0.1', root });
    try {
      expect(other.token).not.toBe(con.token);
      expect(con.token.length).toBeGreaterThanOrEqual(32);
      expect(con.url).toBe(`${base}?token=${con.token}`);
    } finally {
      await other.close();
    }
  });

  it('every API call without it is 401, with a wrong one too; the cookie or the header lets it through', async () => {
    for (const [method, p] of [['GET', 'api/state'], ['GET', 'api/manifest'], ['POST', 'api/config'], ['POST', 'api/config/load'], ['POST', 'api/config/save'], ['POST', 'api/test'], ['POST', 'api/dry-run'], ['POST', 'api/send'], ['GET', 'api/runs/run-1']]) {
      const none = await request(base + p!, { method: method!, ...(method === 'POST' ? { json: {} } : {}) });
      expect(none.status, `${method} ${p}`).toBe(401);
      expect(none.json.error.code).toBe('TOKEN_REQUIRED');
    }
    expect((await request(base + 'api/state', { headers: { cookie: 'lark_im_console=not-the-token' } })).status).toBe(401);
    expect((await request(base + 'api/state', { headers: auth(con) })).status).toBe(200);
    expect((await request(base + 'api/state', { headers: { 'x-console-token': con.token } })).status).toBe(200);
  });

  it('opening the printed URL sets an HttpOnly, SameSite=Strict cookie and drops the token from the address', async () => {
    const r = await request(con.url);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    expect(r.headers['set-cookie']).toEqual([`lark_im_console=${con.token}; HttpOnly; SameSite=Strict; Path=/`]);
    const wrong = await request(`${base}?token=guess`);
    expect(wrong.status).toBe(403);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(wrong.headers['content-type']).toMatch(/^text\/html/);
    expect(wrong.text).toContain('not the one of the console running now');
  });

  it('the page without the token is a page saying how to open the console (not the form), without any token', async () => {
    for (const p of ['', 'index.html']) {
      const r = await request(base + p);
      expect(r.status, p).toBe(401);
      expect(r.headers['content-type']).toMatch(/^text\/html/);
      expect(r.text).toContain('Open the console with its link');
      expect(r.text).toContain(`${base}?token=…`);
      expect(r.text).toContain('lark-im console');
      expect(r.text).not.toContain('connection-form');
      expect(r.text).not.toContain(con.token);
    }
    // A stale cookie (the console was started again) gets the same page; the right one gets the form.
    expect((await request(base, { headers: { cookie: 'lark_im_console=old' } })).status).toBe(401);
    const page = await request(base, { headers: auth(con) });
    expect(page.status).toBe(200);
    expect(page.text).toContain('connection-form');
    // The page's own files need no token (the token page uses the stylesheet).
    expect((await request(base + 'styles.css')).status).toBe(200);
  });

  it('says it in the console\'s language', async () => {
    const zh = await startConsole({ port: 0, host: '127.0.0.1', root, lang: 'zh_TW' });
    try {
      const r = await request(baseOf(zh));
      expect(r.status).toBe(401);
      expect(r.text).toContain('<html lang="zh-Hant">');
      expect(r.text).toContain('請用控制台的連結開啟');
    } finally {
      await zh.close();
    }
  });
});

describe('config files only inside the console folder', () => {
  it('loads a file inside the folder (relative to it), refuses one outside, also through ../ or a symlink', async () => {
    await writeFile(path.join(root, 'lark.json'), JSON.stringify({ connection: { appId: 'cli_inside', appSecret: 'inside-secret' } }));
    const ok = await api('api/config/load', { json: { path: 'lark.json' } });
    expect(ok.status).toBe(200);
    expect(ok.json.path).toBe(path.join(await realpath(root), 'lark.json'));
    expect(ok.json.config.connection.appId).toBe('cli_inside');

    await symlink(path.join(outside, 'secret.json'), path.join(root, 'link.json'));
    for (const given of [path.join(outside, 'secret.json'), '../' + path.basename(outside) + '/secret.json', 'link.json', '/etc/passwd']) {
      const r = await api('api/config/load', { json: { path: given } });
      expect(r.status, given).toBe(403);
      expect(r.json.error.code).toBe('PATH_OUTSIDE_FOLDER');
      expect(r.json.error.message).toContain(`only inside ${await realpath(root)}`);
      expect(r.text).not.toContain('cli_elsewhere');
    }
  });

  it('a JSON file that is not a config (package.json) is refused by the CLI schema, naming the key', async () => {
    await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', scripts: {} }));
    const r = await api('api/config/load', { json: { path: 'package.json' } });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/name is not a known key/);
  });

  it('saving: outside 403, over a file that is not a config 409, a folder 400, a missing folder 404, never 500', async () => {
    const cases: Array<[string, number, string]> = [
      [path.join(outside, 'x.json'), 403, 'PATH_OUTSIDE_FOLDER'],
      ['package.json', 409, 'FILE_NOT_A_CONFIG'],
      ['.', 400, 'PATH_IS_FOLDER'],
      ['no/such/folder/x.json', 404, 'FOLDER_NOT_FOUND'],
    ];
    await mkdir(path.join(root, 'sub'), { recursive: true });
    for (const [given, status, code] of cases) {
      const r = await api('api/config/save', { json: { path: given } });
      expect([r.status, r.json.error.code], given).toEqual([status, code]);
    }
    expect(JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')).name).toBe('x');
    const ok = await api('api/config/save', { json: { path: 'sub/saved.json' } });
    expect(ok.status).toBe(200);
  });
});

describe('POST /api/config is checked with the CLI schema', () => {
  it('refuses a bad domain, an out-of-range maxInFlight and unknown keys with 400, and keeps the previous config', async () => {
    const before = (await api('api/state')).json.config;
    const cases: Array<[unknown, RegExp]> = [
      [{ connection: { domain: 'foo' } }, /connection\.domain is not allowed/],
      [{ node: { maxInFlight: 999 } }, /node\.maxInFlight must be at most 50/],
      [{ connection: { domian: 'lark' } }, /connection\.domian is not a known key \(did you mean connection\.domain\?\)/],
    ];
    for (const [body, message] of cases) {
      const r = await api('api/config', { json: body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.code).toBe('CONFIG_INVALID');
      expect(r.json.error.message).toMatch(message);
    }
    expect((await api('api/state')).json.config).toEqual(before);
    const ok = await api('api/config', { json: { connection: { domain: 'lark' }, node: { maxInFlight: 8 } } });
    expect(ok.status).toBe(200);
    expect(ok.json.config.node.maxInFlight).toBe(8);
  });
});

describe('methods', () => {
  it('a wrong method on a known route is 405 with Allow; an unknown route 404', async () => {
    const cases: Array<[string, string, string]> = [['POST', 'api/state', 'GET'], ['GET', 'api/config', 'POST'], ['DELETE', 'api/config/save', 'POST'], ['PUT', 'api/runs/run-1', 'GET'], ['GET', 'api/receivers', 'POST'], ['POST', 'api/runs/run-1/events', 'GET']];
    for (const [method, p, allow] of cases) {
      const r = await api(p, { method });
      expect([r.status, r.headers.allow, r.json.error.code], `${method} ${p}`).toEqual([405, allow, 'METHOD_NOT_ALLOWED']);
    }
    expect((await api('api/nope')).status).toBe(404);
  });
});
