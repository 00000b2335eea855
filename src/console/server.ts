/** `lark-im console`'s HTTP server: starts one console (and the emulator when asked), listens, closes. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { newToken } from './access.js';
import type { Language } from '../core/vocabulary.js';
import { ConsoleApp } from './app.js';
import { DEFAULT_PORT, HttpError, sendError, MAX_BODY_BYTES } from './http-util.js';
import { SEND_FOLDER } from './send-files.js';
import { DEFAULT_STATIC_DIR } from './static.js';
import type { ConsoleBackend, EmulatorHandle } from './types.js';

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
  /** Where sends keep their records and state until they got to their end (default: root/.lark-im-console). */
  sendDir?: string;
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

export function normalizeLang(lang: string | undefined): Language {
  const l = (lang ?? '').toLowerCase().replace('-', '_');
  if (l === 'zh_tw' || l === 'zh_hk' || l === 'zh_hant') return 'zh_TW';
  if (l.startsWith('zh')) return 'zh_CN';
  return 'en_US';
}

export async function startConsole(opts: ConsoleOptions = {}): Promise<ConsoleHandle> {
  const backend = opts.backend ?? (await import('./real-backend.js')).createRealBackend();
  const manifest = await backend.manifest();
  const root = path.resolve(opts.root ?? (opts.configPath ? path.dirname(opts.configPath) : process.cwd()));
  const app = new ConsoleApp({
    backend, manifest,
    staticDir: opts.staticDir ?? DEFAULT_STATIC_DIR,
    maxBodyBytes: opts.maxBodyBytes ?? MAX_BODY_BYTES,
    lang: normalizeLang(opts.lang),
    now: opts.now ?? Date.now,
    token: opts.token ?? newToken(),
    root,
    sendDir: path.resolve(opts.sendDir ?? path.join(root, SEND_FOLDER)),
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
    await emulator?.close();
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
      // Running sends stop as on Stop: those on the wire settle and their state is written before the end.
      app.abortAll();
      await Promise.allSettled(app.runs.active().map((r) => r.settled));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await emulator?.close();
    },
  };
}
