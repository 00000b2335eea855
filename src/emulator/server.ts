/**
 * The emulator's HTTP side: binds the port, reads each request's body (up to its route's limit), routes it
 * through the table, and writes the Reply the way Lark would (JSON, x-tt-logid), or loses or delays it as
 * a fault asks, after half the emulated round trip each way. Counts what every request ends as.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { MAX_BODY_BYTES, type EmulatorContext, type Route } from './endpoint.js';
import { larkError, logIdFactory, type Reply } from './reply.js';
import type { RouteMatch, RouteTable } from '../core/route-table.js';
import { bump } from './stats.js';

/** Starts listening (https when given a key and certificate); resolves once the port is bound. */
export async function listen(host: string, port: number, tls?: { key: string; cert: string }): Promise<{ server: Server; baseUrl: string }> {
  const server: Server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }) : createServer();
  // Longer than typical client keep-alive idle times, so a pooled socket is not closed under a request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return { server, baseUrl: `${tls ? 'https' : 'http'}://${host}:${bound}` };
}

export class EmulatorHttp {
  private readonly nextLogId: () => string;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed: Promise<void> | undefined;

  constructor(
    private readonly server: Server,
    private readonly routes: RouteTable<Route>,
    private readonly ctx: EmulatorContext,
  ) {
    this.nextLogId = logIdFactory(() => ctx.clock.now());
    server.on('request', (req, res) => this.onRequest(req, res));
    server.on('connection', () => ctx.stats.connections++);
  }

  /** Closes the server, drops open connections and pending delayed responses. Idempotent. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = parseUrl(req.url);
    const method = req.method ?? 'GET';
    const match = this.routes.match(method, url.pathname);
    const limit = (match.kind === 'found' && match.route.maxBodyBytes) || MAX_BODY_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => {
      const body = size > limit ? null : Buffer.concat(chunks);
      this.afterHalfTrip(() => void this.dispatch(req, res, url, match, body));
    });
    req.on('error', () => res.destroy());
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, url: URL, match: RouteMatch<Route>, body: Buffer | null): Promise<void> {
    const { stats } = this.ctx;
    const logId = this.nextLogId();
    const method = req.method ?? 'GET';
    stats.requests++;
    bump(stats.byEndpoint, match.kind === 'found' ? `${method} ${match.route.path}` : 'other');
    let reply: Reply;
    try {
      if (match.kind === 'found') {
        if (match.route.counter) stats[match.route.counter]++;
        reply = await match.route.handler(this.ctx, { method, url, params: match.params, headers: req.headers, body, logId });
      } else if (match.kind === 'wrong-method') {
        reply = { status: 405, headers: { allow: match.allow.join(', ') }, body: { code: 405, msg: '405 method not allowed' } };
      } else {
        reply = { status: 404, body: { code: 404, msg: '404 page not found' } };
      }
    } catch (err) {
      reply = larkError(500, 1500, `emulator internal error: ${(err as Error).message}`, logId);
    }
    this.write(req, res, reply, logId);
  }

  private write(req: IncomingMessage, res: ServerResponse, reply: Reply, logId: string): void {
    const { stats } = this.ctx;
    const code = reply.body['code'];
    if (typeof code === 'number' && code !== 0) bump(stats.errorsByCode, code);
    if (reply.lose) {
      stats.lostResponses++;
      req.socket.destroy();
      return;
    }
    if (reply.status === 429) stats.status429++;
    if (reply.status >= 500) stats.status5xx++;
    const payload = JSON.stringify(reply.body);
    const send = (): void => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(reply.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(payload),
        'x-tt-logid': logId,
        ...reply.headers,
      });
      res.end(payload);
    };
    if (reply.delayMs && reply.delayMs > 0) {
      stats.slowResponses++;
      this.later(reply.delayMs, () => this.afterHalfTrip(send));
    } else {
      this.afterHalfTrip(send);
    }
  }

  /** Half the emulated round trip (faults.latency), then fn; at once when there is none. */
  private afterHalfTrip(fn: () => void): void {
    const half = this.ctx.faults.roundTrip / 2;
    if (half <= 0) fn();
    else this.later(half, fn);
  }

  /** A timer close() cancels. */
  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}

/** A request target URL cannot parse (`http://[`) is routed as `/`: not found. */
function parseUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://emulator.local');
  } catch {
    return new URL('/', 'http://emulator.local');
  }
}
