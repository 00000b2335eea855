/**
 * What an endpoint module sees: the request as the server read it, the emulator's state, and the shape
 * of a route in the table (src/emulator/routes.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Directory } from './directory.js';
import type { FaultController } from './faults.js';
import type { ChatHistory, HistoryMessage } from './history.js';
import type { EmulatorLongConnection } from './long-connection.js';
import type { PostMessageInput } from './post-message.js';
import type { RateLimits } from './rate-limits.js';
import { fieldError, type Reply } from './reply.js';
import type { MessageChanges } from './message-changes.js';
import type { MessageStore } from './store.js';
import type { UploadStore } from './uploads.js';
import type { TokenIssuer } from './tokens.js';
import type { EmulatorClock, EmulatorStats } from './types.js';

/** The body size a route reads unless its table entry says otherwise. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface EmulatorRequest {
  method: string;
  url: URL;
  /** The values of the route's `:name` path segments. */
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** Raw body; null when over the route's body limit. */
  body: Buffer | null;
  logId: string;
}

/** The admin calls (post, edit, recall a user's message), as the emulator offers them to callers. */
export interface AdminOps {
  postMessage(input: PostMessageInput): HistoryMessage;
  editMessage(messageId: string, content: string | { text: string }): HistoryMessage;
  recallMessage(messageId: string): HistoryMessage;
}

/** The emulator's state, shared by every endpoint. */
export interface EmulatorContext {
  readonly clock: EmulatorClock;
  readonly dir: Directory;
  readonly tokens: TokenIssuer;
  /** Delivered bot messages and the uuid de-duplication. */
  readonly store: MessageStore;
  /** Every chat's messages (user posts and bot sends): what the list endpoints read. */
  readonly history: ChatHistory;
  /** Uploaded images and files by key (im/v1/images, im/v1/files). */
  readonly uploads: UploadStore;
  /** Edits, card updates and recalls of the bots' messages (edit counts, windows). */
  readonly changes: MessageChanges;
  readonly faults: FaultController;
  readonly limits: RateLimits;
  /** The counters stats() copies; reset() zeroes them in place. */
  readonly stats: EmulatorStats;
  readonly longConnection: EmulatorLongConnection;
  readonly admin: AdminOps;
  /** How long a 'slow' fault holds a response back unless the fault says. */
  readonly slowDelayMs: number;
  /** The next 8 hex digits of the sequence message ids are made from (bot sends and user posts share it). */
  nextSeq(): string;
}

export type Handler = (ctx: EmulatorContext, req: EmulatorRequest) => Reply | Promise<Reply>;

/** The EmulatorStats counters a route can name (the plain numbers). */
export type RequestCounter = {
  [K in keyof EmulatorStats]: EmulatorStats[K] extends number ? K : never;
}[keyof EmulatorStats];

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Literal segments and `:name` parameters. */
  path: string;
  handler: Handler;
  /** Counted once per request routed here, before the handler runs. */
  counter?: RequestCounter;
  /** Bytes of body read before the request counts as too large (default MAX_BODY_BYTES). */
  maxBodyBytes?: number;
}

/** Parses a JSON object body; a Reply when it is not one. */
export function jsonBody(req: EmulatorRequest): { value: Record<string, unknown> } | { reply: Reply } {
  if (req.body === null) return { reply: fieldError(req.logId, 'body', `request body larger than ${MAX_BODY_BYTES} bytes`) };
  let value: unknown;
  try {
    value = JSON.parse(req.body.length ? req.body.toString('utf8') : '{}');
  } catch {
    return { reply: fieldError(req.logId, 'body', 'request body is not valid JSON') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { reply: fieldError(req.logId, 'body', 'request body must be a JSON object') };
  }
  return { value: value as Record<string, unknown> };
}
