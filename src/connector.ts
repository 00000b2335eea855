/**
 * The connector lifecycle a platform calls: connection test, schema discovery, writing records (or a
 * dry-run of them). The CLI and the console are thin layers over this class.
 */
// Type-only: the client (and the HTTP stack under it) is imported when a run first needs it, so a
// dry-run never loads it. See larkClient().
import type { LarkClient } from './lark/client.js';
import type { LarkClientOptions } from './lark/engine.js';
import { ConnectorError, errorMessage } from './core/errors.js';
import type { Clock } from './core/clock.js';
import type { RetryPolicy } from './lark/retry.js';
import type { PacingOptions } from './lark/pacer.js';
import { baseUrlFor, type ConnectorConfig } from './config.js';
import { testDetail, testItemTitle, type TestDetailKey } from './platforms/tapdata/manifest.js';
import { ReceiverResolver } from './message/receivers.js';
import { UuidDeriver } from './message/uuid.js';
import { CONTENT_TYPES, RECEIVE_TYPE_NAMES, SCOPES } from './core/vocabulary.js';
import type { InputRecord } from './input.js';
import { DEFAULT_HIGH_WATER, MessageWriter } from './pipeline/writer.js';
import type { RecordSource } from './pipeline/read.js';
import type { RecordTransform } from './pipeline/transform/index.js';
import { nodePolicy, nodeTransform } from './pipeline/record-messages.js';
import { MediaFetcher } from './pipeline/media/fetch.js';
import { MediaStage } from './pipeline/media/stage.js';
import { InMemoryUploadKeyStore, LayeredUploadKeyStore, type UploadKeyStore } from './pipeline/media/upload-keys.js';
import { appInfo, ReceiverDirectory, unknownCommand, type AppInfo, type PickerPage } from './platforms/tapdata/form-commands/receiver-picker.js';
import { openRedisStores, type SharedStores } from './stores/index.js';
import type { MessageOutcome, OutcomeError, RunSummary } from './pipeline/report/outcome.js';
import { LARK_MESSAGES_TABLE, readPermissionsItem } from './source/schema.js';
import { batchRead, streamRead, timestampToStreamOffset, type SourceRunOptions } from './source/source.js';
import type { EmitBatch } from './source/reader.js';
import type { SourceOffset } from './source/offset.js';
import { latestMessages } from './source/preview.js';
import type { LarkMessageRecord } from './source/record.js';
import { systemClock } from './core/clock.js';
import type { RunState } from './pipeline/state.js';
import { DAY_MS, MemoryKeyMap, type KeyMap } from './pipeline/lifecycle/key-map.js';
import { JournalKeyMap, LifecycleJournal } from './pipeline/lifecycle/journal.js';
import { KeyOrder } from './pipeline/lifecycle/stage.js';
import type { TableSchema, TestItem, TestItemKey, TestStatus } from './core/types.js';

const SEND_SCOPE = SCOPES.send;
const LOOKUP_SCOPE = SCOPES.lookup;
const UPLOAD_SCOPE = SCOPES.upload;
const MEDIA_CONTENT_TYPES: ReadonlySet<string> = new Set(['image', 'file', 'audio', 'media']);

/** Whether the node sends images or files: sources are allowed, or a content row / the template is of a media type. */
function usesMedia(node: ConnectorConfig['node']): boolean {
  const m = node.media;
  if (m && (m.allowHosts.length > 0 || m.root !== undefined)) return true;
  if (node.template && MEDIA_CONTENT_TYPES.has(node.template.contentType)) return true;
  return (node.messageConfig ?? []).some((r) => MEDIA_CONTENT_TYPES.has(r.messageType));
}

export interface WriteEvent {
  op: 'i' | 'u' | 'd';
  after?: unknown;
  before?: unknown;
}
export interface WriteResult {
  insertedCount: number;
  modifiedCount: number;
  removedCount: number;
  skippedCount: number;
  failedCount: number;
  /** Events with a message the run did not get to (it stopped first); they are in errorMap too, so they are retried. */
  notSentCount: number;
  /** Event index (0-based) -> the errors of its failed messages (not-sent ones: the cause, retryable). */
  errorMap: Record<number, OutcomeError[]>;
  outcomes: MessageOutcome[];
}

export interface ConnectorDeps {
  clock?: Clock;
  random?: () => number;
  retry?: RetryPolicy;
  pacing?: PacingOptions | false;
  onEvent?: LarkClientOptions['onEvent'];
  /** Overrides for advanced wiring (shared token / limiter stores, see docs/scaling.md). */
  client?: Partial<LarkClientOptions>;
}

export interface WriteStreamOptions {
  dryRun?: boolean;
  onOutcome?: (outcome: MessageOutcome) => void | Promise<void>;
  /** Stop: nothing new is sent, in-flight messages get graceMs to settle, everything taken is reported. */
  signal?: AbortSignal;
  graceMs?: number;
  /** Resumed runs (see RunState): the message id of a message an earlier run already delivered. */
  deliveredBefore?: (line: number, index: number, uuid: string) => string | undefined;
  /** Called the moment a send is confirmed (before the ordered onOutcome). */
  onDelivered?: (outcome: MessageOutcome & { status: 'delivered' }) => void;
  /** Uuid derivation shared with earlier calls of the same run (see writeRecord); default: a fresh one. */
  uuids?: UuidDeriver;
  /** The transform stage (record value -> message drafts); default: the record is a message body or an array. */
  transform?: RecordTransform;
  /** Called once, with the cause, when an app-level error stops the sending. */
  onAppLevelError?: (err: ConnectorError) => void;
  /** Keys of uploaded images and files kept beyond this run (the --state journal's). */
  uploadKeys?: UploadKeyStore;
  /** Dry-run: attach a data: URI thumbnail to planned images up to this many bytes (console previews). */
  thumbnailMaxBytes?: number;
  /**
   * The `--state` journal: keyed events are recorded in it (a rerun does not apply them again) and, unless
   * the config has a Redis store, so is the key map. In a dry-run it is only read (keys look up their message).
   */
  state?: RunState;
  /** The record field(s) naming a message's key when the node sets none (Airbyte: a deduped stream's primary key). */
  defaultMessageKey?: string[];
}

export class LarkImConnector {
  readonly baseUrl: string;
  private client: LarkClient | undefined;
  private resolver: ReceiverResolver | undefined;
  /** The receiver picker's lists, cached for a minute (commandCallback). */
  private directory: ReceiverDirectory | undefined;
  /** Redis stores when the config has a `store` part (see docs/scaling.md); opened with the client. */
  private stores: SharedStores | undefined;
  /** Occurrence counts of the messages sent through writeRecord so far (one run per connector instance). */
  private runUuids: UuidDeriver | undefined;
  /** Keys of the images and files this connector uploaded (its app's). */
  private readonly uploadKeys = new InMemoryUploadKeyStore();
  /** Record key -> message(s), for the runs of this instance without a state or a Redis store. */
  private keyMap: KeyMap | undefined;
  /** One key's events in input order across the writers of this instance (batches, Airbyte segments). */
  private readonly keyOrder = new KeyOrder();

  constructor(
    readonly config: ConnectorConfig,
    private readonly deps: ConnectorDeps = {},
  ) {
    this.baseUrl = baseUrlFor(config.connection.domain);
  }

  /**
   * The Lark client, created on first use so a dry-run never opens a connection, and imported then too:
   * a dry-run never loads the HTTP stack. Async for that.
   */
  async larkClient(): Promise<LarkClient> {
    if (this.client) return this.client;
    const { LarkClient } = await import('./lark/client.js');
    const stores = await this.sharedStores();
    // Two concurrent first calls both get here: the first to finish wins and the other's is never built.
    this.client ??= new LarkClient({
      appId: this.config.connection.appId,
      appSecret: this.config.connection.appSecret,
      baseUrl: this.baseUrl,
      ...(this.config.connection.timeoutMs !== undefined ? { timeoutMs: this.config.connection.timeoutMs } : {}),
      ...(this.config.connection.proxy !== undefined ? { proxy: this.config.connection.proxy } : {}),
      ...(this.deps.retry ? { retry: this.deps.retry } : {}),
      pacing: this.deps.pacing ?? { maxInFlight: this.config.node.maxInFlight },
      ...(this.deps.clock ? { clock: this.deps.clock } : {}),
      ...(this.deps.random ? { random: this.deps.random } : {}),
      ...(this.deps.onEvent ? { onEvent: this.deps.onEvent } : {}),
      ...(stores ? { limiterStore: stores.limiterStore, tokenStore: stores.tokenStore } : {}),
      ...this.deps.client,
    });
    return this.client;
  }

  /** Redis unreachable here is a ConnectorError STORE_UNAVAILABLE: the run cannot start. */
  private async sharedStores(): Promise<SharedStores | undefined> {
    const store = this.config.store;
    if (!store || this.stores) return this.stores;
    const opened = await openRedisStores(store, { baseUrl: this.baseUrl, appId: this.config.connection.appId });
    if (this.stores) opened.close(); // a concurrent first call won
    else this.stores = opened;
    return this.stores;
  }

  private receiverResolver(client: LarkClient): ReceiverResolver {
    this.resolver ??= new ReceiverResolver({
      lookup: (mobiles) => client.batchGetIdByMobiles(mobiles),
      ...(this.stores ? { store: this.stores.lookupStore } : {}),
      ...(this.deps.clock ? { clock: this.deps.clock } : {}),
    });
    return this.resolver;
  }

  /** Credentials, then the bot, then the scopes; each failing item says what to change. */
  async connectionTest(): Promise<TestItem[]> {
    const client = await this.larkClient();
    const items: TestItem[] = [];
    try {
      await client.getTenantToken({ probe: true });
      const vars = { appId: this.config.connection.appId, baseUrl: this.baseUrl };
      const proxy = client.proxy;
      items.push(
        proxy
          ? item('credentials', 'ok', 'test_detail_credentials_ok_proxy', { ...vars, proxy })
          : item('credentials', 'ok', 'test_detail_credentials_ok', vars),
      );
    } catch (err) {
      items.push(item('credentials', 'fail', 'test_detail_credentials_failed', { error: errorMessage(err) }));
      for (const key of ['bot', 'permissions', 'read'] as const) items.push(item(key, 'warn', 'test_detail_not_checked'));
      return items;
    }
    items.push(await this.testBot(client));
    items.push(await this.testScopes(client));
    items.push(await this.testReadScopes(client));
    if (usesMedia(this.config.node)) items.push(await this.testMediaScope(client));
    return items;
  }

  private async testBot(client: LarkClient): Promise<TestItem> {
    try {
      const bot = await client.getBotInfo({ probe: true });
      if (bot.activateStatus === 2) {
        return item('bot', 'ok', 'test_detail_bot_ok', { name: bot.appName ?? this.config.connection.appId });
      }
      return item('bot', 'fail', 'test_detail_bot_disabled', { status: String(bot.activateStatus) });
    } catch (err) {
      return item('bot', 'fail', 'test_detail_bot_failed', { error: errorMessage(err) });
    }
  }

  private async testScopes(client: LarkClient): Promise<TestItem> {
    let scopes: Array<{ scopeName: string; granted: boolean }>;
    try {
      scopes = await client.listScopes({ probe: true });
    } catch (err) {
      return item('permissions', 'warn', 'test_detail_scopes_unlisted', { error: errorMessage(err) });
    }
    const granted = new Set(scopes.filter((s) => s.granted).map((s) => s.scopeName));
    if (!granted.has(SEND_SCOPE)) {
      return item('permissions', 'fail', 'test_detail_send_scope_missing', { scope: SEND_SCOPE });
    }
    if (!granted.has(LOOKUP_SCOPE)) {
      return item('permissions', 'warn', 'test_detail_lookup_scope_missing', { scope: LOOKUP_SCOPE });
    }
    return item('permissions', 'ok', 'test_detail_send_scopes_ok', { send: SEND_SCOPE, lookup: LOOKUP_SCOPE });
  }

  /** The source's scopes: whether the bot can read, and which messages it will see. */
  private async testReadScopes(client: LarkClient): Promise<TestItem> {
    try {
      const scopes = await client.listScopes();
      const r = readPermissionsItem(new Set(scopes.filter((s) => s.granted).map((s) => s.scopeName)));
      return item('read', r.status, r.detailKey, r.detailVars);
    } catch (err) {
      return item('read', 'warn', 'test_detail_scopes_unlisted', { error: errorMessage(err) });
    }
  }

  /** The upload scope, asked only when the node uses images or files (a warn: other messages still go). */
  private async testMediaScope(client: LarkClient): Promise<TestItem> {
    try {
      const scopes = await client.listScopes({ probe: true });
      const granted = new Set(scopes.filter((s) => s.granted).map((s) => s.scopeName));
      if (granted.has(UPLOAD_SCOPE) || granted.has('im:message')) {
        return item('media', 'ok', 'test_detail_media_ok', { scope: UPLOAD_SCOPE });
      }
      return item('media', 'warn', 'test_detail_media_scope_missing', { scope: UPLOAD_SCOPE });
    } catch (err) {
      return item('media', 'warn', 'test_detail_scopes_unlisted', { error: errorMessage(err) });
    }
  }

  /** The target's table (messages to send) and the source's (lark_messages, messages read). */
  discoverSchema(): TableSchema[] {
    return [
      {
        name: 'messages',
        description: 'Each record is one Lark IM message (or an array of them)',
        fields: [
          { name: 'receiveType', type: 'string', required: true, enum: RECEIVE_TYPE_NAMES, description: 'How receiveId is read' },
          { name: 'receiveId', type: 'string', required: true, description: 'open_id, email, phone number, chat_id, user_id or union_id' },
          { name: 'contentType', type: 'string', required: false, enum: CONTENT_TYPES, description: "Lark msg_type (default text)" },
          { name: 'content', type: 'string', required: true, description: "JSON string in Lark's format for the contentType" },
          { name: 'uuid', type: 'string', required: false, description: 'Idempotency key (<= 50 chars); derived when absent' },
        ],
      },
      LARK_MESSAGES_TABLE,
    ];
  }

  // ------------------------------------------------------------------ source (TapData's names)

  /**
   * Reads the chats' history up to now, a page (batchSize messages, 1..50) at a time: emit gets each page's
   * events and the offset that resumes after them. No offset: start at the node option `since`.
   */
  async batchRead(offset: SourceOffset | null | undefined, batchSize: number, emit: EmitBatch, options: SourceRunOptions = {}): Promise<SourceOffset> {
    return batchRead(await this.larkClient(), this.config.node, offset, batchSize, emit, options);
  }

  /** Follows new messages from the offset (node option mode: poll or events) until options.signal aborts. */
  async streamRead(offset: SourceOffset | null | undefined, emit: EmitBatch, options: SourceRunOptions = {}): Promise<SourceOffset> {
    const { appId, appSecret, proxy } = this.config.connection;
    const deps = { appId, appSecret, baseUrl: this.baseUrl, clock: this.deps.clock ?? systemClock, ...(proxy !== undefined ? { proxy } : {}) };
    return streamRead(await this.larkClient(), this.config.node, offset, emit, deps, options);
  }

  /** The group chats the bot is in (what `chats: all` reads). */
  async sourceChats(): Promise<Array<{ chatId: string; name: string; chatMode: string }>> {
    return (await this.larkClient()).listAllChats();
  }

  /** The newest messages of one chat, newest first (the console's source preview; not a source read). */
  async latestMessages(chatId: string, limit: number): Promise<LarkMessageRecord[]> {
    return latestMessages(await this.larkClient(), chatId, limit);
  }

  /** A user's name by open_id (contact:user.base:readonly; outside the contact range: OUTSIDE_VISIBLE_RANGE). */
  async userName(openId: string): Promise<string> {
    return (await (await this.larkClient()).getUser(openId)).name;
  }

  /** An offset that starts reading at `ms` (epoch milliseconds). */
  timestampToStreamOffset(ms: number): SourceOffset {
    return timestampToStreamOffset(ms);
  }

  /**
   * Writes (or dry-runs) a stream of records. Outcomes come out in input order through onOutcome; the
   * promise resolves with the counts once every message taken is settled.
   */
  async writeStream(
    /** Records, or arrays of them in input order (readRecordBatches, cheaper per record). */
    records: RecordSource,
    options: WriteStreamOptions = {},
  ): Promise<RunSummary> {
    const client = options.dryRun ? undefined : await this.larkClient();
    const media = this.mediaStage(client, options);
    const node = this.config.node;
    const lifetimeMs = node.messageKeyDays * DAY_MS;
    const now = this.deps.clock ? () => this.deps.clock!.now() : Date.now;
    const state = options.state;
    // Redis when the workers share one (never in a dry-run), else the state's journal, else this instance's memory.
    const keyMap: KeyMap = this.stores
      ? this.stores.keyMap(lifetimeMs)
      : state
        ? new JournalKeyMap(state, lifetimeMs, now)
        : (this.keyMap ??= new MemoryKeyMap(lifetimeMs, now));
    const writer = new MessageWriter({
      media,
      baseUrl: this.baseUrl,
      dryRun: options.dryRun ?? false,
      ...(client ? { client, resolver: this.receiverResolver(client) } : {}),
      // Read-ahead: generous (one slow answer must not stop the reading), and phone lookups batch over it.
      highWater: Math.max(DEFAULT_HIGH_WATER, this.config.node.maxInFlight * 64),
      lookAhead: this.config.node.maxInFlight * 2,
      // The send mode of the node config, unless the caller brings its own transform.
      transform: options.transform ?? nodeTransform(node),
      ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      ...(options.deliveredBefore ? { deliveredBefore: options.deliveredBefore } : {}),
      ...(options.onDelivered ? { onDelivered: options.onDelivered } : {}),
      // A journal's uuids are derived again the way they were recorded (journals from before scheme 3: 2).
      ...(options.uuids
        ? { uuids: options.uuids }
        : state ? { uuids: new UuidDeriver({ scheme: state.uuidScheme }) } : {}),
      ...(options.onAppLevelError ? { onAppLevelError: options.onAppLevelError } : {}),
      ...(this.deps.clock ? { now: () => this.deps.clock!.now() } : {}),
      lifecycle: {
        policy: nodePolicy(node, options.defaultMessageKey),
        keyMap,
        order: this.keyOrder,
        ...(state ? { journal: new LifecycleJournal(state) } : {}),
      },
    });
    return writer.run(records);
  }

  /** The upload stage: sources from node option media; keys in memory, the caller's store, Redis. */
  private mediaStage(client: LarkClient | undefined, options: WriteStreamOptions): MediaStage {
    const m = this.config.node.media;
    const fetcher = new MediaFetcher({
      allowHosts: m?.allowHosts ?? [],
      ...(m?.root !== undefined ? { root: m.root } : {}),
      ...(m?.timeoutMs !== undefined ? { timeoutMs: m.timeoutMs } : {}),
    });
    const layers: UploadKeyStore[] = [this.uploadKeys];
    if (options.uploadKeys) layers.push(options.uploadKeys);
    if (this.stores) layers.push(this.stores.uploadKeyStore);
    return new MediaStage({
      fetcher,
      ...(client ? { uploader: client } : {}),
      keys: new LayeredUploadKeyStore(layers),
      ...(options.thumbnailMaxBytes !== undefined ? { thumbnailMaxBytes: options.thumbnailMaxBytes } : {}),
    });
  }

  /**
   * TapData-style batch write: inserts are sent, updates per the node option, deletes skipped and counted.
   * The batches of one connector instance are one run: identical messages in different batches still get
   * different uuids (else Lark would de-duplicate the later one and it would never arrive).
   */
  async writeRecord(events: WriteEvent[], options: { dryRun?: boolean } = {}): Promise<WriteResult> {
    const records = events.map((event, i) => this.recordForEvent(event, i + 1));
    const outcomes: MessageOutcome[] = [];
    const dryRun = options.dryRun ?? false;
    // A dry-run must not advance the real run's counts.
    const uuids = dryRun ? undefined : (this.runUuids ??= new UuidDeriver());
    await this.writeStream(records, { dryRun, onOutcome: (o) => void outcomes.push(o), ...(uuids ? { uuids } : {}) });
    return summarizeEvents(events, outcomes);
  }

  /** A TapData event as the change event the writer reads (src/pipeline/lifecycle/change-event.ts). */
  private recordForEvent(event: WriteEvent, line: number): InputRecord {
    if (event.op !== 'i' && event.op !== 'u' && event.op !== 'd') {
      return { line, parseError: `unknown event op ${JSON.stringify((event as { op: unknown }).op)} (expected i, u or d)` };
    }
    // A delete without its row in before: some TapData sources carry it in after.
    const before = event.op === 'd' ? (event.before ?? event.after ?? {}) : event.before;
    return { line, value: { op: event.op, after: event.op === 'd' ? null : (event.after ?? null), before: before ?? null } };
  }

  /**
   * The platform form's commands (TapData's commandCallback): GetReceiverOfChatsAndUsers (the fixed-receiver
   * picker: {items: [{label, value, receiveType}], page, size, total}; args {key|query, page, size, type}) and
   * GetAppInfo. See src/platforms/tapdata/form-commands/receiver-picker.ts.
   */
  async commandCallback(command: string, args: Record<string, unknown> = {}): Promise<PickerPage | AppInfo> {
    if (command === 'GetReceiverOfChatsAndUsers') {
      const client = await this.larkClient();
      this.directory ??= new ReceiverDirectory(client, this.deps.clock ? () => this.deps.clock!.now() : Date.now);
      return this.directory.pick(args);
    }
    if (command === 'GetAppInfo') return appInfo(await this.larkClient(), this.config.connection.appId);
    throw unknownCommand(command);
  }

  close(): void {
    this.client?.close();
    this.stores?.close();
  }
}

function summarizeEvents(events: WriteEvent[], outcomes: MessageOutcome[]): WriteResult {
  const result: WriteResult = {
    insertedCount: 0,
    modifiedCount: 0,
    removedCount: 0,
    skippedCount: 0,
    failedCount: 0,
    notSentCount: 0,
    errorMap: {},
    outcomes,
  };
  const byEvent = new Map<number, MessageOutcome[]>();
  for (const o of outcomes) {
    const own = byEvent.get(o.line - 1);
    if (own) own.push(o);
    else byEvent.set(o.line - 1, [o]);
  }
  events.forEach((event, i) => {
    const own = byEvent.get(i) ?? [];
    const errors = own.flatMap((o) => (o.status === 'failed' ? [o.error] : []));
    const notSent = own.flatMap((o) => (o.status === 'not_sent' ? [{ code: o.code, message: `not sent: ${o.reason}`, retryable: true }] : []));
    if (errors.length > 0 || notSent.length > 0) {
      if (errors.length > 0) result.failedCount += 1;
      else result.notSentCount += 1;
      result.errorMap[i] = [...errors, ...notSent];
    } else if (own.every((o) => o.status === 'skipped')) {
      result.skippedCount += 1;
    } else if (event.op === 'u') {
      result.modifiedCount += 1;
    } else if (event.op === 'd') {
      result.removedCount += 1;
    } else {
      result.insertedCount += 1;
    }
  });
  return result;
}

/** The detail in English, and its message key and values, so a page can word it in another language. */
function item(
  key: TestItemKey,
  status: TestStatus,
  detailKey: TestDetailKey,
  detailVars: Record<string, string> = {},
): TestItem {
  const detail = testDetail(detailKey, detailVars);
  return { item: key, title: testItemTitle(key), status, detail, detailKey, detailVars };
}
