/**
 * The agents that go through a proxy (proxy-url.ts decides which one, if any): https and the long
 * connection's WebSocket through a CONNECT tunnel (https-proxy-agent), plain http as a forward request
 * (http-proxy-agent); Basic credentials come from the proxy URL.
 */
import type http from 'node:http';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { ProxyRoute } from './proxy-url.js';
import { TCP_KEEPALIVE_MS } from './transport.js';

/** The agent that reaches `target` through the proxy, keeping its connections alive. */
export function proxyAgent(target: string, proxy: ProxyRoute, maxSockets: number): http.Agent {
  const opts = { keepAlive: true, keepAliveMsecs: TCP_KEEPALIVE_MS, maxSockets };
  return new URL(target).protocol === 'https:' ? new HttpsProxyAgent(proxy.url, opts) : new HttpProxyAgent(proxy.url, opts);
}

/** The agent for a WebSocket (ws or wss): always a CONNECT tunnel, which carries the upgrade as is. */
export function tunnelAgent(proxy: ProxyRoute): http.Agent {
  return new HttpsProxyAgent(proxy.url);
}

