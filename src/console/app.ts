/**
 * One console's state and its request handling: the host / origin check, the printed URL's token turned
 * into a cookie, the API through the route table (routes.ts) behind the token, and the page's static files.
 * One instance per startConsole() (no global state).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { RouteTable } from '../core/route-table.js';
import { isRecord } from '../core/is-record.js';
import { hasToken, tokenCookie, urlHasToken } from './access.js';
import { configError, type ApiRoute, type AppOptions, type ConnectorUse, type ConsoleContext } from './api.js';
import { ConfigStore, fieldKey, otherParts, splitConfig } from './config-store.js';
import { HttpError, readJsonBody, sendError, setSecurityHeaders } from './http-util.js';
import { API_ROUTES } from './routes.js';
import { RunStore } from './runs.js';
import { checkRequest } from './security.js';
import { SenderNames } from './source-preview.js';
import { serveStatic } from './static.js';
import { tokenPage, type TokenProblem } from './token-page.js';

/** The paths that serve the page (its script needs the token). */
const PAGE_PATHS = new Set(['/', '/index.html']);
import type { ConnectorLike, EmulatorHandle, MessageOutcome, RawConfig } from './types.js';

export class ConsoleApp implements ConsoleContext {
  port = 0;
  readonly config: ConfigStore;
  readonly runs = new RunStore();
  readonly senderNames = new SenderNames();
  emulator: EmulatorHandle | undefined;
  private readonly routes = new RouteTable<ApiRoute>(API_ROUTES);
  private readonly aborts = new Set<AbortController>();

  constructor(readonly options: AppOptions) {
    this.config = new ConfigStore(options.manifest);
  }

  get token(): string {
    return this.options.token;
  }

  useEmulator(emu: EmulatorHandle): void {
    this.emulator = emu;
    const m = this.options.manifest;
    this.config.update({
      connection: {
        [fieldKey(m, 'connection', ['appId', 'app_id'])]: emu.demoApp.appId,
        [fieldKey(m, 'connection', ['appSecret', 'app_secret'])]: emu.demoApp.appSecret,
        [fieldKey(m, 'connection', ['domain', 'baseUrl', 'base_url'])]: emu.baseUrl,
      },
    });
  }

  async loadConfigFile(file: string): Promise<void> {
    const abs = path.resolve(file);
    let text: string;
    try {
      text = await readFile(abs, 'utf8');
    } catch (err) {
      throw new HttpError(404, 'FILE_NOT_FOUND', `cannot read ${abs}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'CONFIG_INVALID', `${abs} is not valid JSON`);
    }
    let next: RawConfig;
    try {
      next = splitConfig(value, this.options.manifest);
    } catch (err) {
      throw new HttpError(400, 'CONFIG_INVALID', `${abs}: ${(err as Error).message}`);
    }
    this.validate(next, abs);
    this.config.replace(next, otherParts(value));
  }

  validate(raw: RawConfig, file?: string): void {
    try {
      this.options.backend.validateConfig?.(raw);
    } catch (err) {
      const e = configError(err, (s) => this.scrub(s));
      throw file ? new HttpError(e.status, e.code, `${file}: ${e.message}`) : e;
    }
  }

  abortAll(): void {
    for (const a of this.aborts) a.abort();
  }

  track(abort: AbortController): () => void {
    this.aborts.add(abort);
    return () => this.aborts.delete(abort);
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.config.secretValues()) out = out.split(s).join('******');
    return out;
  }

  reply(res: ServerResponse, status: number, body: unknown): void {
    const text = this.scrub(JSON.stringify(body));
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
    res.end(text);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res);
    const check = checkRequest(req, this.port);
    if (!check.ok) return sendError(res, new HttpError(check.status, 'FORBIDDEN', check.message));
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    try {
      // Opened from the printed URL: the token becomes a cookie, and the address bar loses it.
      if (url.searchParams.has('token') && (method === 'GET' || method === 'HEAD')) {
        if (!urlHasToken(url, this.options.token)) return this.sendTokenPage(req, res, 403, 'wrong', method === 'HEAD');
        res.writeHead(303, { 'set-cookie': tokenCookie(this.options.token), location: url.pathname, 'cache-control': 'no-store' });
        return void res.end();
      }
      if (url.pathname.startsWith('/api/')) {
        if (!hasToken(req, this.options.token)) {
          throw new HttpError(401, 'TOKEN_REQUIRED', 'open the console with the URL it printed at start (it carries the access token)');
        }
        return await this.api(method, url, req, res);
      }
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'method not allowed');
      // The page itself needs the token (its script calls the API): without it, say how to open the console.
      if (PAGE_PATHS.has(url.pathname) && !hasToken(req, this.options.token)) {
        return this.sendTokenPage(req, res, 401, 'missing', method === 'HEAD');
      }
      if (await serveStatic(this.options.staticDir, url.pathname, res, method === 'HEAD')) return;
      throw new HttpError(404, 'NOT_FOUND', 'not found');
    } catch (err) {
      if (err instanceof HttpError) {
        if (!res.headersSent) this.reply(res, err.status, { error: { code: err.code, message: err.message } });
        return;
      }
      throw err;
    }
  }

  private sendTokenPage(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    problem: TokenProblem,
    headOnly: boolean,
  ): void {
    // The host was checked (a loopback name with this port), so it is the address the user typed.
    const html = tokenPage(this.options.lang, problem, `http://${req.headers.host ?? `127.0.0.1:${this.port}`}`);
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(html),
      'cache-control': 'no-store',
    });
    res.end(headOnly ? undefined : html);
  }

  private async api(method: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = this.routes.match(method, url.pathname);
    if (match.kind === 'not-found') throw new HttpError(404, 'NOT_FOUND', `no route ${method} ${url.pathname}`);
    if (match.kind === 'wrong-method') {
      res.setHeader('allow', match.allow.join(', '));
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${url.pathname} takes ${match.allow.join(' or ')}, not ${method}`);
    }
    const body = async (): Promise<Record<string, unknown>> => {
      const v = await readJsonBody(req, this.options.maxBodyBytes);
      if (!isRecord(v)) throw new HttpError(400, 'BAD_REQUEST', 'request body must be a JSON object');
      return v;
    };
    await match.route.handler(this, { method, url, params: match.params, req, res, body });
  }

  connector(use: ConnectorUse = {}): ConnectorLike {
    try {
      const full = this.config.forRun();
      return this.options.backend.createConnector(use.connectionOnly ? { ...full, node: {} } : full, {
        dryRun: use.dryRun ?? false,
        ...(use.onEvent ? { onEvent: use.onEvent } : {}),
      });
    } catch (err) {
      throw configError(err, (s) => this.scrub(s));
    }
  }

  async withConnector<T>(fn: (c: ConnectorLike) => Promise<T>, use: ConnectorUse = {}): Promise<T> {
    const connector = this.connector(use);
    try {
      return await fn(connector);
    } finally {
      connector.close();
    }
  }

  withAdvice(o: MessageOutcome): MessageOutcome & { advice?: string } {
    if (o.status !== 'failed' || o.error.larkCode === undefined || !this.options.backend.adviceFor) return o;
    const advice = this.options.backend.adviceFor(o.error.larkCode);
    return advice && !o.error.message.includes(advice) ? { ...o, advice } : o;
  }
}
