// HTTP-level specs of the console API (no browser): secrets never leave, origin checks, body limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startConsole, type ConsoleHandle } from '../../src/console/server.js';
import { freePort } from '../helpers/redis-server.js';
import { auth, baseOf, DEMO_SECRET, mixedRecords, request, waitForRun } from './http.js';

describe('console API (with the emulator)', () => {
  let con: ConsoleHandle;
  let base: string;
  const seen: string[] = []; // every response body, checked for the secret at the end

  let dir: string;

  async function call(p: string, opts: Parameters<typeof request>[1] = {}) {
    const r = await request(base + p.replace(/^\//, ''), { ...opts, headers: { ...auth(con), ...opts.headers } });
    seen.push(r.text);
    return r;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'console-cfg-'));
    con = await startConsole({ port: 0, host: '127.0.0.1', emulator: true, root: dir });
    base = baseOf(con);
  });
  afterAll(async () => {
    await con?.close();
  });

  it('binds to 127.0.0.1 and serves the page and its modules', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await call('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.text).toContain('<script type="module" src="/js/app.js">');
    const js = await call('/js/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toContain('text/javascript');
  });

  it('does not serve files outside its folder', async () => {
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/js/..%2f..%2fpackage.json']) {
      const r = await call(p);
      expect(r.status, p).toBe(404);
    }
  });

  it('serves the manifest the form is built from', async () => {
    const r = await call('/api/manifest');
    expect(r.status).toBe(200);
    expect(Object.keys(r.json.configOptions.connection.properties)).toEqual(expect.arrayContaining(['appId', 'appSecret', 'domain']));
    expect(r.json.configOptions.connection.properties.appSecret['x-component']).toBe('Password');
    expect(r.json.messages.zh_CN).toBeTruthy();
  });

  it('pre-fills the emulator app, reporting only that a secret is set', async () => {
    const r = await call('/api/state');
    expect(r.status).toBe(200);
    expect(r.json.emulator.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.json.config.connection.appId).toBe('cli_demo_app');
    expect(r.json.config.connection.domain).toBe(r.json.emulator.baseUrl);
    expect(r.json.config.appSecretSet).toBe(true);
    expect(r.json.config.connection).not.toHaveProperty('appSecret');
    expect(r.text).not.toContain(DEMO_SECRET);
  });

  it('keeps a secret sent with the form but never returns it; an empty secret keeps the saved one', async () => {
    const r1 = await call('/api/config', { json: { connection: { appSecret: 'another-secret-1234' } } });
    expect(r1.status).toBe(200);
    expect(r1.json.config.appSecretSet).toBe(true);
    expect(r1.text).not.toContain('another-secret-1234');
    const r2 = await call('/api/config', { json: { connection: { appSecret: DEMO_SECRET } } });
    expect(r2.text).not.toContain(DEMO_SECRET);
    const r3 = await call('/api/config', { json: { connection: { appSecret: '' }, node: { maxInFlight: 4 } } });
    expect(r3.json.config.appSecretSet).toBe(true);
    expect(r3.json.config.node.maxInFlight).toBe(4);
    const test = await call('/api/test', { json: {} });
    expect(test.json.items.find((i: any) => i.item === 'credentials').status).toBe('ok');
  });

  it('runs the connection test: every item ok against the emulator', async () => {
    const r = await call('/api/test', { json: {} });
    expect(r.status).toBe(200);
    expect(r.json.items.map((i: any) => i.item)).toEqual(['credentials', 'bot', 'permissions', 'read']);
    for (const i of r.json.items) expect(i.status, i.detail).toBe('ok');
  });

  it('reports a wrong secret as a failing credentials item (without echoing it)', async () => {
    await call('/api/config', { json: { connection: { appSecret: 'wrong-secret-value' } } });
    const r = await call('/api/test', { json: {} });
    expect(r.status).toBe(200);
    const cred = r.json.items.find((i: any) => i.item === 'credentials');
    expect(cred.status).toBe('fail');
    expect(cred.detail).toMatch(/secret/i);
    expect(r.text).not.toContain('wrong-secret-value');
    await call('/api/config', { json: { connection: { appSecret: DEMO_SECRET } } });
  });

  it('dry-runs mixed input: rendered requests and errors naming the field, nothing sent', async () => {
    const r = await call('/api/dry-run', { json: { text: mixedRecords() } });
    expect(r.status).toBe(200);
    const byStatus = (s: string) => r.json.outcomes.filter((o: any) => o.status === s);
    expect(byStatus('valid')).toHaveLength(2);
    expect(byStatus('failed')).toHaveLength(2);
    const text = byStatus('valid')[0].request;
    expect(text.url).toContain('receive_id_type=open_id');
    expect(text.body.msg_type).toBe('text');
    expect(text.body.uuid).toBeTruthy();
    const missing = r.json.outcomes.find((o: any) => o.line === 3);
    expect(missing.error.field).toMatch(/receiveId/);
    expect(r.json.summary).toMatchObject({ valid: 2, failed: 2 });
  });

  it('sends, follows the run over SSE and polling, and serves a JSON Lines report', async () => {
    const start = await call('/api/send', { json: { text: mixedRecords() } });
    expect(start.status).toBe(202);
    expect(start.json.total).toBe(4);
    const run = await waitForRun(base, start.json.runId, auth(con));
    expect(run.state).toBe('done');
    expect(run.summary).toMatchObject({ delivered: 2, failed: 2 });
    const delivered = run.outcomes.filter((o: any) => o.status === 'delivered');
    expect(delivered[0].messageId).toMatch(/^om_/);

    const events = await call(`/api/runs/${start.json.runId}/events`);
    expect(events.headers['content-type']).toContain('text/event-stream');
    expect(events.text.match(/^event: outcome$/gm)).toHaveLength(4);
    expect(events.text).toContain('event: done');

    const report = await call(`/api/runs/${start.json.runId}/report`);
    expect(report.status).toBe(200);
    expect(report.headers['content-disposition']).toContain('attachment');
    // The CLI's report format: one line per message, no summary line.
    const lines = report.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines.map((l: any) => [l.line, l.status])).toEqual([[1, 'delivered'], [2, 'delivered'], [3, 'failed'], [4, 'failed']]);
    expect(lines.some((l: any) => 'summary' in l || 'advice' in l)).toBe(false);
  });

  it('saves the config to a file the CLI reads (secret included) and loads it back, never returning it', async () => {
    const file = path.join(dir, 'lark.json');
    const saved = await call('/api/config/save', { json: { path: file } });
    expect(saved.status).toBe(200);
    expect(saved.text).not.toContain(DEMO_SECRET);
    const onDisk = JSON.parse(await readFile(file, 'utf8'));
    expect(onDisk.connection.appSecret).toBe(DEMO_SECRET);
    expect(onDisk.node).toBeTruthy();
    expect((await stat(file)).mode & 0o077).toBe(0);

    await writeFile(file, JSON.stringify({ appId: 'cli_other', appSecret: 'file-secret-xyz', domain: 'lark', updateEvents: 'send' }));
    const loaded = await call('/api/config/load', { json: { path: file } });
    expect(loaded.status).toBe(200);
    expect(loaded.json.config.connection).toMatchObject({ appId: 'cli_other', domain: 'lark' });
    expect(loaded.json.config.node).toMatchObject({ updateEvents: 'send' });
    expect(loaded.json.path).toBe(await realpath(file));
    expect(loaded.json.config.appSecretSet).toBe(true);
    expect(loaded.text).not.toContain('file-secret-xyz');

    // TapData's snake_case names (apiServerKey) land in the form's fields
    await writeFile(file, JSON.stringify({ connection: { app_id: 'cli_snake', app_secret: 'file-secret-xyz', timeout_ms: 5000 }, node: { max_in_flight: 3 } }));
    const snake = await call('/api/config/load', { json: { path: file } });
    expect(snake.json.config.connection).toEqual({ appId: 'cli_snake', timeoutMs: 5000 });
    expect(snake.json.config.node).toEqual({ maxInFlight: 3 });
    expect(snake.json.config.appSecretSet).toBe(true);

    // The store part (Redis shared by workers) is not in the form: saving keeps it, and it never leaves the server.
    await writeFile(file, JSON.stringify({ connection: { appId: 'cli_store', appSecret: 'file-secret-xyz' }, node: {}, store: { redis: 'redis://:redis-pw-xyz@127.0.0.1:6390/0', prefix: 'p1' } }));
    const withStore = await call('/api/config/load', { json: { path: file } });
    expect(withStore.status).toBe(200);
    expect(withStore.text).not.toContain('redis-pw-xyz');
    expect((await call('/api/config/save', { json: { path: file } })).status).toBe(200);
    expect(JSON.parse(await readFile(file, 'utf8')).store).toEqual({ redis: 'redis://:redis-pw-xyz@127.0.0.1:6390/0', prefix: 'p1' });
    expect((await call('/api/state')).text).not.toContain('redis-pw-xyz');

    const missing = await call('/api/config/load', { json: { path: path.join(dir, 'nope.json') } });
    expect(missing.status).toBe(404);
    // put the emulator app back for the other specs
    const state = (await call('/api/state')).json;
    expect(state.config.appSecretSet).toBe(true);
  });

  it("keeps a loaded file's store part (Redis): used for the connection test and sends, saved back, its URL never returned", async () => {
    const file = path.join(dir, 'with-store.json');
    const emulatorUrl = (await call('/api/state')).json.emulator.baseUrl as string;
    const dead = `redis://:redis-pw-xyz@127.0.0.1:${await freePort()}/0`;
    const config = { connection: { appId: 'cli_demo_app', appSecret: DEMO_SECRET, domain: emulatorUrl }, node: {}, store: { redis: dead, prefix: 'console-spec' } };
    await writeFile(file, JSON.stringify(config));
    const loaded = await call('/api/config/load', { json: { path: file } });
    expect(loaded.status).toBe(200);
    const tested = await call('/api/test', { json: {} });
    expect(tested.text).toContain('STORE_UNAVAILABLE'); // the store is used, not dropped
    const copy = path.join(dir, 'with-store-copy.json');
    expect((await call('/api/config/save', { json: { path: copy } })).status).toBe(200);
    expect(JSON.parse(await readFile(copy, 'utf8'))).toEqual(config);
    expect(seen.join('\n')).not.toContain('redis-pw-xyz');
  });

  it('rejects a foreign Host header (DNS rebinding) and cross-site origins', async () => {
    const port = new URL(base).port;
    const rebinding = await call('/api/state', { headers: { host: `evil.example:${port}` } });
    expect(rebinding.status).toBe(421);
    const wrongPort = await call('/api/state', { headers: { host: '127.0.0.1:1' } });
    expect(wrongPort.status).toBe(421);
    const crossSite = await call('/api/test', { json: {}, headers: { origin: 'http://evil.example' } });
    expect(crossSite.status).toBe(403);
    const otherPort = await call('/api/config', { json: {}, headers: { origin: 'http://127.0.0.1:1' } });
    expect(otherPort.status).toBe(403);
    const fetchMeta = await call('/api/config', { json: {}, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(fetchMeta.status).toBe(403);
    const same = await call('/api/config', { json: {}, headers: { origin: `http://localhost:${port}`, host: `localhost:${port}` } });
    expect(same.status).toBe(200);
  });

  it('rejects non-JSON bodies (415), bad JSON (400) and bodies over 5 MB (413)', async () => {
    const form = await call('/api/config', { body: 'appSecret=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    const plain = await call('/api/dry-run', { body: '{"text":""}', headers: { 'content-type': 'text/plain' } });
    expect(plain.status).toBe(415);
    const bad = await call('/api/config', { body: '{nope', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    const big = JSON.stringify({ text: 'x'.repeat(5 * 1024 * 1024 + 10) });
    const r = await call('/api/dry-run', { body: big, headers: { 'content-type': 'application/json' } }).catch((e) => e);
    expect(r.status).toBe(413);
    // chunked (no content-length) is cut off while streaming too
    const chunked = await call('/api/dry-run', {
      body: big, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    }).catch((e) => e);
    expect(chunked.status).toBe(413);
  });

  it('never returned the App Secret in any response', () => {
    expect(seen.length).toBeGreaterThan(10);
    for (const text of seen) {
      expect(text).not.toContain(DEMO_SECRET);
      expect(text).not.toContain('wrong-secret-value');
      expect(text).not.toContain('file-secret-xyz');
    }
  });
});

describe('console API (no credentials yet)', () => {
  let con: ConsoleHandle;
  beforeAll(async () => {
    con = await startConsole({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await con?.close();
  });

  it('dry-runs without an App ID or App Secret (it never talks to Lark), but will not test or send', async () => {
    const dry = await request(baseOf(con) + 'api/dry-run', { json: { text: mixedRecords() }, headers: auth(con) });
    expect(dry.status).toBe(200);
    expect(dry.json.outcomes.some((o: { status: string }) => o.status === 'valid')).toBe(true);
    const valid = dry.json.outcomes.find((o: { status: string }) => o.status === 'valid');
    expect(valid.request.url).toMatch(/^https:\/\/open\.feishu\.cn\/open-apis\/im\/v1\/messages\?receive_id_type=/);
    const test = await request(baseOf(con) + 'api/test', { json: {}, headers: auth(con) });
    expect(test.status).toBeGreaterThanOrEqual(400);
    expect(test.text).toMatch(/appId|App ID/);
  });
});
