/**
 * The wire: one axios instance per client with keep-alive agents and a timeout.
 * Every outcome other than `code: 0` becomes a clean LarkError (no axios object, no request body inside).
 */
import { isRecord } from '../is-record.js';
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { LarkError, headerString, larkErrorFromResponse } from './errors.js';

export interface LarkHttpOptions {
  baseUrl: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Sockets per host kept by the agents; default 64. */
  maxSockets?: number;
  /** For Retry-After HTTP dates. */
  now?: () => number;
}

export interface LarkRequest {
  method: 'GET' | 'POST';
  /** e.g. /open-apis/im/v1/messages */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Tenant token; sent as Authorization: Bearer. */
  token?: string;
  /** Scope the API needs, named in permission errors. */
  scope?: string;
  /** Strings to blank out of any text that ends up in an error (the App Secret on the token call). */
  redact?: string[];
}

/** A successful (code 0) Lark response. */
export interface LarkResponse<T = Record<string, unknown>> {
  status: number;
  body: T & { code: 0; msg?: string };
  logId?: string;
  headers: Record<string, unknown>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export class LarkHttp {
  private readonly axios: AxiosInstance;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly now: () => number;

  constructor(opts: LarkHttpOptions) {
    const maxSockets = opts.maxSockets ?? 64;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
    this.now = opts.now ?? Date.now;
    this.axios = axios.create({
      baseURL: opts.baseUrl.replace(/\/+$/, ''),
      timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // Lark puts business errors on 4xx (and some on 200): always read the body's code ourselves.
      validateStatus: () => true,
      // Parse ourselves so a non-JSON body (proxy error page, 502 HTML) is classified, not thrown.
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxRedirects: 0,
      transitional: { clarifyTimeoutError: true },
    });
  }

  async request<T = Record<string, unknown>>(req: LarkRequest): Promise<LarkResponse<T>> {
    const res = await this.send(req);
    const headers = plainHeaders(res.headers);
    const parsed = parseJson(res.data);
    const larkCode = codeOf(parsed);
    if (res.status >= 200 && res.status < 300 && larkCode === 0) {
      return { status: res.status, body: parsed as LarkResponse<T>['body'], logId: headerString(headers, 'x-tt-logid'), headers };
    }
    throw this.errorFor(req, res.status, headers, parsed, larkCode);
  }

  /** Destroys the keep-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async send(req: LarkRequest): Promise<AxiosResponse<unknown>> {
    try {
      return await this.axios.request({
        method: req.method,
        url: req.path,
        params: req.query,
        data: req.body,
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          ...(req.token ? { Authorization: `Bearer ${req.token}` } : {}),
        },
      });
    } catch (err) {
      // Deliberately NOT attached as cause: an AxiosError holds config.data (the request body, with the secret).
      throw wireError(err, req);
    }
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
    const args = { larkCode, msg, httpStatus: status, headers, now: this.now() };
    // A 2xx body with no code at all is not Lark talking: say so.
    if (larkCode === undefined && status < 300) args.msg = msg ?? `unexpected response from ${req.method} ${req.path} (no code in the body)`;
    return larkErrorFromResponse(req.scope === undefined ? args : { ...args, scope: req.scope });
  }
}

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/** A clean error for a request that got no HTTP response: only the method, path and error code survive. */
function wireError(err: unknown, req: LarkRequest): LarkError {
  const errCode = errorCode(err);
  const where = `${req.method} ${req.path}`;
  if (TIMEOUT_CODES.has(errCode)) {
    return new LarkError({ code: 'TIMEOUT', retryable: true, message: `${where} timed out (${errCode}): retried automatically; raise timeoutMs if this keeps happening` });
  }
  return new LarkError({ code: 'NETWORK', retryable: true, message: `${where} failed before a response (${errCode}): check the network / proxy and the domain; retried automatically` });
}

/** Error code only (ECONNREFUSED, ECONNRESET, ENOTFOUND...): never the axios message, which may echo request details. */
function errorCode(err: unknown): string {
  const code = isRecord(err) && typeof err.code === 'string' ? err.code : undefined;
  if (code && /^[A-Z0-9_]+$/.test(code)) return code;
  const message = err instanceof Error ? err.message : '';
  return /socket hang up/i.test(message) ? 'ECONNRESET' : 'UNKNOWN';
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

function plainHeaders(h: unknown): Record<string, unknown> {
  const src = isRecord(h) && typeof h.toJSON === 'function' ? (h.toJSON as () => unknown)() : h;
  const out: Record<string, unknown> = {};
  if (isRecord(src)) for (const [k, v] of Object.entries(src)) out[k.toLowerCase()] = v;
  return out;
}


export { isRecord };
