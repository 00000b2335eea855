/**
 * Lark requests over a Transport (default: one axios instance with keep-alive agents, see transport.ts).
 * Every outcome other than `code: 0` becomes a clean LarkError (no request body, token or secret inside).
 */
import { isRecord } from '../core/is-record.js';
import { multipartBody, type MultipartField } from './multipart.js';
import { LarkError, headerString, larkErrorFromResponse, type LarkCodeClass } from './errors.js';
import { type ErrorStops } from '../core/errors.js';
import { proxyAgent } from './proxy.js';
import type { ProxyRoute } from './proxy-url.js';
import { AxiosTransport, DEFAULT_MAX_SOCKETS, type Transport, type WireResponse } from './transport.js';

export interface LarkHttpOptions {
  baseUrl: string;
  /** Per request (socket silent this long); default 10 s. */
  timeoutMs?: number;
  /** Sockets per host kept by the default transport; default 64. */
  maxSockets?: number;
  /** For Retry-After HTTP dates. */
  now?: () => number;
  /** Default: AxiosTransport on baseUrl. */
  transport?: Transport;
  /** The proxy the default transport goes through (see proxy.ts); named in errors, its password never. */
  proxy?: ProxyRoute;
}

export interface LarkRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** e.g. /open-apis/im/v1/messages */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** A multipart/form-data body instead of JSON (uploads). */
  multipart?: readonly MultipartField[];
  /** Tenant token; sent as Authorization: Bearer. */
  token?: string;
  /** Scope the API needs, named in permission errors. */
  scope?: string;
  /** Strings to blank out of any text that ends up in an error (the App Secret on the token call). */
  redact?: string[];
  /** What a missing scope on this API stops (default: the error table's). */
  permissionStops?: ErrorStops;
  /** Overrides the client's timeout (connection tests answer fast). */
  timeoutMs?: number;
  /** This endpoint's own Lark codes (see MESSAGE_CHANGE_CODES). */
  codes?: Readonly<Record<number, LarkCodeClass>>;
}

/** A successful (code 0) Lark response. */
export interface LarkResponse<T = Record<string, unknown>> {
  status: number;
  body: T & { code: 0; msg?: string };
  logId?: string;
  headers: Record<string, unknown>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** How a request failed without an HTTP answer, in words a user can act on. */
export type WireFailure = 'refused' | 'DNS' | 'TLS' | 'timeout' | 'reset' | 'unreachable' | 'proxy' | 'network';

/** A request that got no HTTP answer. Only the method, path, host and Node error code survive. */
export class WireError extends LarkError {
  readonly failure: WireFailure;
  readonly errCode: string;
  constructor(opts: ConstructorParameters<typeof LarkError>[0] & { failure: WireFailure; errCode: string }) {
    const { failure, errCode, ...rest } = opts;
    super(rest);
    this.failure = failure;
    this.errCode = errCode;
  }
}

export class LarkHttp {
  private readonly transport: Transport;
  private readonly timeoutMs: number;
  private readonly host: string;
  private readonly now: () => number;
  private readonly proxy: ProxyRoute | undefined;

  constructor(opts: LarkHttpOptions) {
    const baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.proxy = opts.proxy;
    const maxSockets = opts.maxSockets ?? DEFAULT_MAX_SOCKETS;
    this.transport =
      opts.transport ??
      new AxiosTransport({ baseUrl, timeoutMs: this.timeoutMs, maxSockets, ...(opts.proxy ? { agent: proxyAgent(baseUrl, opts.proxy, maxSockets) } : {}) });
    this.host = hostOf(baseUrl);
    this.now = opts.now ?? Date.now;
  }

  /** host[:port] of the base URL, as error messages name it. */
  get hostName(): string {
    return this.host;
  }

  async request<T = Record<string, unknown>>(req: LarkRequest): Promise<LarkResponse<T>> {
    let headers: Record<string, string> = req.token ? { Authorization: `Bearer ${req.token}` } : NO_HEADERS;
    let body: string | Buffer | undefined = req.body === undefined ? undefined : JSON.stringify(req.body);
    if (req.multipart) {
      const form = multipartBody(req.multipart);
      body = form.body;
      headers = { ...headers, 'Content-Type': form.contentType };
    }
    let res: WireResponse;
    try {
      res = await this.transport.send({ method: req.method, path: pathWithQuery(req.path, req.query), headers, ...(body !== undefined ? { body } : {}), timeoutMs: req.timeoutMs ?? this.timeoutMs });
    } catch (err) {
      // Deliberately NOT attached as cause: keep whatever the transport's error holds out of reports.
      throw wireError(err, req, this.host, this.proxy);
    }
    if (res.status === 407 && this.proxy) throw proxyRefused(req, this.proxy);
    const parsed = parseJson(res.body);
    const larkCode = codeOf(parsed);
    // An error with neither a Lark body nor a Lark log id, through a proxy: the proxy's own answer that it could
    // not reach Lark (a CONNECT refused, a 502 / 503 / 504). No answer from Lark: the circuit and the verdict.
    const fromLark = larkCode !== undefined || headerString(res.headers, 'x-tt-logid') !== undefined;
    if (this.proxy && res.status >= 400 && !fromLark) throw proxyCouldNotReach(req, this.host, this.proxy, res.status);
    if (res.status >= 200 && res.status < 300 && larkCode === 0) {
      return { status: res.status, body: parsed as LarkResponse<T>['body'], logId: headerString(res.headers, 'x-tt-logid'), headers: res.headers };
    }
    throw this.errorFor(req, res.status, res.headers, parsed, larkCode);
  }

  /** Destroys the keep-alive sockets. */
  close(): void {
    this.transport.close();
  }

  private errorFor(req: LarkRequest, status: number, headers: Record<string, unknown>, parsed: unknown, larkCode: number | undefined): LarkError {
    if (parsed === undefined && status < 500 && status !== 429) {
      return new LarkError({
        code: 'LARK_API_ERROR',
        message: `${req.method} ${req.path} answered HTTP ${status} with a non-JSON body: check the domain / base URL points at the Lark Open Platform`,
        httpStatus: status,
        logId: headerString(headers, 'x-tt-logid'),
      });
    }
    const rawMsg = isRecord(parsed) && typeof parsed.msg === 'string' ? parsed.msg : undefined;
    const msg = redact(rawMsg, req.redact);
    const args = {
      larkCode, msg, httpStatus: status, headers, now: this.now(),
      ...(req.permissionStops ? { permissionStops: req.permissionStops } : {}),
      ...(req.codes ? { codes: req.codes } : {}),
    };
    // A 2xx body with no code at all is not Lark talking: say so.
    if (larkCode === undefined && status < 300) args.msg = msg ?? `unexpected response from ${req.method} ${req.path} (no code in the body)`;
    return larkErrorFromResponse(req.scope === undefined ? args : { ...args, scope: req.scope });
  }
}

const FAILURES: Array<[WireFailure, RegExp]> = [
  ['refused', /^ECONNREFUSED$/],
  ['DNS', /^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME|EAI_NODATA)$/],
  ['timeout', /^(ETIMEDOUT|ECONNABORTED|ESOCKETTIMEDOUT|UND_ERR_CONNECT_TIMEOUT)$/],
  ['TLS', /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|EPROTO$|HOSTNAME_MISMATCH$)/],
  ['reset', /^(ECONNRESET|EPIPE)$/],
  ['unreachable', /^(EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENETDOWN|EADDRNOTAVAIL)$/],
];

const FAILURE_WORDS: Record<WireFailure, string> = {
  refused: 'connection refused',
  DNS: 'host name not found (DNS)',
  TLS: 'TLS handshake failed',
  timeout: 'timed out',
  reset: 'connection reset',
  unreachable: 'host unreachable',
  proxy: 'the proxy could not reach it',
  network: 'network error',
};

/** What a Node error code means for the user. */
export function wireFailureOf(errCode: string): WireFailure {
  for (const [failure, re] of FAILURES) if (re.test(errCode)) return failure;
  return 'network';
}

export function describeWireFailure(failure: WireFailure): string {
  return FAILURE_WORDS[failure];
}

/** A clean error for a request that got no HTTP response: only the method, path, host and error code survive. */
function wireError(err: unknown, req: LarkRequest, host: string, proxy: ProxyRoute | undefined): WireError {
  const errCode = errorCode(err);
  const failure = wireFailureOf(errCode);
  const where = `${req.method} ${req.path} to ${host}${proxy ? ` through the proxy at ${proxy.label}` : ''}`;
  // Through a proxy the only connection made is to the proxy: refused / unknown / unreachable is the proxy's.
  if (proxy && (failure === 'refused' || failure === 'DNS' || failure === 'unreachable')) {
    return new WireError({
      code: 'PROXY_UNREACHABLE',
      retryable: false,
      failure,
      errCode,
      message: `cannot reach the proxy at ${proxy.label}: ${FAILURE_WORDS[failure]} (${errCode}): check connection.proxy / HTTPS_PROXY (or add the Lark host to NO_PROXY)`,
    });
  }
  if (failure === 'timeout') {
    return new WireError({ code: 'TIMEOUT', retryable: true, failure, errCode, message: `${where} timed out (${errCode}): retried automatically; raise timeoutMs if this keeps happening` });
  }
  const advice = failure === 'DNS' || failure === 'TLS' ? 'check the domain / base URL and the network' : 'check the network / proxy and the domain';
  return new WireError({ code: 'NETWORK', retryable: true, failure, errCode, message: `${where} failed before a response: ${FAILURE_WORDS[failure]} (${errCode}): ${advice}; retried automatically` });
}

function proxyCouldNotReach(req: LarkRequest, host: string, proxy: ProxyRoute, status: number): WireError {
  return new WireError({
    code: 'NETWORK',
    retryable: true,
    failure: 'proxy',
    errCode: `PROXY_HTTP_${status}`,
    httpStatus: status,
    message:
      `${req.method} ${req.path} to ${host} through the proxy at ${proxy.label}: the proxy answered HTTP ${status} ` +
      `itself (it could not reach Lark): check that the proxy can reach ${host}, or add it to NO_PROXY; ` +
      'retried automatically',
  });
}

function proxyRefused(req: LarkRequest, proxy: ProxyRoute): LarkError {
  return new LarkError({
    code: 'PROXY_REFUSED',
    retryable: false,
    httpStatus: 407,
    message: `the proxy at ${proxy.label} refused ${req.method} ${req.path}: 407 proxy authentication required: check the user and password in connection.proxy / HTTPS_PROXY`,
  });
}

/** Error code only (ECONNREFUSED, ECONNRESET, ENOTFOUND...): never the error message, which may echo request details. */
function errorCode(err: unknown): string {
  const code = isRecord(err) && typeof err.code === 'string' ? err.code : undefined;
  if (code && /^[A-Z0-9_]+$/.test(code)) return code;
  const message = err instanceof Error ? err.message : '';
  return /socket hang up|aborted/i.test(message) ? 'ECONNRESET' : 'UNKNOWN';
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}

/** path?query with undefined values left out. */
function pathWithQuery(path: string, query: LarkRequest['query']): string {
  if (!query) return path;
  let qs = '';
  for (const key in query) {
    const v = query[key];
    if (v === undefined) continue;
    qs += `${qs ? '&' : '?'}${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`;
  }
  return path + qs;
}

function redact(text: string | undefined, secrets: string[] | undefined): string | undefined {
  if (text === undefined || !secrets) return text;
  return secrets.filter((s) => s.length > 0).reduce((t, s) => t.split(s).join('******'), text);
}

function parseJson(data: unknown): unknown {
  if (typeof data !== 'string') return data ?? undefined;
  if (data.trim() === '') return undefined;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

function codeOf(body: unknown): number | undefined {
  return isRecord(body) && typeof body.code === 'number' ? body.code : undefined;
}

export { isRecord };
