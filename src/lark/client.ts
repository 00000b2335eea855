/**
 * LarkClient: the calls the connector needs. Every call goes
 *   retry loop ( [pacer slot] token -> request -> on invalid-token: drop token, new token, request once more )
 */
import { systemClock, type Clock } from './clock.js';
import { INVALID_TOKEN_CODES, LarkError, interruptedError } from './errors.js';
import { safeEmit, type ClientEvent } from './events.js';
import { LarkHttp, isRecord, type LarkRequest, type LarkResponse } from './http.js';
import { createLookupPacer, createSendPacer, type LimiterStore, type Pacer, type PacingOptions } from './pacer.js';
import { retryPolicies, withRetry, type RetryPolicy } from './retry.js';
import { TokenProvider, type TokenStore } from './token.js';

export interface LarkClientOptions {
  appId: string;
  appSecret: string;
  /** e.g. https://open.feishu.cn or http://127.0.0.1:PORT */
  baseUrl: string;
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** false = no pacing (benchmarks only). */
  pacing?: PacingOptions | false;
  clock?: Clock;
  random?: () => number;
  tokenStore?: TokenStore;
  limiterStore?: LimiterStore;
  /** Retries, token refreshes, pacer waits. Never contains the secret or a token. */
  onEvent?: (e: ClientEvent) => void;
}

export type ReceiveIdType = 'open_id' | 'union_id' | 'user_id' | 'email' | 'chat_id';

export interface SendMessageRequest {
  receiveIdType: ReceiveIdType;
  receiveId: string;
  msgType: string;
  content: string;
  /** Lark de-duplicates on it for 1 hour: the same value is sent on every retry. */
  uuid: string;
}

export interface SendMessageResult {
  messageId: string;
  chatId?: string;
  logId?: string;
}

export interface BotInfo {
  activateStatus: number;
  appName?: string;
  openId?: string;
}

export interface ChatMessagesPage {
  items: unknown[];
  hasMore: boolean;
  pageToken?: string;
}

/** A directory entry the receiver picker lists (users of the contact range, chats the bot is in). */
export interface DirectoryEntry {
  id: string;
  name: string;
}
export interface DirectoryPage {
  items: DirectoryEntry[];
  hasMore: boolean;
  pageToken?: string;
}

export const PATHS = {
  messages: '/open-apis/im/v1/messages',
  batchGetId: '/open-apis/contact/v3/users/batch_get_id',
  botInfo: '/open-apis/bot/v3/info',
  scopes: '/open-apis/application/v6/scopes',
  usersByDepartment: '/open-apis/contact/v3/users/find_by_department',
  chats: '/open-apis/im/v1/chats',
} as const;

export const SCOPES = {
  send: 'im:message:send_as_bot',
  lookup: 'contact:user.id:readonly',
  readMessages: 'im:message',
  listUsers: 'contact:user.base:readonly',
  listChats: 'im:chat:readonly',
} as const;

const MOBILES_PER_CALL = 50;

export class LarkClient {
  private readonly opts: LarkClientOptions;
  private readonly http: LarkHttp;
  private readonly tokens: TokenProvider;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly policy: RetryPolicy;
  private readonly sendPacer: Pacer | undefined;
  private readonly lookupPacer: Pacer | undefined;

  constructor(opts: LarkClientOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.policy = opts.retry ?? retryPolicies.standard;
    this.http = new LarkHttp({ baseUrl: opts.baseUrl, timeoutMs: opts.timeoutMs, now: () => this.clock.now() });
    this.tokens = new TokenProvider({
      http: this.http,
      baseUrl: opts.baseUrl,
      appId: opts.appId,
      appSecret: opts.appSecret,
      store: opts.tokenStore,
      clock: this.clock,
      onEvent: opts.onEvent,
    });
    if (opts.pacing !== false) {
      const deps = { scope: opts.appId, clock: this.clock, store: opts.limiterStore, onEvent: opts.onEvent };
      this.sendPacer = createSendPacer(opts.pacing ?? {}, deps);
      this.lookupPacer = createLookupPacer(opts.pacing ?? {}, deps);
    }
  }

  /** Fetches (or reuses) the tenant token: the connection test's credentials check. */
  getTenantToken(): Promise<string> {
    return this.retrying('token', () => this.tokens.getToken());
  }

  /** Paced (app + per receive_id), retried with the same uuid; throws LarkError. */
  async sendMessage(req: SendMessageRequest, options: { signal?: AbortSignal } = {}): Promise<SendMessageResult> {
    const spec: LarkRequest = {
      method: 'POST',
      path: PATHS.messages,
      query: { receive_id_type: req.receiveIdType },
      body: { receive_id: req.receiveId, msg_type: req.msgType, content: req.content, uuid: req.uuid },
      scope: SCOPES.send,
    };
    const res = await this.call<{ data?: { message_id?: unknown; chat_id?: unknown } }>('send', this.sendPacer, req.receiveId, spec, options.signal);
    const data = res.body.data;
    if (typeof data?.message_id !== 'string') throw malformed('send', res.logId);
    return {
      messageId: data.message_id,
      ...(typeof data.chat_id === 'string' ? { chatId: data.chat_id } : {}),
      ...(res.logId ? { logId: res.logId } : {}),
    };
  }

  /** mobile -> open_id for hits only; chunked by 50, keys are the strings passed in. */
  async batchGetIdByMobiles(mobiles: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(mobiles)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += MOBILES_PER_CALL) chunks.push(unique.slice(i, i + MOBILES_PER_CALL));
    const results = await Promise.all(chunks.map((chunk) => this.lookupChunk(chunk)));
    return new Map(results.flatMap((m) => [...m]));
  }

  async getBotInfo(): Promise<BotInfo> {
    const res = await this.call<{ bot?: { activate_status?: unknown; app_name?: unknown; open_id?: unknown } }>('bot_info', undefined, undefined, {
      method: 'GET',
      path: PATHS.botInfo,
    });
    const bot = res.body.bot;
    if (!bot || typeof bot.activate_status !== 'number') throw malformed('bot_info', res.logId);
    return {
      activateStatus: bot.activate_status,
      ...(typeof bot.app_name === 'string' ? { appName: bot.app_name } : {}),
      ...(typeof bot.open_id === 'string' ? { openId: bot.open_id } : {}),
    };
  }

  async listScopes(): Promise<Array<{ scopeName: string; granted: boolean }>> {
    const res = await this.call<{ data?: { scopes?: unknown } }>('scopes', undefined, undefined, { method: 'GET', path: PATHS.scopes });
    const scopes = res.body.data?.scopes;
    if (!Array.isArray(scopes)) throw malformed('scopes', res.logId);
    return scopes.filter(isRecord).map((s) => ({ scopeName: String(s.scope_name), granted: s.grant_status === 1 }));
  }

  /** One page of a chat's history, oldest first. startTime/endTime are in seconds (Lark's unit). */
  async listChatMessages(args: { chatId: string; startTime?: number; endTime?: number; pageToken?: string; pageSize?: number }): Promise<ChatMessagesPage> {
    const res = await this.call<{ data?: { items?: unknown; has_more?: unknown; page_token?: unknown } }>('list_messages', undefined, undefined, {
      method: 'GET',
      path: PATHS.messages,
      query: {
        container_id_type: 'chat',
        container_id: args.chatId,
        start_time: args.startTime,
        end_time: args.endTime,
        sort_type: 'ByCreateTimeAsc',
        page_size: args.pageSize ?? 50,
        page_token: args.pageToken,
      },
      scope: SCOPES.readMessages,
    });
    const data = res.body.data ?? {};
    const pageToken = typeof data.page_token === 'string' && data.page_token !== '' ? data.page_token : undefined;
    return { items: Array.isArray(data.items) ? data.items : [], hasMore: data.has_more === true, ...(pageToken ? { pageToken } : {}) };
  }

  /** One page of the users in the app's contact range (root department: the whole range for a tenant token). */
  async listUsers(args: { pageToken?: string; pageSize?: number } = {}): Promise<DirectoryPage> {
    return this.directoryPage('list_users', {
      method: 'GET',
      path: PATHS.usersByDepartment,
      query: { department_id: '0', user_id_type: 'open_id', page_size: args.pageSize ?? 50, page_token: args.pageToken },
      scope: SCOPES.listUsers,
    }, 'open_id');
  }

  /** One page of the chats the bot is in. */
  async listChats(args: { pageToken?: string; pageSize?: number } = {}): Promise<DirectoryPage> {
    return this.directoryPage('list_chats', {
      method: 'GET',
      path: PATHS.chats,
      query: { page_size: args.pageSize ?? 100, page_token: args.pageToken },
      scope: SCOPES.listChats,
    }, 'chat_id');
  }

  private async directoryPage(op: string, req: LarkRequest, idKey: string): Promise<DirectoryPage> {
    const res = await this.call<{ data?: { items?: unknown; has_more?: unknown; page_token?: unknown } }>(op, undefined, undefined, req);
    const data = res.body.data ?? {};
    const items = (Array.isArray(data.items) ? data.items : [])
      .filter(isRecord)
      .flatMap((it) => (typeof it[idKey] === 'string' ? [{ id: it[idKey] as string, name: typeof it.name === 'string' ? it.name : '' }] : []));
    const pageToken = typeof data.page_token === 'string' && data.page_token !== '' ? data.page_token : undefined;
    return { items, hasMore: data.has_more === true && pageToken !== undefined, ...(pageToken ? { pageToken } : {}) };
  }

  /** Destroys the keep-alive sockets. */
  close(): void {
    this.http.close();
  }

  private async lookupChunk(chunk: string[]): Promise<Map<string, string>> {
    const res = await this.call<{ data?: { user_list?: unknown } }>('batch_get_id', this.lookupPacer, undefined, {
      method: 'POST',
      path: PATHS.batchGetId,
      query: { user_id_type: 'open_id' },
      body: { mobiles: chunk, include_resigned: false },
      scope: SCOPES.lookup,
    });
    const list = res.body.data?.user_list;
    return matchMobiles(chunk, Array.isArray(list) ? list : []);
  }

  /** Retry loop around one paced, token-authenticated request. */
  private call<T>(op: string, pacer: Pacer | undefined, receiverKey: string | undefined, req: LarkRequest, signal?: AbortSignal): Promise<LarkResponse<T>> {
    return this.retrying(op, () =>
      this.withToken(op, (token) => this.paced(pacer, receiverKey, () => this.http.request<T>({ ...req, token }), signal)),
    );
  }

  private retrying<T>(op: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, {
      policy: this.policy,
      clock: this.clock,
      random: this.random,
      onRetry: ({ attempt, code, delayMs, error }) =>
        this.emit({
          type: 'retry',
          op,
          attempt,
          code,
          delayMs,
          ...(error.larkCode !== undefined ? { larkCode: error.larkCode } : {}),
          ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
          ...(error.logId ? { logId: error.logId } : {}),
        }),
    });
  }

  /** On an invalid-token code: drop that token (if still cached), get a new one, try once more. */
  private async withToken<T>(op: string, exec: (token: string) => Promise<T>): Promise<T> {
    const token = await this.tokens.getToken();
    try {
      return await exec(token);
    } catch (err) {
      if (!(err instanceof LarkError) || err.larkCode === undefined || !INVALID_TOKEN_CODES.has(err.larkCode)) throw err;
      this.emit({ type: 'token.invalidated', op, larkCode: err.larkCode, ...(err.logId ? { logId: err.logId } : {}) });
      await this.tokens.invalidate(token);
      // A second invalid-token error propagates as TOKEN_INVALID (not retryable).
      return exec(await this.tokens.getToken());
    }
  }

  /** Waits for the pacer (unless the signal aborts first: a queued request is then never sent). */
  private async paced<T>(pacer: Pacer | undefined, receiverKey: string | undefined, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw interruptedError();
    if (!pacer) return fn();
    const release = await pacer.acquire(receiverKey, signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private emit(e: ClientEvent): void {
    safeEmit(this.opts.onEvent, e);
  }
}

/**
 * Lark echoes each mobile in `mobile` (normally as sent). Match exactly first, then by national digits
 * (so "+8613800000000" still finds "13800000000"); keys are the strings the caller sent.
 */
export function matchMobiles(sent: string[], userList: unknown[]): Map<string, string> {
  const exact = new Set(sent);
  const byDigits = new Map(sent.map((m) => [nationalDigits(m), m]));
  const out = new Map<string, string>();
  for (const entry of userList) {
    if (!isRecord(entry) || typeof entry.user_id !== 'string' || entry.user_id === '' || typeof entry.mobile !== 'string') continue;
    const key = exact.has(entry.mobile) ? entry.mobile : byDigits.get(nationalDigits(entry.mobile));
    if (key !== undefined) out.set(key, entry.user_id);
  }
  return out;
}

function nationalDigits(mobile: string): string {
  const digits = mobile.replace(/\D/g, '');
  return digits.replace(/^(0086|86)(?=1\d{10}$)/, '');
}

function malformed(op: string, logId: string | undefined): LarkError {
  return new LarkError({
    code: 'LARK_API_ERROR',
    message: `${op}: Lark answered code 0 but the response lacks the expected fields${logId ? ` [log id: ${logId}]` : ''}`,
    logId,
  });
}
