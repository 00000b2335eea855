/**
 * LarkClient: the calls the connector needs. Every call goes
 *   retry loop ( pacer slot -> token -> request )
 * in that order, so a token is never held across a queue wait (a fresh one is put in the store before
 * queueing, so that no token fetch sits between a slot and its request). On an invalid-token answer the token is
 * dropped (if still the stored one) and the attempt starts over: a new slot, then a token fetched afresh;
 * only when a token fetched after that refusal is refused too does the call fail with TOKEN_INVALID
 * (app-level). A 429 pauses the app's windows for every waiter until Lark's reset. Time queued for a slot
 * does not count against the retry budget, and backoff sleeps end at once on abort. When every request
 * gets no answer for a while (DEFAULT_DOWN_AFTER_MS), the endpoint is down: ENDPOINT_UNREACHABLE, app-level.
 */
import { systemClock, type Clock } from '../core/clock.js';
import { EndpointHealth } from './endpoint-health.js';
import { INVALID_TOKEN_CODES, LarkError } from './errors.js';
import { interruptedError, type ConnectorError } from '../core/errors.js';
import { safeEmit, type ClientEvent } from './events.js';
import { LarkHttp, WireError, isRecord, type LarkRequest, type LarkResponse } from './http.js';
import { createListPacer, createLookupPacer, createSendPacer, createUploadPacer, type LimiterStore, type Pacer, type PacingOptions } from './pacer.js';
import { retryPolicies, withRetry, type RetryContext, type RetryPolicy } from './retry.js';
import { TokenProvider, type TokenEntry, type TokenStore } from './token.js';
import type { Transport } from './transport.js';
import type { MultipartField } from './multipart.js';

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
  /** The wire (default: node:http keep-alive on baseUrl). */
  transport?: Transport;
  /** No answer from the host for this long: ENDPOINT_UNREACHABLE (default 30 s). */
  endpointDownAfterMs?: number;
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

/** An image for im/v1/images: its bytes and the file name its part carries. */
export interface ImageUpload {
  bytes: Buffer;
  fileName: string;
}
/** A file for im/v1/files; fileType is Lark's (opus, mp4, pdf, doc, xls, ppt, stream). */
export interface FileUpload {
  bytes: Buffer;
  fileName: string;
  fileType: string;
  durationMs?: number;
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

/** A user the receiver picker lists (the app's contact range). */
export interface DirectoryEntry {
  id: string;
  name: string;
}
export interface DirectoryPage {
  items: DirectoryEntry[];
  hasMore: boolean;
  pageToken?: string;
}

export interface ListChatMessagesRequest {
  /** chat: a chat's messages (in a topic chat, each topic's first message); thread: a topic's replies. */
  containerIdType?: 'chat' | 'thread';
  /** chat_id (oc_...) or thread_id (omt_...). */
  containerId: string;
  /** Whole seconds (Lark's unit), both inclusive. */
  startTime?: number;
  endTime?: number;
  sortType?: 'ByCreateTimeAsc' | 'ByCreateTimeDesc';
  /** 1..50 (default 50). */
  pageSize?: number;
  pageToken?: string;
}

export interface ChatSummary {
  chatId: string;
  name: string;
  /** group | topic | p2p (Lark lists no p2p chats here). */
  chatMode: string;
}

export interface ChatsPage {
  items: ChatSummary[];
  hasMore: boolean;
  pageToken?: string;
}

export const PATHS = {
  messages: '/open-apis/im/v1/messages',
  chats: '/open-apis/im/v1/chats',
  batchGetId: '/open-apis/contact/v3/users/batch_get_id',
  botInfo: '/open-apis/bot/v3/info',
  scopes: '/open-apis/application/v6/scopes',
  usersByDepartment: '/open-apis/contact/v3/users/find_by_department',
  images: '/open-apis/im/v1/images',
  files: '/open-apis/im/v1/files',
} as const;

export const SCOPES = {
  send: 'im:message:send_as_bot',
  lookup: 'contact:user.id:readonly',
  readMessages: 'im:message:readonly',
  listUsers: 'contact:user.base:readonly',
  upload: 'im:resource',
} as const;

const MOBILES_PER_CALL = 50;
/** A connection test's per-request timeout: it answers in seconds, with the cause. */
export const PROBE_TIMEOUT_MS = 3000;
/** Bound on token refusals within one call (each one already fetched a new token). */
const MAX_TOKEN_REFUSALS = 3;

/** Connection tests pass probe: true: one quick retry and a short timeout instead of the full policy. */
export interface CallOptions {
  probe?: boolean;
}

export class LarkClient {
  private readonly opts: LarkClientOptions;
  private readonly http: LarkHttp;
  private readonly tokens: TokenProvider;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly policy: RetryPolicy;
  private readonly sendPacer: Pacer | undefined;
  private readonly lookupPacer: Pacer | undefined;
  private readonly listPacer: Pacer | undefined;
  private readonly uploadPacer: Pacer | undefined;
  private readonly health: EndpointHealth;

  constructor(opts: LarkClientOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.policy = opts.retry ?? retryPolicies.standard;
    this.http = new LarkHttp({
      baseUrl: opts.baseUrl,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.transport ? { transport: opts.transport } : {}),
      now: () => this.clock.now(),
    });
    this.health = new EndpointHealth({
      host: this.http.hostName,
      clock: this.clock,
      ...(opts.endpointDownAfterMs !== undefined ? { downAfterMs: opts.endpointDownAfterMs } : {}),
    });
    this.tokens = new TokenProvider({
      http: { request: (req) => this.send(req) },
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
      this.listPacer = createListPacer(opts.pacing ?? {}, deps);
      this.uploadPacer = createUploadPacer(opts.pacing ?? {}, deps);
    }
  }

  /** Fetches (or reuses) the tenant token: the connection test's credentials check. */
  getTenantToken(options: CallOptions = {}): Promise<string> {
    const timeout = options.probe ? { timeoutMs: this.probeTimeoutMs() } : {};
    return withRetry(
      () => {
        this.throwIfDown();
        return this.tokens.getToken(timeout);
      },
      this.retryOptions('token', options.probe ? retryPolicies.probe : this.policy, undefined),
    );
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

  /** POST im/v1/images (image_type message): the image_key. Paced on the upload windows, retried. */
  async uploadImage(req: ImageUpload, options: { signal?: AbortSignal } = {}): Promise<string> {
    const multipart: MultipartField[] = [
      { name: 'image_type', value: 'message' },
      { name: 'image', data: req.bytes, fileName: req.fileName },
    ];
    const res = await this.call<{ data?: { image_key?: unknown } }>('upload_image', this.uploadPacer, undefined, {
      method: 'POST', path: PATHS.images, multipart, scope: SCOPES.upload,
    }, options.signal);
    const key = res.body.data?.image_key;
    if (typeof key !== 'string' || key === '') throw malformed('upload_image', res.logId);
    return key;
  }

  /** POST im/v1/files (file_type, file_name, duration): the file_key. Paced on the upload windows, retried. */
  async uploadFile(req: FileUpload, options: { signal?: AbortSignal } = {}): Promise<string> {
    const multipart: MultipartField[] = [
      { name: 'file_type', value: req.fileType },
      { name: 'file_name', value: req.fileName },
      ...(req.durationMs !== undefined ? [{ name: 'duration', value: String(req.durationMs) }] : []),
      { name: 'file', data: req.bytes, fileName: req.fileName },
    ];
    const res = await this.call<{ data?: { file_key?: unknown } }>('upload_file', this.uploadPacer, undefined, {
      method: 'POST', path: PATHS.files, multipart, scope: SCOPES.upload,
    }, options.signal);
    const key = res.body.data?.file_key;
    if (typeof key !== 'string' || key === '') throw malformed('upload_file', res.logId);
    return key;
  }

  /** mobile -> open_id for hits only; chunked by 50, keys are the strings passed in. */
  async batchGetIdByMobiles(mobiles: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(mobiles)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += MOBILES_PER_CALL) chunks.push(unique.slice(i, i + MOBILES_PER_CALL));
    const results = await Promise.all(chunks.map((chunk) => this.lookupChunk(chunk)));
    return new Map(results.flatMap((m) => [...m]));
  }

  async getBotInfo(options: CallOptions = {}): Promise<BotInfo> {
    const res = await this.call<{ bot?: { activate_status?: unknown; app_name?: unknown; open_id?: unknown } }>(
      'bot_info',
      undefined,
      undefined,
      { method: 'GET', path: PATHS.botInfo, ...this.probeRequest(options) },
      undefined,
      options,
    );
    const bot = res.body.bot;
    if (!bot || typeof bot.activate_status !== 'number') throw malformed('bot_info', res.logId);
    return {
      activateStatus: bot.activate_status,
      ...(typeof bot.app_name === 'string' ? { appName: bot.app_name } : {}),
      ...(typeof bot.open_id === 'string' ? { openId: bot.open_id } : {}),
    };
  }

  async listScopes(options: CallOptions = {}): Promise<Array<{ scopeName: string; granted: boolean }>> {
    const res = await this.call<{ data?: { scopes?: unknown } }>(
      'scopes',
      undefined,
      undefined,
      { method: 'GET', path: PATHS.scopes, ...this.probeRequest(options) },
      undefined,
      options,
    );
    const scopes = res.body.data?.scopes;
    if (!Array.isArray(scopes)) throw malformed('scopes', res.logId);
    return scopes.filter(isRecord).map((s) => ({ scopeName: String(s.scope_name), granted: s.grant_status === 1 }));
  }

  /** One page of a chat's (or a topic's) history; paced on the list windows, retried like every call. */
  async listChatMessages(args: ListChatMessagesRequest, options: { signal?: AbortSignal } = {}): Promise<ChatMessagesPage> {
    const res = await this.call<{ data?: { items?: unknown; has_more?: unknown; page_token?: unknown } }>(
      'list_messages',
      this.listPacer,
      undefined,
      {
        method: 'GET',
        path: PATHS.messages,
        query: {
          container_id_type: args.containerIdType ?? 'chat',
          container_id: args.containerId,
          start_time: args.startTime,
          end_time: args.endTime,
          sort_type: args.sortType ?? 'ByCreateTimeAsc',
          page_size: args.pageSize ?? 50,
          page_token: args.pageToken,
        },
        scope: SCOPES.readMessages,
      },
      options.signal,
    );
    const data = res.body.data;
    if (!data || !Array.isArray(data.items)) throw malformed('list_messages', res.logId);
    const pageToken = pageTokenOf(data);
    return { items: data.items, hasMore: data.has_more === true, ...(pageToken ? { pageToken } : {}) };
  }

  /** One page of the group chats the bot is in (Lark lists no p2p chats). */
  async listChats(args: { pageToken?: string; pageSize?: number } = {}, options: { signal?: AbortSignal } = {}): Promise<ChatsPage> {
    const res = await this.call<{ data?: { items?: unknown; has_more?: unknown; page_token?: unknown } }>(
      'list_chats',
      this.listPacer,
      undefined,
      { method: 'GET', path: PATHS.chats, query: { page_size: args.pageSize ?? 100, page_token: args.pageToken } },
      options.signal,
    );
    const data = res.body.data;
    if (!data || !Array.isArray(data.items)) throw malformed('list_chats', res.logId);
    const items = data.items.filter(isRecord).flatMap((c) =>
      typeof c.chat_id === 'string'
        ? [{ chatId: c.chat_id, name: typeof c.name === 'string' ? c.name : '', chatMode: typeof c.chat_mode === 'string' ? c.chat_mode : 'group' }]
        : [],
    );
    const pageToken = pageTokenOf(data);
    return { items, hasMore: data.has_more === true, ...(pageToken ? { pageToken } : {}) };
  }

  /** Every group chat the bot is in (all pages). */
  async listAllChats(options: { signal?: AbortSignal } = {}): Promise<ChatSummary[]> {
    const out: ChatSummary[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.listChats(pageToken ? { pageToken } : {}, options);
      out.push(...page.items);
      pageToken = page.hasMore ? page.pageToken : undefined;
    } while (pageToken);
    return out;
  }

  /** One page of the users in the app's contact range (root department: the whole range for a tenant token). */
  async listUsers(args: { pageToken?: string; pageSize?: number } = {}): Promise<DirectoryPage> {
    const res = await this.call<{ data?: { items?: unknown; has_more?: unknown; page_token?: unknown } }>('list_users', undefined, undefined, {
      method: 'GET',
      path: PATHS.usersByDepartment,
      query: { department_id: '0', user_id_type: 'open_id', page_size: args.pageSize ?? 50, page_token: args.pageToken },
      scope: SCOPES.listUsers,
    });
    const data = res.body.data ?? {};
    const items = (Array.isArray(data.items) ? data.items : [])
      .filter(isRecord)
      .flatMap((u) => (typeof u.open_id === 'string' ? [{ id: u.open_id, name: typeof u.name === 'string' ? u.name : '' }] : []));
    const pageToken = pageTokenOf(data);
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
      // Without the lookup scope only phone receivers fail; every other message can still be sent.
      permissionStops: 'message',
    });
    const list = res.body.data?.user_list;
    return matchMobiles(chunk, Array.isArray(list) ? list : []);
  }

  /** Retry loop around one paced, token-authenticated request. */
  private call<T>(
    op: string,
    pacer: Pacer | undefined,
    receiverKey: string | undefined,
    req: LarkRequest,
    signal?: AbortSignal,
    options: CallOptions = {},
  ): Promise<LarkResponse<T>> {
    // One place in the pacer's queue for every attempt: a retry is not sent after the messages behind it.
    const ticket = pacer?.ticket();
    return withRetry(
      (_attempt, ctx) => this.attempt<T>(op, pacer, receiverKey, req, signal, { ...ctx, ticket }),
      this.retryOptions(op, options.probe ? retryPolicies.probe : this.policy, signal),
    );
  }

  private retryOptions(op: string, policy: RetryPolicy, signal: AbortSignal | undefined) {
    return {
      policy,
      clock: this.clock,
      random: this.random,
      signals: () => [signal, this.health.signal],
      // While nothing at all answers, a message waits for the endpoint's verdict rather than failing alone.
      lastChance: (err: ConnectorError) => (err instanceof WireError ? this.health.msUntilVerdict() : undefined),
      onRetry: ({ attempt, code, delayMs, error }: { attempt: number; code: ConnectorError['code']; delayMs: number; error: ConnectorError }) =>
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
    };
  }

  /**
   * One attempt: slot, then token, then request. An invalid-token answer drops the token and starts over
   * (new slot, new token); it fails only when a token fetched after an earlier refusal is refused too.
   */
  private async attempt<T>(
    op: string,
    pacer: Pacer | undefined,
    receiverKey: string | undefined,
    req: LarkRequest,
    signal: AbortSignal | undefined,
    ctx: RetryContext & { ticket: number | undefined },
  ): Promise<LarkResponse<T>> {
    let firstRefusalAt: number | undefined;
    for (let refusals = 0; ; ) {
      if (signal?.aborted) throw interruptedError();
      this.throwIfDown();
      // Have a fresh token in the store before queueing (not held: it is read again after the slot), so a
      // token fetch does not sit between a slot's admission and its request: Lark counts on arrival.
      if (pacer) await this.tokens.getTokenEntry();
      const release = pacer ? await this.slot(pacer, receiverKey, signal, ctx) : undefined;
      let entry: TokenEntry | undefined;
      try {
        this.throwIfDown();
        entry = await this.tokens.getTokenEntry();
        return await this.send<T>({ ...req, token: entry.token });
      } catch (err) {
        if (pacer && isRateLimit(err)) await pacer.pause(err.retryAfterMs ?? 1000).catch(() => undefined);
        if (!entry || !isInvalidToken(err)) throw err;
        this.emit({ type: 'token.invalidated', op, larkCode: err.larkCode, ...(err.logId ? { logId: err.logId } : {}) });
        await this.tokens.invalidate(entry.token);
        // A token fetched after this call's first refusal was refused too: the credentials themselves are bad.
        if ((firstRefusalAt !== undefined && entry.fetchedAt >= firstRefusalAt) || ++refusals >= MAX_TOKEN_REFUSALS) throw err;
        firstRefusalAt ??= this.clock.now();
      } finally {
        release?.();
      }
    }
  }

  /** Waits for a pacer slot; the wait is queue time, not retry time. */
  private async slot(pacer: Pacer, receiverKey: string | undefined, signal: AbortSignal | undefined, ctx: RetryContext & { ticket: number | undefined }): Promise<() => void> {
    const queuedAt = this.clock.now();
    const release = await pacer.acquire(receiverKey, signal, ctx.ticket);
    ctx.exclude(this.clock.now() - queuedAt);
    return release;
  }

  /** The wire, with the endpoint's health kept: any answer is a sign of life, no answer for long is a dead host. */
  private async send<T>(req: LarkRequest): Promise<LarkResponse<T>> {
    try {
      const res = await this.http.request<T>(req);
      this.health.answered();
      return res;
    } catch (err) {
      if (!(err instanceof WireError)) {
        this.health.answered();
        throw err;
      }
      const down = this.health.failed(err);
      if (!down) throw err;
      this.sendPacer?.failAll(down);
      this.lookupPacer?.failAll(down);
      this.uploadPacer?.failAll(down);
      throw down;
    }
  }

  private throwIfDown(): void {
    const down = this.health.down;
    if (down) throw down;
  }

  private probeTimeoutMs(): number {
    return Math.min(this.opts.timeoutMs ?? PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS);
  }

  private probeRequest(options: CallOptions): Partial<LarkRequest> {
    return options.probe ? { timeoutMs: this.probeTimeoutMs() } : {};
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

function isInvalidToken(err: unknown): err is LarkError & { larkCode: number } {
  return err instanceof LarkError && err.larkCode !== undefined && INVALID_TOKEN_CODES.has(err.larkCode);
}

/** An app-window 429 (not 230020, a single chat's limit, nor 99991403, the tenant's quota). */
function isRateLimit(err: unknown): err is LarkError {
  return err instanceof LarkError && err.code === 'RATE_LIMITED' && (err.httpStatus === 429 || err.larkCode === 99991400);
}

function malformed(op: string, logId: string | undefined): LarkError {
  return new LarkError({
    code: 'LARK_API_ERROR',
    message: `${op}: Lark answered code 0 but the response lacks the expected fields${logId ? ` [log id: ${logId}]` : ''}`,
    logId,
  });
}

/** The next page's token of a Lark list answer; an empty string means none, as a missing one does. */
function pageTokenOf(data: { page_token?: unknown }): string | undefined {
  return typeof data.page_token === 'string' && data.page_token !== '' ? data.page_token : undefined;
}
