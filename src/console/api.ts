/**
 * What a console API handler sees: the call (request, response, path parameters, the JSON body on demand)
 * and the console's state, and the shape of a route in the table (routes.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientEvent } from '../lark/events.js';
import type { Language } from '../core/vocabulary.js';
import type { ConfigStore } from './config-store.js';
import { HttpError } from './http-util.js';
import type { RunStore } from './runs.js';
import type { SenderNames } from './source-preview.js';
import type { ConnectorLike, ConsoleBackend, EmulatorHandle, Manifest, MessageOutcome, RawConfig } from './types.js';

export interface AppOptions {
  backend: ConsoleBackend;
  manifest: Manifest;
  staticDir: string;
  maxBodyBytes: number;
  lang: Language;
  now: () => number;
  token: string;
  /** The only folder config files are loaded from and saved to. */
  root: string;
  /** Where each send keeps its records and state until it got to its end (src/console/send-files.ts). */
  sendDir: string;
}

export interface ApiCall {
  method: string;
  url: URL;
  /** The values of the route's `:name` path segments. */
  params: Record<string, string>;
  req: IncomingMessage;
  res: ServerResponse;
  /** The request's JSON object body (read once, when a handler asks). */
  body(): Promise<Record<string, unknown>>;
}

export interface ConnectorUse {
  dryRun?: boolean;
  /** Without the node part: an operation that needs only the connection must not fail on the node's options. */
  connectionOnly?: boolean;
  /** The client's events (a send's progress reads the circuit's from them). */
  onEvent?: (e: ClientEvent) => void;
}

/** One console's state, shared by every handler. */
export interface ConsoleContext {
  readonly options: AppOptions;
  readonly config: ConfigStore;
  readonly runs: RunStore;
  readonly emulator: EmulatorHandle | undefined;
  /** The source preview's sender names, cached per app. */
  readonly senderNames: SenderNames;
  /** Sends a JSON answer, scrubbed of every secret value. */
  reply(res: ServerResponse, status: number, body: unknown): void;
  /** Last line of defence: no secret value ever leaves in a response, whatever produced the text. */
  scrub(text: string): string;
  /** The backend's check (the CLI's schema); credentials may still be missing while the form is filled in. */
  validate(raw: RawConfig, file?: string): void;
  loadConfigFile(file: string): Promise<void>;
  /** A connector from the current config (config errors as 400); the caller closes it. */
  connector(use?: ConnectorUse): ConnectorLike;
  /** A connector for one operation, closed after it. */
  withConnector<T>(fn: (c: ConnectorLike) => Promise<T>, use?: ConnectorUse): Promise<T>;
  /** A failed outcome with the backend's advice for its Lark code. */
  withAdvice(o: MessageOutcome): MessageOutcome & { advice?: string };
  /** An AbortController the console's close() aborts; the returned function forgets it. */
  track(abort: AbortController): () => void;
}

export type ApiHandler = (ctx: ConsoleContext, call: ApiCall) => Promise<void> | void;

export interface ApiRoute {
  method: 'GET' | 'POST';
  /** Literal segments and `:name` parameters. */
  path: string;
  handler: ApiHandler;
}

/** A config problem as a 400 naming the field, scrubbed. */
export function configError(err: unknown, scrub: (s: string) => string): HttpError {
  const e = err as { code?: string; message?: string; field?: string };
  const field = e.field ? ` (field: ${e.field})` : '';
  return new HttpError(400, e.code ?? 'CONFIG_INVALID', scrub(`${e.message ?? 'invalid configuration'}${field}`));
}
