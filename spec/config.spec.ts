import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseUrlFor, loadConfigFile, nodeConfigSchema, parseConfig, redactConfig } from '../src/config.js';
import { ConnectorError } from '../src/core/errors.js';

const SECRET = 's3cr3t-Value-xyz';
const noEnv = {} as NodeJS.ProcessEnv;

function configError(fn: () => unknown): ConnectorError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectorError);
    return e as ConnectorError;
  }
  throw new Error('expected a CONFIG_INVALID error');
}
const errorOf = (raw: unknown) => configError(() => parseConfig(raw, noEnv));

/** The source's node options when none is given. */
const SOURCE_DEFAULTS = { chats: 'all', includeThreads: true, mode: 'poll', pollIntervalMs: 10_000, editLookbackMs: 3_600_000 };
/** The record lifecycle's node options when none is given. */
const LIFECYCLE_DEFAULTS = { deleteEvents: 'skip', messageKeyDays: 14 };

describe('parseConfig', () => {
  it('takes a domain copied with Lark\'s API path as its host (the path was doubled: every call a bare 404)', () => {
    for (const domain of ['https://open.feishu.cn/open-apis', 'https://open.feishu.cn/open-apis/', 'http://127.0.0.1:8787/OPEN-APIS']) {
      const parsed = parseConfig({ connection: { appId: 'cli_1', appSecret: SECRET, domain } }, noEnv);
      expect(parsed.connection.domain).toBe(domain.replace(/\/open-apis\/?$/i, ''));
      expect(baseUrlFor(domain)).toBe(domain.replace(/\/open-apis\/?$/i, ''));
    }
    // Only the API path at the end goes: a proxy's own path stays.
    expect(baseUrlFor('https://proxy.example.com/lark/')).toBe('https://proxy.example.com/lark');
  });

  it('parses the nested shape with defaults', () => {
    expect(parseConfig({ connection: { appId: 'cli_1', appSecret: SECRET }, node: {} }, noEnv)).toEqual({
      connection: { appId: 'cli_1', appSecret: SECRET, domain: 'feishu' },
      node: { updateEvents: 'skip', maxInFlight: 16, ...SOURCE_DEFAULTS, ...LIFECYCLE_DEFAULTS },
    });
  });

  it('reads messageKey as one path, a comma list or a JSON list; edit and recall need it', () => {
    const base = { connection: { appId: 'cli_1', appSecret: SECRET } };
    expect(parseConfig({ ...base, node: { messageKey: 'id' } }, noEnv).node.messageKey).toEqual(['id']);
    expect(parseConfig({ ...base, node: { message_key: ' tenant, order.no ' } }, noEnv).node.messageKey).toEqual(['tenant', 'order.no']);
    expect(parseConfig({ ...base, node: { messageKey: '["a","b"]', updateEvents: 'edit', deleteEvents: 'recall' } }, noEnv).node).toMatchObject({
      messageKey: ['a', 'b'],
      updateEvents: 'edit',
      deleteEvents: 'recall',
    });
    const e = errorOf({ ...base, node: { updateEvents: 'edit', deleteEvents: 'recall' } });
    expect(e.field).toBe('node.messageKey');
    expect(e.message).toContain('node.messageKey is required for updateEvents edit');
    expect(e.message).toContain('node.messageKey is required for deleteEvents recall');
    expect(errorOf({ ...base, node: { deleteEvents: 'drop', messageKeyDays: 0 } }).message).toMatch(/node.deleteEvents is not allowed.*node.messageKeyDays must be at least 1 day/);
    // A platform that names each stream's key (Airbyte's primary key) needs none.
    expect(parseConfig({ ...base, node: { deleteEvents: 'recall' } }, noEnv, { platformKeys: true }).node.deleteEvents).toBe('recall');
  });

  it('parses a flat object', () => {
    const cfg = parseConfig(
      { appId: 'cli_1', appSecret: SECRET, domain: 'lark', timeoutMs: 5000, updateEvents: 'send', maxInFlight: 4 },
      noEnv,
    );
    expect(cfg).toEqual({
      connection: { appId: 'cli_1', appSecret: SECRET, domain: 'lark', timeoutMs: 5000 },
      node: { updateEvents: 'send', maxInFlight: 4, ...SOURCE_DEFAULTS, ...LIFECYCLE_DEFAULTS },
    });
  });

  it('rejects unknown keys, naming each and the nearest known one (a typo never falls back to a default)', () => {
    const nested = errorOf({ connection: { appId: 'cli_1', appSecret: SECRET, domian: 'lark' }, node: { maxInflight: 4 }, nodes: {} });
    expect(nested.code).toBe('CONFIG_INVALID');
    expect(nested.message).toContain('connection.domian is not a known key (did you mean connection.domain?)');
    expect(nested.message).toContain('node.maxInflight is not a known key (did you mean node.maxInFlight?)');
    expect(nested.message).toContain('nodes is not a known key (did you mean node?)');
    expect(nested.message).not.toContain(SECRET);
    const flat = errorOf({ appId: 'cli_1', appSecret: SECRET, domian: 'lark' });
    expect(flat.message).toContain('domian is not a known key (did you mean domain?)');
    const far = errorOf({ connection: { appId: 'cli_1', appSecret: SECRET, zzzzzzzz: 1 } });
    expect(far.message).toMatch(/connection\.zzzzzzzz is not a known key \(known keys: appId, appSecret, domain, timeoutMs, proxy\)/);
  });

  it('knows every key of the schemas and the top-level connection, node and store', () => {
    expect(() => parseConfig({ connection: { appId: 'a', appSecret: 's' }, node: {}, store: { redis: 'redis://127.0.0.1:6379/0', prefix: 'x', maxDownMs: 5000 } }, noEnv)).not.toThrow();
    expect(() => parseConfig({ appId: 'a', appSecret: 's', store: {} }, noEnv)).not.toThrow();
    const every = Object.fromEntries(Object.keys(nodeConfigSchema.shape).map((k) => [k, undefined]));
    expect(() => parseConfig({ connection: { appId: 'a', appSecret: 's' }, node: every }, noEnv)).not.toThrow();
  });

  it('accepts the snake_case apiServerKey names and numeric strings', () => {
    const cfg = parseConfig({ connection: { app_id: 'cli_1', app_secret: SECRET, timeout_ms: '3000' }, node: { max_in_flight: '8' } }, noEnv);
    expect(cfg.connection).toMatchObject({ appId: 'cli_1', appSecret: SECRET, timeoutMs: 3000 });
    expect(cfg.node.maxInFlight).toBe(8);
  });

  it('accepts a custom http(s) base URL as domain, and Feishu/LARK in any case', () => {
    expect(parseConfig({ appId: 'a', appSecret: 'b', domain: 'http://127.0.0.1:4567/' }, noEnv).connection.domain).toBe('http://127.0.0.1:4567/');
    expect(parseConfig({ appId: 'a', appSecret: 'b', domain: 'LARK' }, noEnv).connection.domain).toBe('lark');
  });

  it('falls back to LARK_APP_ID / LARK_APP_SECRET / LARK_DOMAIN only when the field is absent', () => {
    const env = { LARK_APP_ID: 'cli_env', LARK_APP_SECRET: 'env-secret', LARK_DOMAIN: 'lark' } as NodeJS.ProcessEnv;
    expect(parseConfig({}, env).connection).toEqual({ appId: 'cli_env', appSecret: 'env-secret', domain: 'lark' });
    expect(parseConfig(undefined, env).connection.appId).toBe('cli_env');
    expect(parseConfig({ connection: { appId: 'cli_cfg', appSecret: null } }, env).connection).toEqual({
      appId: 'cli_cfg',
      appSecret: 'env-secret',
      domain: 'lark',
    });
    expect(parseConfig({ appId: 'cli_cfg', appSecret: SECRET, domain: 'feishu' }, env).connection).toEqual({
      appId: 'cli_cfg',
      appSecret: SECRET,
      domain: 'feishu',
    });
  });

  it('an empty string is present (no env fallback) and invalid', () => {
    const env = { LARK_APP_ID: 'cli_env', LARK_APP_SECRET: 'env-secret' } as NodeJS.ProcessEnv;
    const e = configError(() => parseConfig({ appId: '', appSecret: 'x' }, env));
    expect(e.message).toContain('connection.appId must not be empty');
  });

  it('names every bad field in one line', () => {
    const e = configError(() =>
      parseConfig({ connection: { domain: 'ftp://x', timeoutMs: 5 }, node: { updateEvents: 'drop', maxInFlight: 99 } }, noEnv),
    );
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.retryable).toBe(false);
    expect(e.field).toBe('connection.appId');
    expect(e.message).not.toMatch(/\n/);
    expect(e.message.split('; ')).toHaveLength(6);
    for (const f of ['connection.appId is required', 'connection.appSecret is required', 'connection.domain is not allowed: use feishu, lark or an http(s):// base URL', 'connection.timeoutMs must be at least 1000 ms', 'node.updateEvents is not allowed', 'node.maxInFlight must be at most 50']) {
      expect(e.message).toContain(f);
    }
  });

  it('never echoes the secret', () => {
    const cases: unknown[] = [
      { appId: 'cli_1', appSecret: SECRET, domain: SECRET },
      { appId: 'cli_1', appSecret: { value: SECRET } },
      { appId: SECRET.length, appSecret: SECRET, timeoutMs: SECRET },
      { connection: { appId: 'cli_1', appSecret: SECRET }, node: { updateEvents: SECRET } },
    ];
    for (const c of cases) {
      const e = configError(() => parseConfig(c, noEnv));
      expect(e.message).not.toContain(SECRET);
      expect(JSON.stringify(e)).not.toContain(SECRET);
    }
  });

  it('rejects a non-object', () => {
    expect(configError(() => parseConfig('x', noEnv)).message).toMatch(/expected an object/);
    expect(configError(() => parseConfig([], noEnv)).message).toMatch(/got an array/);
  });
});

describe('loadConfigFile', () => {
  it('reads a JSON file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lark-cfg-'));
    const p = join(dir, 'c.json');
    await writeFile(p, JSON.stringify({ connection: { appId: 'cli_1', appSecret: SECRET } }));
    expect((await loadConfigFile(p, noEnv)).connection.appId).toBe('cli_1');
  });

  it('does not quote the file text on a JSON error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lark-cfg-'));
    const p = join(dir, 'bad.json');
    await writeFile(p, `{"appId":"cli_1","appSecret":"${SECRET}",}`);
    const e = (await loadConfigFile(p, noEnv).then(
      () => new Error('expected loadConfigFile to fail'),
      (x: unknown) => x,
    )) as ConnectorError;
    expect(e).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(e.message).toMatch(/is not valid JSON/);
    expect(e.message).not.toContain(SECRET);
  });

  it('reports a missing file', async () => {
    await expect(loadConfigFile('/nonexistent/lark.json', noEnv)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('ENOENT') });
  });
});

describe('baseUrlFor', () => {
  it.each([
    ['feishu', 'https://open.feishu.cn'],
    ['lark', 'https://open.larksuite.com'],
    ['Lark', 'https://open.larksuite.com'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['https://open.example.com//', 'https://open.example.com'],
    ['https://gw.example.com/lark', 'https://gw.example.com/lark'],
  ])('%s -> %s', (d, url) => expect(baseUrlFor(d)).toBe(url));

  it('rejects anything else with CONFIG_INVALID', () => {
    expect(configError(() => baseUrlFor('open.feishu.cn')).code).toBe('CONFIG_INVALID');
  });
});

describe('redactConfig', () => {
  it('masks the secret and leaves the rest', () => {
    const cfg = parseConfig({ appId: 'cli_1', appSecret: SECRET }, noEnv);
    const red = redactConfig(cfg);
    expect(JSON.stringify(red)).not.toContain(SECRET);
    expect(red).toEqual({ connection: { appId: 'cli_1', appSecret: '******', domain: 'feishu' }, node: cfg.node });
    expect(cfg.connection.appSecret).toBe(SECRET);
  });
});
