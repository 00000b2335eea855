import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyLimitBytes, contentProblem, isMsgType, MSG_TYPES } from './content.js';
import { Directory, type App } from './directory.js';
import { listUsersReply } from './directory-lists.js';
import { FaultController, seededRandom, type Fault } from './faults.js';
import { EmulatorLongConnection } from './long-connection.js';
import { eventsForActivity } from './activity-events.js';
import { KeyedWindows, SlidingWindow, admit } from './rate-window.js';
import { fieldError, invalidParam, larkError, logIdFactory, missingScope, rateLimited, type Reply } from './reply.js';
import { defaultSeed, loadSeedFile, parseSeed } from './seed.js';
import { MessageStore } from './store.js';
import { ChatHistory, type ChatActivity, type HistoryMessage } from './history.js';
import { listChats, listMessages, type ReadContext } from './read-endpoints.js';
import { buildUserMessage, type PostMessageInput } from './post-message.js';
import { ADMIN_PATHS, adminReply } from './admin-routes.js';
import { TokenIssuer } from './tokens.js';
import { CHANGE_METHODS, DEFAULT_CHANGE_SETTINGS, MESSAGE_PATH, MessageChanges } from './message-changes.js';
import {
  DEFAULT_LIMITS,
  RECEIVE_ID_TYPES,
  type DeliveredMessage,
  type EmulatorClock,
  type EmulatorLimits,
  type EmulatorOptions,
  type EmulatorStats,
  type ReceiveIdType,
} from './types.js';

const MAX_BODY_BYTES = 2 * 1024 * 1024;
const SEND_SCOPES = ['im:message', 'im:message:send_as_bot'];
const LOOKUP_SCOPES = ['contact:user.id:readonly'];
/** Scopes GET /application/v6/scopes reports (granted or not), besides whatever the seed grants. */
const KNOWN_SCOPES = ['im:message', 'im:message:send_as_bot', 'im:message.group_msg', 'im:message:readonly', 'contact:user.id:readonly'];

interface Request {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  /** Raw body; null when over MAX_BODY_BYTES. */
  body: Buffer | null;
  logId: string;
}
type Handler = (req: Request) => Reply | Promise<Reply>;

interface AppWindows {
  sendSecond: SlidingWindow;
  sendMinute: SlidingWindow;
  lookupSecond: SlidingWindow;
  lookupMinute: SlidingWindow;
  listSecond: SlidingWindow;
  listMinute: SlidingWindow;
  chatsSecond: SlidingWindow;
  chatsMinute: SlidingWindow;
}

function emptyStats(): EmulatorStats {
  return {
    requests: 0,
    tokenRequests: 0,
    tokensIssued: 0,
    sendRequests: 0,
    delivered: 0,
    duplicatesSuppressed: 0,
    status429: 0,
    status5xx: 0,
    lostResponses: 0,
    slowResponses: 0,
    batchGetIdRequests: 0,
    listMessagesRequests: 0,
    listChatsRequests: 0,
    botInfoRequests: 0,
    scopeRequests: 0,
    changeRequests: 0,
    errorsByCode: {},
    byEndpoint: {},
  };
}

/**
 * An embedded Lark Open Platform emulator: a real HTTP server on 127.0.0.1 answering the endpoints the
 * connector uses with Lark's response shapes, codes, rate limits and uuid de-duplication. Prints nothing.
 *
 *   const emu = await LarkEmulator.start();           // random port, defaultSeed(), real clock
 *   const client = new LarkClient({ appId: 'cli_demo_app', appSecret: 'demo-secret-not-real', baseUrl: emu.baseUrl });
 *   emu.faults.failNext(1, 'lost');
 *   ...; emu.messages(); emu.stats(); await emu.close();
 */
export class LarkEmulator {
  readonly baseUrl: string;
  readonly faults: FaultController;
  /** Lark's long connection (event push): publish events, fault switches, stats. See long-connection.ts. */
  readonly longConnection: EmulatorLongConnection;

  private readonly clock: EmulatorClock;
  private readonly dir: Directory;
  private readonly tokens: TokenIssuer;
  private readonly store: MessageStore;
  /** Every chat's messages (user posts and bot sends): what the list endpoints read. */
  private readonly history = new ChatHistory();
  private readonly limits: EmulatorLimits | false;
  private readonly slowDelayMs: number;
  private readonly nextLogId: () => string;
  private readonly routes = new Map<string, Handler>();
  /** Edits, card updates and recalls of the bots' messages. */
  private readonly changes: MessageChanges;
  private appWindows = new Map<string, AppWindows>();
  private userWindows: KeyedWindows | undefined;
  private chatWindows: KeyedWindows | undefined;
  private counters: EmulatorStats = emptyStats();
  private seq = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped: Promise<void> | undefined;

  private constructor(private readonly server: Server, opts: EmulatorOptions & { seedResolved: EmulatorOptions['seed'] }, baseUrl: string) {
    this.baseUrl = baseUrl;
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.dir = new Directory(opts.seedResolved ?? defaultSeed());
    const ttlMs = (opts.tokenTtlSeconds ?? 7200) * 1000;
    const reuseMinMs = opts.tokenReuseMinSeconds !== undefined ? opts.tokenReuseMinSeconds * 1000 : Math.min(1_800_000, ttlMs / 4);
    this.tokens = new TokenIssuer(this.clock, ttlMs, reuseMinMs);
    this.store = new MessageStore((opts.dedupWindowSeconds ?? 3600) * 1000);
    this.limits = opts.limits === false ? false : { ...DEFAULT_LIMITS, ...opts.limits };
    this.slowDelayMs = opts.slowDelayMs ?? 15_000;
    this.nextLogId = logIdFactory(() => this.clock.now());
    this.faults = new FaultController(opts.random ?? seededRandom(opts.randomSeed ?? 42), {
      invalidate: () => this.tokens.invalidateAll(),
      expire: () => this.tokens.expireAll(),
    });
    this.changes = new MessageChanges({
      history: this.history,
      store: this.store,
      now: () => this.clock.now(),
      limits: this.limits,
      settings: { ...DEFAULT_CHANGE_SETTINGS, ...opts.messageChanges },
    });
    this.resetWindows();
    this.route('POST', '/open-apis/auth/v3/tenant_access_token/internal', (r) => this.tokenEndpoint(r));
    this.route('POST', '/open-apis/im/v1/messages', (r) => this.sendEndpoint(r));
    this.route('GET', '/open-apis/im/v1/messages', (r) => this.readEndpoint(r, 'messages'));
    this.route('GET', '/open-apis/im/v1/chats', (r) => this.readEndpoint(r, 'chats'));
    for (const which of ['post', 'edit', 'recall'] as const) {
      this.route('POST', ADMIN_PATHS[which], (r) => {
        const parsed = this.jsonBody(r);
        return 'reply' in parsed ? parsed.reply : adminReply(this, which, parsed.value);
      });
    }
    this.route('POST', '/open-apis/contact/v3/users/batch_get_id', (r) => this.batchGetIdEndpoint(r));
    this.route('GET', '/open-apis/bot/v3/info', (r) => this.botInfoEndpoint(r));
    this.route('GET', '/open-apis/application/v6/scopes', (r) => this.scopesEndpoint(r));
    // The receiver picker's users list (src/emulator/directory-lists.ts); its chats come from im/v1/chats above.
    const users = (r: Request) => this.withApp(r, (app) => listUsersReply(app, this.dir.allUsers(), r.url.searchParams, r.logId));
    this.route('GET', '/open-apis/contact/v3/users/find_by_department', users);
    this.route('GET', '/open-apis/contact/v3/users', users);
    this.longConnection = new EmulatorLongConnection(server, { apps: this.dir.apps, now: () => this.clock.now(), baseUrl }, opts.longConnection);
    this.route('POST', '/callback/ws/endpoint', (r) => {
      const parsed = this.jsonBody(r);
      return 'reply' in parsed ? parsed.reply : this.longConnection.endpoint(parsed.value);
    });
    // Chat activity (user posts, recalls) is pushed over the long connection as Lark's IM events.
    this.onActivity((activity) => {
      for (const { appId, envelope } of eventsForActivity(this.dir, activity, this.clock.now())) this.longConnection.publish(appId, envelope);
    });
  }

  /** Runs an endpoint for the app the bearer token belongs to. */
  private withApp(req: Request, handler: (app: App) => Reply): Reply {
    const app = this.authenticate(req);
    return isReply(app) ? app : handler(app);
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(opts: EmulatorOptions = {}): Promise<LarkEmulator> {
    const seed = opts.seed ? parseSeed(opts.seed) : opts.seedFile ? await loadSeedFile(opts.seedFile) : defaultSeed();
    const host = opts.host ?? '127.0.0.1';
    const server = createServer();
    // Longer than typical client keep-alive idle times, so a pooled socket is not closed under a request.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const emu = new LarkEmulator(server, { ...opts, seedResolved: seed }, `http://${host}:${port}`);
    server.on('request', (req, res) => emu.onRequest(req, res));
    return emu;
  }

  /** Delivered messages (uuid repeats excluded), in delivery order. Copies. */
  messages(): DeliveredMessage[] {
    return this.store.all();
  }

  stats(): EmulatorStats {
    return structuredClone(this.counters);
  }

  /**
   * Admin call (demos, tests): a user posts a message into a chat. Like every change to a chat it is
   * announced to onActivity listeners (the long connection pushes it as an event).
   */
  postMessage(input: PostMessageInput): HistoryMessage {
    const n = (++this.seq).toString(16).padStart(8, '0');
    const ids = { messageId: `om_${n}${input.chatId.slice(-24)}`, threadId: `omt_${n}${input.chatId.slice(-12)}` };
    return structuredClone(this.history.post(buildUserMessage(this.dir, (id) => this.history.get(id), input, ids, this.clock.now())));
  }

  /** Admin call: the sender edits a text/post message (updated = true, update_time = now). */
  editMessage(messageId: string, content: string | { text: string }): HistoryMessage {
    const json = typeof content === 'string' ? content : JSON.stringify(content);
    return structuredClone(this.history.edit(messageId, json, this.clock.now()));
  }

  /** Admin call: the sender recalls a message (deleted = true). */
  recallMessage(messageId: string): HistoryMessage {
    return structuredClone(this.history.recall(messageId, this.clock.now()));
  }

  /** Observes every message posted (user posts and bot sends), edited or recalled. Returns the unsubscribe. */
  onActivity(listener: (activity: ChatActivity) => void): () => void {
    this.history.on('activity', listener);
    return () => this.history.off('activity', listener);
  }

  /**
   * Forgets delivered messages, uuid history, rate-limit windows, stats and faults.
   * Issued tokens stay valid unless `tokens: true`.
   */
  reset(opts: { tokens?: boolean } = {}): void {
    this.store.clear();
    this.history.clear();
    this.dir.clearP2p();
    this.counters = emptyStats();
    this.faults.clear();
    this.resetWindows();
    this.changes.reset();
    if (opts.tokens) this.tokens.clear();
  }

  /** Closes the server, drops open connections and pending slow responses. Idempotent. */
  close(): Promise<void> {
    return this.stop();
  }

  /** @deprecated the same as close() (one name for shutdown across the package, like the connector's close()). */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.longConnection.close();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.stopped;
  }

  // ---------------------------------------------------------------- plumbing

  private route(method: string, path: string, handler: Handler): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  private resetWindows(): void {
    this.appWindows = new Map();
    if (this.limits) {
      this.userWindows = new KeyedWindows(this.limits.perReceiverPerSecond, 1000);
      this.chatWindows = new KeyedWindows(this.limits.perReceiverPerSecond, 1000);
    }
  }

  private windowsOf(appId: string): AppWindows | undefined {
    const l = this.limits;
    if (!l) return undefined;
    let w = this.appWindows.get(appId);
    if (!w) {
      w = {
        sendSecond: new SlidingWindow(l.sendPerSecond, 1000),
        sendMinute: new SlidingWindow(l.sendPerMinute, 60_000),
        lookupSecond: new SlidingWindow(l.batchGetIdPerSecond, 1000),
        lookupMinute: new SlidingWindow(l.batchGetIdPerMinute, 60_000),
        listSecond: new SlidingWindow(l.listPerSecond, 1000),
        listMinute: new SlidingWindow(l.listPerMinute, 60_000),
        chatsSecond: new SlidingWindow(l.listPerSecond, 1000),
        chatsMinute: new SlidingWindow(l.listPerMinute, 60_000),
      };
      this.appWindows.set(appId, w);
    }
    return w;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      const body = size > MAX_BODY_BYTES ? null : Buffer.concat(chunks);
      this.afterHalfTrip(() => void this.dispatch(req, res, body));
    });
    req.on('error', () => res.destroy());
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, body: Buffer | null): Promise<void> {
    const logId = this.nextLogId();
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    let key = `${req.method ?? 'GET'} ${path}`;
    let handler = this.routes.get(key);
    const change = handler ? undefined : MESSAGE_PATH.exec(path);
    const kind = change ? CHANGE_METHODS[req.method ?? ''] : undefined;
    if (change && kind) {
      key = `${req.method} /open-apis/im/v1/messages/:message_id`;
      handler = (r) => this.changeEndpoint(r, kind, decodeURIComponent(change[1]!));
    }
    this.counters.requests++;
    const endpoint = handler ? key : 'other';
    this.counters.byEndpoint[endpoint] = (this.counters.byEndpoint[endpoint] ?? 0) + 1;
    let reply: Reply;
    try {
      reply = handler
        ? await handler({ method: req.method ?? 'GET', url, headers: req.headers, body, logId })
        : { status: 404, body: { code: 404, msg: '404 page not found' } };
    } catch (err) {
      reply = larkError(500, 1500, `emulator internal error: ${(err as Error).message}`, logId);
    }
    this.write(req, res, reply, logId);
  }

  private write(req: IncomingMessage, res: ServerResponse, reply: Reply, logId: string): void {
    const code = reply.body['code'];
    if (typeof code === 'number' && code !== 0) this.counters.errorsByCode[code] = (this.counters.errorsByCode[code] ?? 0) + 1;
    if (reply.lose) {
      this.counters.lostResponses++;
      req.socket.destroy();
      return;
    }
    if (reply.status === 429) this.counters.status429++;
    if (reply.status >= 500) this.counters.status5xx++;
    const payload = JSON.stringify(reply.body);
    const send = (): void => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(reply.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(payload),
        'x-tt-logid': logId,
        ...reply.headers,
      });
      res.end(payload);
    };
    if (reply.delayMs && reply.delayMs > 0) {
      this.counters.slowResponses++;
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.afterHalfTrip(send);
      }, reply.delayMs);
      this.timers.add(t);
    } else {
      this.afterHalfTrip(send);
    }
  }

  /** Half the emulated round trip (faults.latency), then fn; at once when there is none. */
  private afterHalfTrip(fn: () => void): void {
    const half = this.faults.roundTrip / 2;
    if (half <= 0) return fn();
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, half);
    this.timers.add(t);
  }

  /** Parses a JSON object body; a Reply when it is not one. */
  private jsonBody(req: Request): { value: Record<string, unknown> } | { reply: Reply } {
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

  /** Bearer token -> the app, or the Lark auth error. */
  private authenticate(req: Request): App | Reply {
    const header = req.headers['authorization'];
    if (header === undefined || header.trim() === '') {
      return larkError(400, 99991661, 'Missing access token for authorization. Please make a request with token attached.', req.logId);
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m?.[1]) return larkError(400, 99991671, 'Invalid access token format. Use "Authorization: Bearer <token>".', req.logId);
    const check = this.tokens.check(m[1]);
    if (!check.ok) return larkError(400, check.code, check.msg, req.logId);
    const app = this.dir.apps.get(check.appId);
    if (!app) return larkError(400, 99991663, 'Invalid access token for authorization. Please make a request with token attached.', req.logId);
    return app;
  }

  // ---------------------------------------------------------------- endpoints

  private tokenEndpoint(req: Request): Reply {
    this.counters.tokenRequests++;
    const parsed = this.jsonBody(req);
    if ('reply' in parsed) return parsed.reply;
    const body = parsed.value;
    const appId = body['app_id'];
    const secret = body['app_secret'];
    if (typeof appId !== 'string' || appId === '' || typeof secret !== 'string' || secret === '') {
      return larkError(400, 10003, 'invalid param: app_id and app_secret are required', req.logId);
    }
    const app = this.dir.apps.get(appId);
    if (!app) return larkError(400, 10003, 'invalid param: app_id not found', req.logId);
    if (app.appSecret !== secret) return larkError(400, 10014, 'app secret invalid', req.logId);
    const issued = this.tokens.issue(appId);
    if (issued.fresh) this.counters.tokensIssued++;
    return { status: 200, body: { code: 0, msg: 'ok', tenant_access_token: issued.token, expire: issued.expireSeconds } };
  }

  private async sendEndpoint(req: Request): Promise<Reply> {
    this.counters.sendRequests++;
    const app = this.authenticate(req);
    if (isReply(app)) return app;
    const fault: Fault | undefined = this.faults.take();
    if (fault?.kind === '5xx') return larkError(fault.status ?? 500, 1500, 'internal error, please retry later', req.logId);
    if (fault?.kind === '429') return rateLimited(req.logId, this.limits ? this.limits.sendPerSecond : 50, fault.resetSeconds ?? 1);
    const reply = this.processSend(req, app);
    if (fault?.kind === 'lost') reply.lose = true;
    if (fault?.kind === 'slow') reply.delayMs = fault.delayMs ?? this.slowDelayMs;
    return reply;
  }

  private processSend(req: Request, app: App): Reply {
    const { logId } = req;
    if (!SEND_SCOPES.some((s) => app.scopes.has(s))) return missingScope(logId, SEND_SCOPES);
    const now = this.clock.now();
    const w = this.windowsOf(app.appId);
    if (w) {
      const over = admit([w.sendSecond, w.sendMinute], now);
      if (over) return rateLimited(logId, over.limit, over.resetSeconds);
    }

    const idType = req.url.searchParams.get('receive_id_type');
    if (idType === null || !(RECEIVE_ID_TYPES as readonly string[]).includes(idType)) {
      return fieldError(logId, 'receive_id_type', `receive_id_type is required, one of ${RECEIVE_ID_TYPES.join(' | ')}`);
    }
    const parsed = this.jsonBody(req);
    if ('reply' in parsed) return parsed.reply;
    const body = parsed.value;
    const receiveId = body['receive_id'];
    const msgType = body['msg_type'];
    const content = body['content'];
    const uuid = body['uuid'];
    if (typeof receiveId !== 'string' || receiveId === '') return fieldError(logId, 'receive_id', 'receive_id is required');
    if (typeof msgType !== 'string' || msgType === '') return fieldError(logId, 'msg_type', 'msg_type is required');
    if (typeof content !== 'string' || content === '') return fieldError(logId, 'content', 'content is required and must be a JSON string');
    if (uuid !== undefined && (typeof uuid !== 'string' || uuid.length > 50)) return fieldError(logId, 'uuid', 'uuid must be a string of at most 50 characters');
    if (!isMsgType(msgType)) return invalidParam(logId, `invalid msg_type, must be one of ${MSG_TYPES.join(', ')}`);
    if ((req.body?.length ?? 0) > bodyLimitBytes(msgType)) {
      return larkError(400, 230025, 'The length of the message content reaches its limit.', logId);
    }
    const problem = contentProblem(msgType, content);
    if (problem) return invalidParam(logId, `invalid content: ${problem}`);
    if (app.botActivateStatus !== 2) return larkError(400, 230006, 'Bot ability is not activated.', logId);

    if (typeof uuid === 'string' && uuid !== '') {
      const dup = this.store.duplicateOf(app.appId, uuid, now);
      if (dup) {
        this.counters.duplicatesSuppressed++;
        return this.sendSuccess(app, dup);
      }
    }

    const target = this.resolveReceiver(app, idType as ReceiveIdType, receiveId, logId);
    if (isReply(target)) return target;
    if (this.limits) {
      const windows = target.openId ? this.userWindows : this.chatWindows;
      const key = target.openId ? `${app.appId}\n${target.openId}` : target.chatId;
      const over = windows && admit([windows.get(key, now)], now);
      if (over) return larkError(400, 230020, 'This operation triggers the frequency limit.', logId);
    }

    const message: DeliveredMessage = {
      messageId: `om_${(++this.seq).toString(16).padStart(8, '0')}${target.chatId.slice(-24)}`,
      appId: app.appId,
      receiveIdType: idType as ReceiveIdType,
      receiveId,
      chatId: target.chatId,
      msgType,
      content,
      createTime: now,
    };
    if (typeof uuid === 'string' && uuid !== '') message.uuid = uuid;
    if (target.openId) message.resolvedOpenId = target.openId;
    this.store.add(message);
    this.history.post({
      messageId: message.messageId,
      chatId: message.chatId,
      msgType,
      content,
      createTime: now,
      updateTime: now,
      deleted: false,
      updated: false,
      sender: { id: app.appId, idType: 'app_id', senderType: 'app' },
      mentions: [],
    });
    this.counters.delivered++;
    return this.sendSuccess(app, message);
  }

  private resolveReceiver(app: App, idType: ReceiveIdType, id: string, logId: string): { chatId: string; openId?: string } | Reply {
    if (idType === 'chat_id') {
      const chat = this.dir.groupChat(id);
      if (chat) return chat.botMember ? { chatId: id } : larkError(400, 230002, 'The bot can not be outside the group.', logId);
      const p2p = this.dir.p2pChat(id);
      if (p2p && p2p.appId === app.appId) return { chatId: id };
      return invalidParam(logId, 'invalid receive_id');
    }
    const user = this.dir.userBy(idType, id);
    if (!user) {
      if (idType === 'open_id') {
        return id.startsWith('ou_')
          ? larkError(400, 99992361, 'open_id cross app', logId)
          : larkError(400, 99992351, `not a valid {open_id} or not exists: ${id}`, logId);
      }
      if (idType === 'email') return invalidParam(logId, 'invalid receive_id');
      return larkError(400, 99992351, `not a valid {${idType}} or not exists: ${id}`, logId);
    }
    if (user.visible === false) return larkError(400, 230013, 'Bot has NO availability to this user.', logId);
    return { chatId: this.dir.p2pChatId(app.appId, user.openId), openId: user.openId };
  }

  private messageItem(app: App | undefined, m: DeliveredMessage): Record<string, unknown> {
    const t = String(m.createTime);
    return {
      message_id: m.messageId,
      msg_type: m.msgType,
      create_time: t,
      update_time: t,
      deleted: false,
      updated: false,
      chat_id: m.chatId,
      sender: { id: m.appId, id_type: 'app_id', sender_type: 'app', tenant_key: app?.tenantKey ?? '' },
      body: { content: m.content },
    };
  }

  private sendSuccess(app: App, m: DeliveredMessage): Reply {
    return { status: 200, body: { code: 0, msg: 'success', data: this.messageItem(app, m) } };
  }

  private batchGetIdEndpoint(req: Request): Reply {
    this.counters.batchGetIdRequests++;
    const app = this.authenticate(req);
    if (isReply(app)) return app;
    const { logId } = req;
    if (!LOOKUP_SCOPES.some((s) => app.scopes.has(s))) return missingScope(logId, LOOKUP_SCOPES);
    const w = this.windowsOf(app.appId);
    if (w) {
      const over = admit([w.lookupSecond, w.lookupMinute], this.clock.now());
      if (over) return rateLimited(logId, over.limit, over.resetSeconds);
    }
    const idType = req.url.searchParams.get('user_id_type') ?? 'open_id';
    if (idType !== 'open_id' && idType !== 'union_id' && idType !== 'user_id') {
      return fieldError(logId, 'user_id_type', 'user_id_type must be one of open_id | union_id | user_id');
    }
    const parsed = this.jsonBody(req);
    if ('reply' in parsed) return parsed.reply;
    const body = parsed.value;
    const lists: Record<'mobiles' | 'emails', string[]> = { mobiles: [], emails: [] };
    for (const field of ['mobiles', 'emails'] as const) {
      const v = body[field];
      if (v === undefined) continue;
      if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) return fieldError(logId, field, `${field} must be an array of strings`);
      if (v.length > 50) return fieldError(logId, field, `${field} holds ${v.length} entries, at most 50 are allowed`);
      lists[field] = v;
    }
    const idOf = (u: { openId: string; unionId?: string; userId?: string; visible?: boolean } | undefined): string | undefined => {
      if (!u || u.visible === false) return undefined; // outside the visible range: a miss
      return idType === 'open_id' ? u.openId : idType === 'union_id' ? u.unionId : u.userId;
    };
    const userList: Array<Record<string, string>> = [];
    for (const mobile of lists.mobiles) {
      const id = idOf(this.dir.userByMobile(mobile));
      userList.push(id === undefined ? { mobile } : { user_id: id, mobile });
    }
    for (const email of lists.emails) {
      const id = idOf(this.dir.userBy('email', email));
      userList.push(id === undefined ? { email } : { user_id: id, email });
    }
    return { status: 200, body: { code: 0, msg: 'success', data: { user_list: userList } } };
  }

  private readEndpoint(req: Request, which: 'messages' | 'chats'): Reply {
    if (which === 'messages') this.counters.listMessagesRequests++;
    else this.counters.listChatsRequests++;
    const app = this.authenticate(req);
    if (isReply(app)) return app;
    const ctx: ReadContext = {
      history: this.history,
      dir: this.dir,
      logId: req.logId,
      overLimit: () => {
        const w = this.windowsOf(app.appId);
        const over = w && admit(which === 'messages' ? [w.listSecond, w.listMinute] : [w.chatsSecond, w.chatsMinute], this.clock.now());
        return over ? rateLimited(req.logId, over.limit, over.resetSeconds) : undefined;
      },
    };
    return which === 'messages' ? listMessages(ctx, app, req.url.searchParams) : listChats(ctx, app, req.url.searchParams);
  }

  private changeEndpoint(req: Request, kind: 'edit' | 'update_card' | 'recall', messageId: string): Reply {
    this.counters.changeRequests++;
    const app = this.authenticate(req);
    if (isReply(app)) return app;
    const parsed = kind === 'recall' ? { value: {} } : this.jsonBody(req);
    if ('reply' in parsed) return parsed.reply;
    return this.changes.handle(kind, app, messageId, parsed.value, req.body?.length ?? 0, req.logId);
  }

  private botInfoEndpoint(req: Request): Reply {
    this.counters.botInfoRequests++;
    const app = this.authenticate(req);
    if (isReply(app)) return app;
    return {
      status: 200,
      body: {
        code: 0,
        msg: 'ok',
        bot: {
          activate_status: app.botActivateStatus,
          app_name: app.appName,
          avatar_url: `https://s1-imfile.feishucdn.com/static-resource/v1/emulator_${app.appId}~?image_size=72x72`,
          ip_white_list: [],
          open_id: app.botOpenId,
        },
      },
    };
  }

  private scopesEndpoint(req: Request): Reply {
    this.counters.scopeRequests++;
    const app = this.authenticate(req);
    if (isReply(app)) return app;
    const names = [...new Set([...KNOWN_SCOPES, ...app.scopes])];
    const scopes = names.map((scope_name) => ({ scope_name, grant_status: app.scopes.has(scope_name) ? 1 : 0, scope_type: 'tenant' }));
    return { status: 200, body: { code: 0, msg: 'success', data: { scopes } } };
  }
}

function isReply(v: unknown): v is Reply {
  return typeof v === 'object' && v !== null && 'status' in v && 'body' in v && typeof (v as Reply).status === 'number';
}
