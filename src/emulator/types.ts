import type { Clock } from '../core/clock.js';
import type { ReceiveIdType } from '../core/vocabulary.js';
import type { ClientConfig } from '../source/long-connection/frame.js';

/** The emulator only reads the time; any project Clock fits. */
export type EmulatorClock = Pick<Clock, 'now'>;

export interface SeedApp {
  appId: string;
  appSecret: string;
  appName?: string;
  /** open_id of the app's bot (bot/v3/info). Default: derived from appId. */
  botOpenId?: string;
  /** 2 = enabled (default). Anything else: sends fail with 230006. */
  botActivateStatus?: number;
  /** Granted scopes. Default: im:message:send_as_bot + contact:user.id:readonly + im:message.group_msg. */
  scopes?: string[];
  tenantKey?: string;
}

export interface SeedUser {
  openId: string;
  name: string;
  email?: string;
  /** E.164 ("+8613800000001") or bare digits (taken as +86, like Lark). */
  mobile?: string;
  userId?: string;
  unionId?: string;
  /** Inside the app's availability (visible) range. Default true. */
  visible?: boolean;
}

export interface SeedChat {
  chatId: string;
  name: string;
  /** The bot is a member: sends to the chat work, else 230002. */
  botMember: boolean;
  /** 'topic': listing the chat gives each topic's first message, the replies are read per thread. Default 'group'. */
  chatMode?: 'group' | 'topic';
}

export interface EmulatorSeed {
  apps: SeedApp[];
  users: SeedUser[];
  chats: SeedChat[];
}

/** Per-app rate limits (Lark's published values by default). */
export interface EmulatorLimits {
  sendPerSecond: number;
  sendPerMinute: number;
  /** Same user (per app) or same chat (shared by all apps). Over -> 230020. */
  perReceiverPerSecond: number;
  batchGetIdPerSecond: number;
  batchGetIdPerMinute: number;
  /** GET im/v1/messages and GET im/v1/chats, each (Lark: 50/s, 1000/min per app). */
  listPerSecond: number;
  listPerMinute: number;
  /** POST im/v1/images and im/v1/files together (Lark: 50/s, 1000/min per app). */
  uploadPerSecond: number;
  uploadPerMinute: number;
}

export const DEFAULT_LIMITS: Readonly<EmulatorLimits> = Object.freeze({
  sendPerSecond: 50,
  sendPerMinute: 1000,
  perReceiverPerSecond: 5,
  batchGetIdPerSecond: 50,
  batchGetIdPerMinute: 1000,
  listPerSecond: 50,
  listPerMinute: 1000,
  uploadPerSecond: 50,
  uploadPerMinute: 1000,
});

export interface EmulatorOptions {
  /** 0 (default) = a random free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Serve https (and wss) with this PEM key and certificate (specs: a test certificate). */
  tls?: { key: string; cert: string };
  /** Default: defaultSeed(). */
  seed?: EmulatorSeed;
  /** Path of a seed JSON file (used when `seed` is not given). */
  seedFile?: string;
  /** Default: Date.now. Token expiry, rate-limit windows, uuid dedup and create_time all read it. */
  clock?: EmulatorClock;
  /** Override some limits, or false to disable rate limiting. */
  limits?: Partial<EmulatorLimits> | false;
  /** tenant_access_token lifetime. Default 7200. */
  tokenTtlSeconds?: number;
  /** Same token is returned while it has at least this long left. Default 1800 (Lark), or ttl/4 when that is shorter. */
  tokenReuseMinSeconds?: number;
  /** uuid de-duplication window. Default 3600. 0 switches de-duplication off (every send delivered, as past Lark's hour). */
  dedupWindowSeconds?: number;
  /** Random source for ratio faults. Default: a PRNG seeded with `randomSeed`. */
  random?: () => number;
  /** Seed of the default PRNG. Default 42. */
  randomSeed?: number;
  /** Delay of a 'slow' fault when failNext gives none. Default 15000 ms. */
  slowDelayMs?: number;
  /** Long connection: ClientConfig, ack deadline, fragment size, connection limit (long-connection.ts). */
  longConnection?: Partial<LongConnectionSettings>;
  /** Edits, card updates and recalls: the edit count and the windows (message-changes.ts). */
  messageChanges?: Partial<MessageChangeSettings>;
}

/** The long connection's behaviour (long-connection.ts); DEFAULT_LONG_CONNECTION holds Lark's values. */
export interface LongConnectionSettings {
  /** ClientConfig handed out (seconds). Defaults: Lark's 120 / -1 / 120 / 30. */
  clientConfig: ClientConfig;
  /** An event not acked this long after its push is pushed again. Default 3000 ms (Lark's deadline). */
  ackTimeoutMs: number;
  /** Pushes of one event in all (first + re-pushes). Default 4. */
  maxPushes: number;
  /** Payloads larger than this go in fragments. Default 32 KiB. */
  fragmentBytes: number;
  /** Connections one app may hold. Default 50. */
  maxConnectionsPerApp: number;
}

/** Lark's windows; the edit and recall windows are the tenant admin's settings. */
export interface MessageChangeSettings {
  maxEdits: number;
  editWindowSeconds: number;
  cardWindowSeconds: number;
  recallWindowSeconds: number;
  /** Changes of one message a second (230020 over it). */
  perMessagePerSecond: number;
}

/** Lark's values (the edit window is a common admin setting). */
export const DEFAULT_CHANGE_SETTINGS: Readonly<MessageChangeSettings> = Object.freeze({
  maxEdits: 20,
  editWindowSeconds: 24 * 3600,
  cardWindowSeconds: 14 * 24 * 3600,
  recallWindowSeconds: 24 * 3600,
  perMessagePerSecond: 5,
});

/** One delivered message, as recorded by the emulator. */
export interface DeliveredMessage {
  messageId: string;
  appId: string;
  uuid?: string;
  receiveIdType: ReceiveIdType;
  receiveId: string;
  /** Set when the receiver was a user (open_id / user_id / union_id / email). */
  resolvedOpenId?: string;
  /** Group chat id, or the app<->user p2p chat id. */
  chatId: string;
  msgType: string;
  content: string;
  /** ms since epoch (from the injected clock). */
  createTime: number;
  /** The last edit or card update (content and msgType are then the new ones), or the recall. */
  updateTime?: number;
  /** PUT edits so far (Lark allows 20). */
  edits?: number;
  /** Recalled by the app (DELETE): gone from the chat. */
  recalled?: boolean;
}


export interface EmulatorStats {
  /** Every request, any path. */
  requests: number;
  /** TCP connections accepted (a keep-alive client reuses them; through a proxy, one per tunnel). */
  connections: number;
  tokenRequests: number;
  tokensIssued: number;
  sendRequests: number;
  delivered: number;
  /** uuid hits: answered with the earlier message_id, nothing delivered. */
  duplicatesSuppressed: number;
  /** Responses with HTTP 429 (real limits and injected). */
  status429: number;
  /** Responses with HTTP >= 500 (injected or emulator bug). */
  status5xx: number;
  /** Sockets destroyed instead of answering ('lost' faults). */
  lostResponses: number;
  /** Responses delayed by a 'slow' fault. */
  slowResponses: number;
  batchGetIdRequests: number;
  listMessagesRequests: number;
  listChatsRequests: number;
  botInfoRequests: number;
  scopeRequests: number;
  /** Upload requests that reached the checks of im/v1/images and im/v1/files (accepted or refused). */
  uploads: number;
  /** PUT, PATCH and DELETE of im/v1/messages/:message_id. */
  changeRequests: number;
  /** Count of every non-zero Lark code answered, keyed by code. */
  errorsByCode: Record<string, number>;
  /** Requests per "METHOD /path" ('other' for unknown paths). */
  byEndpoint: Record<string, number>;
}
