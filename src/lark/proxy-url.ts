/**
 * Proxies as users set them: the config's connection.proxy, else HTTPS_PROXY / HTTP_PROXY (lower-case first,
 * as curl reads them; ALL_PROXY last), unless NO_PROXY names the host. No agent here (the config reads it, and a
 * dry-run loads no HTTP stack): the agents are in proxy.ts. The proxy's password is never printed: every text
 * that names a proxy uses proxyLabel (host:port) or maskProxyUrl.
 */
import { ConnectorError } from '../core/errors.js';

export type ProxyEnv = Record<string, string | undefined>;

/** A proxy in use: its URL (with credentials, for the agent only) and how texts name it. */
export interface ProxyRoute {
  url: URL;
  /** host:port, what errors and `check` name. */
  label: string;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };

/** The proxy for requests to `target`, or undefined for a direct connection. A bad URL: CONFIG_INVALID, unquoted. */
export function proxyFor(target: string, configured: string | undefined, env: ProxyEnv = process.env): ProxyRoute | undefined {
  const url = new URL(target);
  if (noProxy(url, read(env, 'no_proxy'))) return undefined;
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const names = secure ? ['https_proxy', 'all_proxy'] : ['http_proxy', 'all_proxy'];
  const from = configured?.trim() ? 'connection.proxy' : names.map((n) => readName(env, n)).find((n) => n !== undefined);
  if (!from) return undefined;
  const raw = from === 'connection.proxy' ? configured!.trim() : env[from]!.trim();
  try {
    const proxy = parseProxyUrl(raw);
    return { url: proxy, label: proxyLabel(proxy) };
  } catch (err) {
    throw new ConnectorError({ code: 'CONFIG_INVALID', field: from, message: `${from}: ${(err as Error).message}` });
  }
}

/** A proxy URL: http(s)://[user:password@]host[:port]; a bare host:port means http://. Throws without quoting it. */
export function parseProxyUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new TypeError('the proxy is not a URL: use http://[user:password@]host:port');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('the proxy URL must start with http:// or https://');
  return url;
}

/** host:port of a proxy (the port its scheme implies when none is given). */
export function proxyLabel(url: URL): string {
  return `${url.hostname}:${url.port || DEFAULT_PORTS[url.protocol] || 80}`;
}

/** The URL as it may be printed: the password replaced by ****. */
export function maskProxyUrl(raw: string): string {
  try {
    const url = parseProxyUrl(raw);
    if (url.password) url.password = '****';
    return url.href.replace(/\/$/, '');
  } catch {
    // Not a URL: nothing in it can be told from a password, so none of it is printed.
    return '****';
  }
}

/** The variable that holds `name` (lower-case first, as curl reads them), when set. */
function readName(env: ProxyEnv, name: string): string | undefined {
  return [name, name.toUpperCase()].find((n) => env[n]?.trim());
}

function read(env: ProxyEnv, name: string): string | undefined {
  const n = readName(env, name);
  return n === undefined ? undefined : env[n]!.trim();
}

/** NO_PROXY: comma or space separated hosts, host:port, .domain or *.domain suffixes, or * for all. */
function noProxy(url: URL, list: string | undefined): boolean {
  if (!list) return false;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const port = Number(url.port || DEFAULT_PORTS[url.protocol] || 0);
  return list
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const m = /^(.+):(\d+)$/.exec(entry);
      if (m && !entry.startsWith('[') && Number(m[2]) !== port) return false;
      const name = (m ? m[1]! : entry).replace(/^\[(.*)\]$/, '$1').replace(/^\*/, '');
      return name.startsWith('.') ? host.endsWith(name) || host === name.slice(1) : host === name || host.endsWith(`.${name}`);
    });
}

/** A valid proxy URL (the config's check; the message never quotes it). */
export function isProxyUrl(raw: string): boolean {
  try {
    parseProxyUrl(raw);
    return true;
  } catch {
    return false;
  }
}
