import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigStore, fieldKey, otherParts, splitConfig } from './config-store.js';
import { isRecord } from '../core/is-record.js';
import { HttpError, readJsonBody, sendError, setSecurityHeaders, MAX_BODY_BYTES } from './http-util.js';
import { parseRecordsText } from './records.js';
import { RunStore, type Run, type RunEvent } from './runs.js';
import { sampleRecords } from './sample.js';
import { pickReceivers } from './receivers-api.js';
import { previewChat, sourceChats } from './source-preview.js';
import { checkRequest } from './security.js';
import { hasToken, newToken, tokenCookie, urlHasToken } from './access.js';
import { confinedPath, fileHttpError } from './config-files.js';
import { DEFAULT_STATIC_DIR, serveStatic } from './static.js';
import type { ConsoleBackend, ConnectorLike, EmulatorHandle, InputRecord, Manifest, MessageOutcome, RawConfig } from './types.js';

export const DEFAULT_PORT = 4780;
export type ConsoleLang = 'en_US' | 'zh_CN' | 'zh_TW';

export interface ConsoleOptions {
  /** Default 4780; 0 picks a free port. */
  port?: number;
  /** Loopback only: the console holds an App Secret and can send messages. */
  host?: '127.0.0.1';
  /** Start the embedded Lark emulator and pre-fill the form with its demo app. */
  emulator?: boolean;
  /** Initial UI language (en_US | zh_CN | zh_TW; "zh-CN", "zh-tw", "en" also accepted). */
  lang?: string;
  /** A config file ({connection, node}) to load at start. */
  configPath?: string;
  /** Defaults to the real connector modules; specs inject fakes. */
  backend?: ConsoleBackend;
  staticDir?: string;
  maxBodyBytes?: number;
  now?: () => number;
  /** The API token of this start (default: random). The printed URL carries it. */
  token?: string;
  /** The only folder config files are loaded from and saved to (default: the folder of configPath, else the working folder). */
  root?: string;
}

export interface ConsoleHandle {
  /** The URL to open: it carries the token (`?token=`), which the first load turns into a cookie. */
  url: string;
  /** This start's API token (a cookie or the x-console-token header on every API call). */
  token: string;
  port: number;
  /** Set when started with emulator: true. */
  emulatorUrl?: string;
  close(): Promise<void>;
}

export function normalizeLang(lang: string | undefined): ConsoleLang {
  const l = (lang ?? '').toLowerCase().replace('-', '_');
  if (l === 'zh_tw' || l === 'zh_hk' || l === 'zh_hant') return 'zh_TW';
  if (l.startsWith('zh')) return 'zh_CN';
  return 'en_US';
}

export async function startConsole(opts: ConsoleOptions = {}): Promise<ConsoleHandle> {
  const backend = opts.backend ?? (await import('./real-backend.js')).createRealBackend();
  const manifest = await backend.manifest();
  const app = new ConsoleApp({
    backend, manifest,
    staticDir: opts.staticDir ?? DEFAULT_STATIC_DIR,
    maxBodyBytes: opts.maxBodyBytes ?? MAX_BODY_BYTES,
    lang: normalizeLang(opts.lang),
    now: opts.now ?? Date.now,
    token: opts.token ?? newToken(),
    root: path.resolve(opts.root ?? (opts.configPath ? path.dirname(opts.configPath) : process.cwd())),
  });

  let emulator: EmulatorHandle | undefined;
  if (opts.emulator) {
    if (!backend.startEmulator) throw new Error('this backend has no emulator');
    emulator = await backend.startEmulator();
    app.useEmulator(emulator);
  }
  if (opts.configPath) await app.loadConfigFile(opts.configPath);

  const server = http.createServer((req, res) => {
    app.handle(req, res).catch((err: unknown) => {
      // A connector's failure (e.g. STORE_UNAVAILABLE: the config's Redis is down) keeps its stable code.
      const e = err as { code?: unknown; retryable?: unknown } | undefined;
      const coded = typeof e?.code === 'string' && typeof e.retryable === 'boolean';
      if (!res.headersSent) sendError(res, new HttpError(coded ? 502 : 500, coded ? (e.code as string) : 'INTERNAL', app.scrub(String((err as Error)?.message ?? err))));
      else res.end();
    });
  });
  // SSE streams stay open: close() must not wait for them.
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });

  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? DEFAULT_PORT, host, () => { server.off('error', reject); resolve(); });
    });
  } catch (err) {
    await emulator?.stop();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  app.port = port;

  return {
    url: `http://${host}:${port}/?token=${app.token}`,
    token: app.token,
    port,
    ...(emulator ? { emulatorUrl: emulator.baseUrl } : {}),
    async close() {
      app.abortAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await emulator?.stop();
    },
  };
}

interface AppOptions {
  backend: ConsoleBackend; manifest: Manifest; staticDir: string; maxBodyBytes: number; lang: ConsoleLang; now: () => number;
  token: string; root: string;
}

/** The API's routes and the methods each takes: another method is 405, an unknown path 404. */
const API_ROUTES: Record<string, string[]> = {
  '/api/state': ['GET'],
  '/api/manifest': ['GET'],
  '/api/sample': ['GET'],
  '/api/config': ['POST'],
  '/api/config/load': ['POST'],
  '/api/config/save': ['POST'],
  '/api/test': ['POST'],
  '/api/dry-run': ['POST'],
  '/api/send': ['POST'],
  '/api/source/chats': ['POST'],
  '/api/source/preview': ['POST'],
};
const RUN_ROUTE = /^\/api\/runs\/([\w-]+)(\/events|\/report)?$/;

/** Routes and state of one console; one instance per startConsole() (no global state). */
class ConsoleApp {
  port = 0;
  private readonly config: ConfigStore;
  private readonly runs = new RunStore();
  private readonly aborts = new Set<AbortController>();
  private emulator?: EmulatorHandle;

  constructor(private readonly o: AppOptions) {
    this.config = new ConfigStore(o.manifest);
  }

  get token(): string {
    return this.o.token;
  }

  useEmulator(emu: EmulatorHandle): void {
    this.emulator = emu;
    const m = this.o.manifest;
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
    let next;
    try {
      next = splitConfig(value, this.o.manifest);
    } catch (err) {
      throw new HttpError(400, 'CONFIG_INVALID', `${abs}: ${(err as Error).message}`);
    }
    this.validate(next, abs);
    this.config.replace(next, otherParts(value));
  }

  /** The backend's check (the CLI's schema); credentials may still be missing while the form is filled in. */
  private validate(raw: RawConfig, file?: string): void {
    try {
      this.o.backend.validateConfig?.(raw);
    } catch (err) {
      const e = configError(err, this);
      throw file ? new HttpError(e.status, e.code, `${file}: ${e.message}`) : e;
    }
  }

  abortAll(): void {
    for (const a of this.aborts) a.abort();
  }

  /** Last line of defence: no secret value ever leaves in a response, whatever produced the text. */
  scrub(text: string): string {
    let out = text;
    for (const s of this.config.secretValues()) out = out.split(s).join('******');
    return out;
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
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
        if (!urlHasToken(url, this.o.token)) throw new HttpError(403, 'TOKEN_WRONG', 'this is not the URL the console printed at start: open that one');
        res.writeHead(303, { 'set-cookie': tokenCookie(this.o.token), location: url.pathname, 'cache-control': 'no-store' });
        return void res.end();
      }
      if (url.pathname.startsWith('/api/')) {
        if (!hasToken(req, this.o.token)) {
          throw new HttpError(401, 'TOKEN_REQUIRED', 'open the console with the URL it printed at start (it carries the access token)');
        }
        return await this.api(method, url, req, res);
      }
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'method not allowed');
      if (await serveStatic(this.o.staticDir, url.pathname, res, method === 'HEAD')) return;
      throw new HttpError(404, 'NOT_FOUND', 'not found');
    } catch (err) {
      if (err instanceof HttpError) {
        if (!res.headersSent) this.reply(res, err.status, { error: { code: err.code, message: err.message } });
        return;
      }
      throw err;
    }
  }

  private async api(method: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = `${method} ${url.pathname}`;
    const body = async (): Promise<Record<string, unknown>> => {
      const v = await readJsonBody(req, this.o.maxBodyBytes);
      if (!isRecord(v)) throw new HttpError(400, 'BAD_REQUEST', 'request body must be a JSON object');
      return v;
    };
    switch (route) {
      case 'GET /api/state':
        return this.reply(res, 200, {
          config: this.config.publicView(),
          lang: this.o.lang,
          emulator: this.emulator ? { baseUrl: this.emulator.baseUrl } : null,
          maxBodyBytes: this.o.maxBodyBytes,
        });
      case 'GET /api/manifest':
        return this.reply(res, 200, this.o.manifest);
      case 'GET /api/sample':
        return this.reply(res, 200, { text: sampleRecords(this.emulator) });
      case 'POST /api/config': {
        // Checked as the CLI checks a config (same schema, unknown keys refused) before it is kept.
        const next = this.config.preview(await body());
        this.validate(next);
        this.config.replace(next);
        return this.reply(res, 200, { config: this.config.publicView() });
      }
      case 'POST /api/config/load': {
        const given = requirePath(await body());
        const file = await confinedPath(this.o.root, given, 'load');
        await this.loadConfigFile(file);
        return this.reply(res, 200, { path: file, config: this.config.publicView() });
      }
      case 'POST /api/config/save': {
        const given = requirePath(await body());
        const file = await confinedPath(this.o.root, given, 'save');
        await refuseForeignFile(file, given);
        // The user chose this file for the CLI, so it holds the secret; keep it private to the user.
        await writeFile(file, JSON.stringify(this.config.forFile(), null, 2) + '\n', { mode: 0o600 }).catch((err: unknown) => {
          throw fileHttpError(given, err);
        });
        return this.reply(res, 200, { path: file, config: this.config.publicView() });
      }
      case 'POST /api/test': {
        await body(); // the current config; an optional body is accepted but must be JSON
        const items = await this.withConnector((c) => c.connectionTest());
        return this.reply(res, 200, { items });
      }
      case 'POST /api/dry-run': {
        const records = await parseRecordsText(requireText(await body()));
        const outcomes: MessageOutcome[] = [];
        const summary = await this.withConnector(
          (c) => c.writeStream(records, { dryRun: true, onOutcome: (o) => outcomes.push(this.withAdvice(o)) }),
          { dryRun: true },
        );
        return this.reply(res, 200, { records: records.length, outcomes, summary });
      }
      case 'POST /api/receivers': {
        const args = await body();
        // Only the connection matters to the picker: a fixed-mode node still without receivers must not block it.
        return this.reply(res, 200, await this.withConnector((c) => pickReceivers(c, args), { connectionOnly: true }));
      }
      case 'POST /api/source/chats': {
        await body();
        const chats = await this.withConnector((c) => sourceChats(c));
        return this.reply(res, 200, { chats });
      }
      case 'POST /api/source/preview': {
        const b = await body();
        if (typeof b.chatId !== 'string' || !/^oc_\w+$/.test(b.chatId)) throw new HttpError(400, 'BAD_REQUEST', 'chatId must be a chat_id (oc_...)');
        const limit = typeof b.limit === 'number' ? b.limit : 20;
        const messages = await this.withConnector((c) => previewChat(c, b.chatId as string, limit));
        return this.reply(res, 200, { messages });
      }
      case 'POST /api/send': {
        const records = await parseRecordsText(requireText(await body()));
        const run = await this.startRun(records);
        return this.reply(res, 202, { runId: run.id, total: run.total });
      }
    }
    const allowed = API_ROUTES[url.pathname] ?? (RUN_ROUTE.test(url.pathname) ? ['GET'] : undefined);
    if (allowed && !allowed.includes(method)) {
      res.setHeader('allow', allowed.join(', '));
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${url.pathname} takes ${allowed.join(' or ')}, not ${method}`);
    }
    const m = RUN_ROUTE.exec(url.pathname);
    if (m && method === 'GET') {
      const run = this.runs.get(m[1]!);
      if (!run) throw new HttpError(404, 'NOT_FOUND', 'no such run');
      if (m[2] === '/events') return this.streamRun(run, req, res);
      if (m[2] === '/report') {
        const text = this.scrub(run.report());
        res.writeHead(200, {
          'content-type': 'application/x-ndjson; charset=utf-8',
          'content-disposition': `attachment; filename="lark-im-report-${run.id}.jsonl"`,
          'cache-control': 'no-store',
        });
        return void res.end(text);
      }
      return this.reply(res, 200, run.snapshot(Number(url.searchParams.get('since') ?? 0) || 0));
    }
    throw new HttpError(404, 'NOT_FOUND', `no route ${route}`);
  }

  /** Builds a connector from the current config for one operation, mapping config errors to 400. */
  private async withConnector<T>(fn: (c: ConnectorLike) => Promise<T>, options: { dryRun?: boolean; connectionOnly?: boolean } = {}): Promise<T> {
    let connector: ConnectorLike;
    try {
      const full = this.config.forRun();
      connector = this.o.backend.createConnector(options.connectionOnly ? { ...full, node: {} } : full, { dryRun: options.dryRun ?? false });
    } catch (err) {
      throw configError(err, this);
    }
    try {
      return await fn(connector);
    } finally {
      connector.close();
    }
  }

  private withAdvice(o: MessageOutcome): MessageOutcome & { advice?: string } {
    if (o.status !== 'failed' || o.error.larkCode === undefined || !this.o.backend.adviceFor) return o;
    const advice = this.o.backend.adviceFor(o.error.larkCode);
    return advice && !o.error.message.includes(advice) ? { ...o, advice } : o;
  }

  private async startRun(records: InputRecord[]): Promise<Run> {
    let connector: ConnectorLike;
    try {
      connector = this.o.backend.createConnector(this.config.forRun());
    } catch (err) {
      throw configError(err, this);
    }
    // A local dry pass first: it counts the messages (a record may hold several) for the progress bar.
    let total = 0;
    try {
      const s = await connector.writeStream(records, { dryRun: true });
      total = s.total;
    } catch {
      total = records.length;
    }
    const run = this.runs.create(total, this.o.now());
    const abort = new AbortController();
    this.aborts.add(abort);
    void connector
      .writeStream(records, { signal: abort.signal, onOutcome: (o) => run.push(this.withAdvice(o)) })
      .then((summary) => run.finish(summary), (err: unknown) => run.fail(this.scrub(String((err as Error)?.message ?? err))))
      .finally(() => { this.aborts.delete(abort); connector.close(); });
    return run;
  }

  /** Server-Sent Events: replays what happened so far, then follows the run until it ends. */
  private streamRun(run: Run, req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    const write = (e: RunEvent): void => {
      res.write(`event: ${e.type}\ndata: ${this.scrub(JSON.stringify(e))}\n\n`);
    };
    res.write(`event: start\ndata: ${JSON.stringify({ type: 'start', id: run.id, total: run.total })}\n\n`);
    for (const o of run.outcomes) write({ type: 'outcome', outcome: o });
    if (run.state === 'done' && run.summary) { write({ type: 'done', summary: run.summary }); return void res.end(); }
    if (run.state === 'error') { write({ type: 'error', message: run.errorMessage ?? 'failed' }); return void res.end(); }
    const unsubscribe = run.subscribe((e) => {
      write(e);
      if (e.type !== 'outcome') { unsubscribe(); res.end(); }
    });
    req.on('close', unsubscribe);
  }
}

/** Saving over a file that is not a lark-im config (package.json, say) would destroy it: refused. */
async function refuseForeignFile(file: string, given: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return; // a new file
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const looksLikeConfig = isRecord(value) && (isRecord(value.connection) || 'appId' in value || 'app_id' in value);
  if (!looksLikeConfig) {
    throw new HttpError(409, 'FILE_NOT_A_CONFIG', `${given} exists and is not a lark-im config file: choose another name`);
  }
}

function requirePath(b: Record<string, unknown>): string {
  if (typeof b.path !== 'string' || b.path.trim() === '') throw new HttpError(400, 'BAD_REQUEST', 'path is required');
  return b.path.trim();
}

function requireText(b: Record<string, unknown>): string {
  if (typeof b.text !== 'string') throw new HttpError(400, 'BAD_REQUEST', 'text (JSON Lines or a JSON array) is required');
  return b.text;
}

function configError(err: unknown, app: { scrub(s: string): string }): HttpError {
  const e = err as { code?: string; message?: string; field?: string };
  const field = e.field ? ` (field: ${e.field})` : '';
  return new HttpError(400, e.code ?? 'CONFIG_INVALID', app.scrub(`${e.message ?? 'invalid configuration'}${field}`));
}
