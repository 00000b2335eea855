import type { IncomingMessage } from 'node:http';

const LOCAL_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * DNS-rebinding guard: a page on evil.example that rebinds its name to 127.0.0.1 still sends
 * "Host: evil.example", so only loopback host names with our port are served.
 */
export function isAllowedHost(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.trim().toLowerCase());
  if (!m) return false;
  const name = m[1]!;
  const p = m[2] === undefined ? 80 : Number(m[2]);
  return LOCAL_HOSTNAMES.has(name) && p === port;
}

/** Cross-site guard: a browser always sends Origin on POST; it must be this console itself. */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true; // not a browser cross-origin request (curl, the CLI, specs)
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:') return false;
  const p = url.port === '' ? 80 : Number(url.port);
  return LOCAL_HOSTNAMES.has(url.hostname) && p === port;
}

export function checkRequest(req: IncomingMessage, port: number): { ok: true } | { ok: false; status: number; message: string } {
  if (!isAllowedHost(req.headers.host, port)) {
    return { ok: false, status: 421, message: 'this console only answers to 127.0.0.1 / localhost' };
  }
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
  if (!isAllowedOrigin(origin, port)) {
    return { ok: false, status: 403, message: 'cross-origin requests are not allowed' };
  }
  // Browsers that send Fetch Metadata tell us directly when a request comes from another site.
  if (req.headers['sec-fetch-site'] === 'cross-site') {
    return { ok: false, status: 403, message: 'cross-site requests are not allowed' };
  }
  return { ok: true };
}
