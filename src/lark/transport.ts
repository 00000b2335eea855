/**
 * The wire under LarkHttp: one request, one answer (status, headers, body text), or an error with a Node
 * error code. The default is axios's own http adapter on a request config merged once per client: the base
 * URL, the keep-alive agent (or the proxy's agent), the JSON content type, every status resolved, the body
 * passed through as text both ways (no transforms: LarkHttp serialises and parses it once), no redirects (so
 * no follow-redirects wrapper), no proxy lookup of axios's own (proxy-url.ts decides).
 *
 * Why not `instance.request()`: per request it merges the instance defaults into a new config, builds the
 * interceptor chain, flattens the config again, normalises the headers into AxiosHeaders and runs the
 * (empty) transforms both ways: about 150 µs of CPU per request that repeats the same work on the same
 * values, as much as the rest of the pipeline costs. A request here is a child of the merged config
 * (`Object.create`: the adapter reads inherited fields, see AxiosTransport.send) carrying only its method,
 * path, headers, body and a timeout when it differs, handed to the adapter the instance would have called.
 * Injectable, so tests can count or break requests.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosAdapter, type AxiosRequestConfig, type AxiosResponse } from 'axios';
export interface WireRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. /open-apis/im/v1/messages?receive_id_type=open_id */
  path: string;
  /** Per-request headers (Authorization); the body, when there is one, is JSON text. */
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

export interface AxiosTransportOptions {
  /** e.g. https://open.feishu.cn or http://127.0.0.1:PORT (a path prefix is kept). */
  baseUrl: string;
  /** Sockets per host kept by the agent; default 64. */
  maxSockets?: number;
  /** The agent to connect with (a proxy's, see proxy.ts); default a keep-alive agent for the base URL's scheme. */
  agent?: http.Agent;
  /** The usual request timeout, held by the instance; a request that names another one overrides it. */
  timeoutMs?: number;
}

export const DEFAULT_MAX_SOCKETS = 64;
/**
 * TCP keep-alive probe delay of every pooled socket: axios sets 60 s on each request's socket and the agent sets
 * its keepAliveMsecs back when the socket is freed; with the same value on both, Node makes no setsockopt call.
 */
export const TCP_KEEPALIVE_MS = 60_000;

/** A keep-alive agent for the scheme of `baseUrl`. */
export function keepAliveAgent(baseUrl: string, maxSockets = DEFAULT_MAX_SOCKETS): http.Agent {
  const opts = { keepAlive: true, keepAliveMsecs: TCP_KEEPALIVE_MS, maxSockets };
  return new URL(baseUrl).protocol === 'https:' ? new https.Agent(opts) : new http.Agent(opts);
}

/** Sent on every request; the Authorization header is the request's own. */
const FIXED_HEADERS = { Accept: 'application/json', 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'lark-im-connector' };

export class AxiosTransport implements Transport {
  private readonly agent: http.Agent;
  /** The merged config every request inherits from. */
  private readonly template: AxiosRequestConfig;
  private readonly adapter: AxiosAdapter;
  private readonly timeoutMs: number | undefined;

  constructor(opts: AxiosTransportOptions) {
    const baseURL = opts.baseUrl.replace(/\/+$/, '');
    this.agent = opts.agent ?? keepAliveAgent(baseURL, opts.maxSockets);
    this.timeoutMs = opts.timeoutMs;
    // axios's global defaults (maxContentLength, maxBodyLength, transitional...) under ours, merged once; not
    // its per-method header buckets (every request's headers are FIXED_HEADERS and its own).
    const { headers: _methodHeaders, ...globals } = axios.defaults;
    const merged = axios.mergeConfig(globals, {
      baseURL,
      ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}),
      httpAgent: this.agent,
      httpsAgent: this.agent,
      // The agent is the proxy decision (proxy-url.ts, proxy.ts): axios must not read HTTP(S)_PROXY on its own.
      proxy: false,
      maxRedirects: 0,
      // Lark puts business errors on 4xx (and some on 200): every status is an answer, LarkHttp reads the code.
      validateStatus: null,
      responseType: 'text',
      responseEncoding: 'utf8',
      transitional: { ...axios.defaults.transitional, clarifyTimeoutError: true },
    });
    // A plain object, not mergeConfig's null-prototype one: the adapter reads a request's fields through its
    // prototype chain but stops at an object without a prototype. The headers are each request's own (the
    // adapter normalises them in place); the transforms, the adapter choice, xsrf* (browsers) and env (FormData
    // and Blob bodies) are the dispatcher's business, which this path does not take.
    this.template = { ...merged, headers: undefined };
    for (const key of ['transformRequest', 'transformResponse', 'adapter', 'xsrfCookieName', 'xsrfHeaderName', 'env']) {
      delete (this.template as Record<string, unknown>)[key];
    }
    this.adapter = axios.getAdapter('http');
  }

  async send(req: WireRequest): Promise<WireResponse> {
    const config = Object.create(this.template) as AxiosRequestConfig;
    config.method = req.method;
    config.url = req.path;
    config.headers = { ...FIXED_HEADERS, ...req.headers };
    if (req.body !== undefined) config.data = req.body;
    if (req.timeoutMs !== this.timeoutMs) config.timeout = req.timeoutMs;
    const res = (await this.adapter(config as Parameters<AxiosAdapter>[0])) as AxiosResponse<string>;
    return { status: res.status, headers: res.headers as Record<string, unknown>, body: res.data ?? '' };
  }

  close(): void {
    this.agent.destroy();
  }
}
