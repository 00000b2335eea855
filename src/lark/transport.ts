/**
 * The wire under LarkHttp: one request, one answer (status, headers, body text), or an error with a Node
 * error code. The default is node:http(s) with keep-alive agents, nothing else per request: no config
 * merging, no AbortSignal, one timer for the whole exchange.
 * Injectable, so tests can count or break requests.
 */
import http from 'node:http';
import https from 'node:https';

export interface WireRequest {
  method: 'GET' | 'POST';
  /** Path and query, e.g. /open-apis/im/v1/messages?receive_id_type=open_id */
  path: string;
  headers: Record<string, string>;
  /** JSON text, or a multipart body's bytes. */
  body?: string | Buffer;
  /** Fails with ETIMEDOUT when the socket stays silent this long. */
  timeoutMs: number;
}

export interface WireResponse {
  status: number;
  /** Lower-cased names, as Node gives them. */
  headers: Record<string, unknown>;
  body: string;
}

export interface Transport {
  send(req: WireRequest): Promise<WireResponse>;
  /** Destroys pooled sockets. */
  close(): void;
}

export interface NodeTransportOptions {
  /** e.g. https://open.feishu.cn or http://127.0.0.1:PORT (a path prefix is kept). */
  baseUrl: string;
  /** Sockets per host kept by the agent; default 64. */
  maxSockets?: number;
}

export class NodeTransport implements Transport {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly hostname: string;
  private readonly port: string;
  private readonly prefix: string;

  constructor(opts: NodeTransportOptions) {
    const url = new URL(opts.baseUrl);
    const secure = url.protocol === 'https:';
    const maxSockets = opts.maxSockets ?? 64;
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets }) : new http.Agent({ keepAlive: true, maxSockets });
    this.request = secure ? https.request : http.request;
    // Bracketed IPv6 literals are passed to Node without their brackets.
    this.hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = url.port;
    this.prefix = url.pathname.replace(/\/+$/, '');
  }

  send(req: WireRequest): Promise<WireResponse> {
    return new Promise<WireResponse>((resolve, reject) => {
      const r = this.request(
        { hostname: this.hostname, port: this.port, path: this.prefix + req.path, method: req.method, headers: req.headers, agent: this.agent },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          });
          res.on('error', fail);
        },
      );
      function fail(err: unknown): void {
        clearTimeout(timer);
        reject(err);
      }
      // One timer for the whole exchange (connect, send, answer).
      const timer = setTimeout(() => r.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), req.timeoutMs);
      r.on('error', fail);
      r.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
