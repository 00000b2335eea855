import { describe, expect, it } from 'vitest';
import { parseConfig, redactConfig } from '../../src/config.js';
import { maskProxyUrl, proxyFor } from '../../src/lark/proxy-url.js';
import type { ConnectorError } from '../../src/core/errors.js';

const label = (target: string, configured: string | undefined, env: Record<string, string>) => proxyFor(target, configured, env)?.label;

describe('proxyFor: which proxy, if any', () => {
  it('https targets read https_proxy, then HTTPS_PROXY, then ALL_PROXY; http targets http_proxy', () => {
    expect(label('https://open.feishu.cn', undefined, { HTTPS_PROXY: 'http://p1:3128', https_proxy: 'http://p2:8080' })).toBe('p2:8080');
    expect(label('https://open.feishu.cn', undefined, { HTTPS_PROXY: 'http://p1:3128' })).toBe('p1:3128');
    expect(label('https://open.feishu.cn', undefined, { HTTP_PROXY: 'http://p1:3128' })).toBeUndefined();
    expect(label('https://open.feishu.cn', undefined, { ALL_PROXY: 'p3' })).toBe('p3:80');
    expect(label('http://10.0.0.5:8080', undefined, { HTTP_PROXY: 'http://p1:3128', HTTPS_PROXY: 'http://p9:1' })).toBe('p1:3128');
    expect(label('wss://open.feishu.cn/ws', undefined, { HTTPS_PROXY: 'https://p4' })).toBe('p4:443');
    expect(label('https://open.feishu.cn', undefined, {})).toBeUndefined();
  });

  it('the config wins over the environment', () => {
    expect(label('https://open.feishu.cn', 'http://corp:3128', { HTTPS_PROXY: 'http://p1:1' })).toBe('corp:3128');
  });

  it('NO_PROXY: exact hosts, domain suffixes, host:port, * ; applies to the config proxy too', () => {
    const env = { HTTPS_PROXY: 'http://p:3128' };
    expect(label('https://open.feishu.cn', undefined, { ...env, NO_PROXY: 'open.feishu.cn' })).toBeUndefined();
    expect(label('https://open.feishu.cn', undefined, { ...env, no_proxy: '.feishu.cn' })).toBeUndefined();
    expect(label('https://open.feishu.cn', undefined, { ...env, NO_PROXY: 'feishu.cn' })).toBeUndefined();
    expect(label('https://open.feishu.cn', undefined, { ...env, NO_PROXY: 'xfeishu.cn, larksuite.com' })).toBe('p:3128');
    expect(label('https://open.feishu.cn', undefined, { ...env, NO_PROXY: 'open.feishu.cn:8443' })).toBe('p:3128');
    expect(label('https://open.feishu.cn', undefined, { ...env, NO_PROXY: 'open.feishu.cn:443' })).toBeUndefined();
    expect(label('https://open.feishu.cn', 'http://corp:1', { NO_PROXY: '*' })).toBeUndefined();
  });

  it('a proxy that is not a URL is CONFIG_INVALID naming where it came from, without quoting it', () => {
    let err = {} as ConnectorError;
    try {
      proxyFor('https://open.feishu.cn', undefined, { HTTPS_PROXY: 'ftp://u:SECRETPW@h' });
    } catch (e) {
      err = e as ConnectorError;
    }
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(err.message).toContain('HTTPS_PROXY');
    expect(err.message).not.toContain('SECRETPW');
  });
});

describe('the proxy password is never printed', () => {
  it('maskProxyUrl keeps user, host and port, masks the password', () => {
    expect(maskProxyUrl('http://user:s3cr%40t@proxy.corp:3128')).toBe('http://user:****@proxy.corp:3128');
    expect(maskProxyUrl('http://proxy.corp:3128')).toBe('http://proxy.corp:3128');
    expect(maskProxyUrl('::garbage s3cret')).toBe('****');
  });

  it('connection.proxy: redactConfig masks it; an invalid one is rejected without quoting it', () => {
    const cfg = parseConfig({ connection: { appId: 'cli_x', appSecret: 's', proxy: 'http://u:TOPPW@p:3128' } }, {});
    expect(cfg.connection.proxy).toBe('http://u:TOPPW@p:3128');
    expect(JSON.stringify(redactConfig(cfg))).not.toContain('TOPPW');
    expect(redactConfig(cfg).connection.proxy).toBe('http://u:****@p:3128');
    let message = '';
    try {
      parseConfig({ connection: { appId: 'cli_x', appSecret: 's', proxy: 'socks5://u:TOPPW@p' } }, {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('connection.proxy');
    expect(message).not.toContain('TOPPW');
  });
});
