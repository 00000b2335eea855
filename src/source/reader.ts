/**
 * The source's reading stages: list chats -> page each container's history (a chat, then the topics of a
 * topic chat) -> de-duplicate against the offset -> emit a page of events with the offset after it.
 * One `pass()` reads every container up to now; the follow modes call it again (poll) or feed event
 * items through `ingest()` (events).
 */
import { systemClock, type Clock } from '../core/clock.js';
import { ConnectorError } from '../core/errors.js';
import { READ_SCOPES } from '../core/vocabulary.js';
import { DEFAULT_PACING } from '../lark/pacer.js';
import type { ChatSummary } from '../lark/endpoints/chats.js';
import type { ChatMessagesPage, ListChatMessagesRequest } from '../lark/endpoints/messages.js';
import { CursorState, DEFAULT_OVERLAP_MS, chatKey, threadKey, type SourceOffset } from './offset.js';
import { toRecord, type LarkMessageRecord, type SourceEvent } from './record.js';

/** What the reader needs of LarkClient (so specs can hand in a fake). */
export interface ReaderClient {
  listChatMessages(req: ListChatMessagesRequest, options?: { signal?: AbortSignal }): Promise<ChatMessagesPage>;
  listAllChats(options?: { signal?: AbortSignal }): Promise<ChatSummary[]>;
  /** After ENDPOINT_UNREACHABLE: the next request tries the host again (LarkClient.probeAgain). */
  probeAgain?(): void;
}

export interface ReaderOptions {
  /** Every group chat the bot is in, or these chat ids. */
  chats: 'all' | readonly string[];
  /** Topic chats: also read each topic's replies. */
  includeThreads: boolean;
  /** 1..50 (Lark's maximum, the default). */
  pageSize?: number;
  overlapMs?: number;
  /** Messages created at or after this (ms) are not read. */
  untilMs?: number;
  /** Topics followed per topic chat after their first read (the most recently active); default 20. */
  maxThreadsPerChat?: number;
  /** The edit sweep re-reads messages created this long ago (ms) up to the overlap; 0 = no sweep. Default 0. */
  editLookbackMs?: number;
  clock?: Pick<Clock, 'now'>;
  onWarning?: (message: string) => void;
}

/** Receives each page's events and the offset that resumes right after them (persist it after the events). */
export type EmitBatch = (events: SourceEvent[], offset: SourceOffset) => void | Promise<void>;

/** Lark codes that concern one chat only: that chat is skipped with a warning, the others are read. */
const CHAT_LEVEL_CODES = new Set([230002, 230001, 232009, 232011]);

/** The edit sweep runs at most this often... */
export const SWEEP_MIN_EVERY_MS = 60_000;
/** ...and uses at most this share of the list quota (1000 requests a minute per app). */
export const SWEEP_QUOTA_SHARE = 0.1;
/** The wait after a sweep per list request it made, so that sweeps stay within their share. */
const SWEEP_MS_PER_REQUEST = 60_000 / (DEFAULT_PACING.appPerMinute * SWEEP_QUOTA_SHARE);

export class MessageReader {
  private readonly cursors = new Map<string, CursorState>();
  private readonly since: number;
  private readonly overlapMs: number;
  private readonly pageSize: number;
  private chatModes: Map<string, string> | undefined;
  /** Topics read in the current pass (not read again at its end). */
  private readonly threadsReadThisPass = new Set<string>();
  /** Chats read at least once, and those skipped (chat id -> why). */
  readonly chatsRead = new Set<string>();
  readonly chatsFailed = new Map<string, string>();
  private readonly lookbackMs: number;
  private readonly clock: Pick<Clock, 'now'>;
  private nextSweepAt: number;

  constructor(
    private readonly client: ReaderClient,
    private readonly opts: ReaderOptions,
    offset: SourceOffset,
  ) {
    this.since = offset.since;
    this.overlapMs = opts.overlapMs ?? DEFAULT_OVERLAP_MS;
    this.pageSize = Math.min(50, Math.max(1, Math.floor(opts.pageSize ?? 50)));
    for (const [key, c] of Object.entries(offset.containers)) {
      this.cursors.set(key, new CursorState({ ...c, seen: c.seen }, this.since, this.overlapMs));
    }
    this.lookbackMs = Math.max(0, opts.editLookbackMs ?? 0);
    this.clock = opts.clock ?? systemClock;
    // A resumed read sweeps at once (edits made while it was stopped); a fresh one has just read it all.
    this.nextSweepAt = this.cursors.size > 0 ? 0 : this.clock.now() + SWEEP_MIN_EVERY_MS;
  }

  /** The offset now: resumes after everything emitted so far. */
  offset(): SourceOffset {
    const containers: SourceOffset['containers'] = {};
    for (const [key, c] of this.cursors) containers[key] = c.snapshot();
    return { v: 1, since: this.since, containers };
  }

  /**
   * Reads every chat (and followed topic) from its cursor up to now. Stops between pages once aborted; a
   * request the abort cut short ends the pass quietly too: its page was never emitted, so the offset still
   * matches what was, and a stop (SIGTERM) in the middle of a page is a clean stop, not a failure.
   */
  /** The client tries the host again after an ENDPOINT_UNREACHABLE verdict (a follower riding an outage). */
  probeAgain(): void {
    this.client.probeAgain?.();
  }

  async pass(emit: EmitBatch, signal?: AbortSignal): Promise<void> {
    try {
      await this.passChats(emit, signal);
    } catch (err) {
      if (signal?.aborted && err instanceof ConnectorError && err.code === 'INTERRUPTED') return;
      throw err;
    }
  }

  private async passChats(emit: EmitBatch, signal?: AbortSignal): Promise<void> {
    this.threadsReadThisPass.clear();
    const chats = await this.resolveChats(signal);
    for (const chat of chats) {
      if (signal?.aborted) return;
      try {
        await this.readChat(chat.chatId, chat.chatMode === 'topic', emit, signal);
        this.chatsRead.add(chat.chatId);
      } catch (err) {
        if (!(err instanceof ConnectorError) || err.larkCode === undefined || !CHAT_LEVEL_CODES.has(err.larkCode)) throw err;
        const why = `${err.code}: ${readAdvice(err)}`;
        if (this.chatsFailed.get(chat.chatId) !== why) this.opts.onWarning?.(`chat ${chat.chatId} skipped: ${why}`);
        this.chatsFailed.set(chat.chatId, why);
      }
    }
  }

  /**
   * The edit sweep, when due: Lark has no edit event and the reads see an edit or a recall only while the
   * message is inside the overlap, so every container is re-read from `editLookbackMs` ago up to where its
   * reads start, and what changed since it was delivered comes out as an update or a delete. A sweep is due
   * SWEEP_MIN_EVERY_MS after the last one, later when it made many requests (its share of the list quota).
   */
  async sweepIfDue(emit: EmitBatch, signal?: AbortSignal): Promise<void> {
    if (this.lookbackMs === 0 || this.clock.now() < this.nextSweepAt) return;
    const started = this.clock.now();
    this.nextSweepAt = started + SWEEP_MIN_EVERY_MS;
    let requests = 0;
    try {
      requests = await this.sweep(emit, started, signal);
    } catch (err) {
      if (signal?.aborted && err instanceof ConnectorError && err.code === 'INTERRUPTED') return;
      throw err;
    }
    this.nextSweepAt = started + Math.max(SWEEP_MIN_EVERY_MS, requests * SWEEP_MS_PER_REQUEST);
  }

  /** Returns the list requests made. */
  private async sweep(emit: EmitBatch, now: number, signal?: AbortSignal): Promise<number> {
    const from = Math.max(this.since, now - this.lookbackMs);
    let requests = 0;
    for (const [key, cursor] of [...this.cursors]) {
      if (signal?.aborted) break;
      const to = cursor.startSeconds() * 1000;
      if (cursor.last === undefined || from >= to || !this.cursors.has(key)) continue;
      const thread = key.startsWith('thread:');
      const containerId = key.slice(thread ? 'thread:'.length : 'chat:'.length);
      let pageToken: string | undefined;
      try {
        do {
          const page = await this.client.listChatMessages(
            {
              containerIdType: thread ? 'thread' : 'chat',
              containerId,
              startTime: Math.floor(from / 1000),
              endTime: Math.floor(to / 1000),
              sortType: 'ByCreateTimeAsc',
              pageSize: this.pageSize,
              ...(pageToken ? { pageToken } : {}),
            },
            signal ? { signal } : {},
          );
          requests++;
          const events: SourceEvent[] = [];
          for (const item of page.items) {
            const r = toRecord(item);
            if (!r || r.createTime < from || r.createTime >= to) continue;
            const op = cursor.revisit(r);
            if (op) events.push({ op, record: r });
          }
          cursor.prune(this.keepChangedFrom());
          if (events.length > 0) await emit(events, this.offset());
          pageToken = page.hasMore && !signal?.aborted ? page.pageToken : undefined;
        } while (pageToken);
      } catch (err) {
        // A chat the bot left: its pass says so; the sweep goes on with the others.
        if (!(err instanceof ConnectorError) || err.larkCode === undefined || !CHAT_LEVEL_CODES.has(err.larkCode)) throw err;
      }
    }
    return requests;
  }

  /** Edited and recalled messages created from here on stay in the seen sets, for the sweep. */
  private keepChangedFrom(): number {
    return this.lookbackMs === 0 ? Number.POSITIVE_INFINITY : this.clock.now() - this.lookbackMs;
  }

  /**
   * The events mode's way in: message items (Lark's item shape, as an event carries them) go through the
   * same de-duplication and offset as polled ones, so a later backfill poll does not deliver them again.
   */
  async ingest(items: readonly unknown[], emit: EmitBatch): Promise<void> {
    const events: SourceEvent[] = [];
    for (const item of items) {
      const r = toRecord(item);
      if (!r || !this.wanted(r.chatId) || (this.opts.untilMs !== undefined && r.createTime >= this.opts.untilMs)) continue;
      const topicReply = r.threadId && r.rootId ? this.cursors.get(threadKey(r.threadId)) : undefined;
      const cursor = topicReply ?? this.cursorFor(chatKey(r.chatId), r.chatId);
      const op = cursor.decide(r);
      if (op) events.push({ op, record: r });
    }
    if (events.length > 0) await emit(events, this.offset());
  }

  /**
   * The events mode's recall: a delete record for the message, once. Lark's recall event names the message,
   * the chat and the recall time only: the record carries what the offset remembers (its create time), else
   * the recall time as createTime, and no content.
   */
  async ingestRecall(recall: { messageId: string; chatId: string; recallTime: number }, emit: EmitBatch): Promise<void> {
    if (!this.wanted(recall.chatId)) return;
    const cursor = [...this.cursors.values()].find((c) => c.chatId === recall.chatId && c.has(recall.messageId)) ?? this.cursorFor(chatKey(recall.chatId), recall.chatId);
    const news = cursor.recall(recall.messageId, recall.recallTime);
    if (!news) return;
    const record: LarkMessageRecord = {
      messageId: recall.messageId,
      chatId: recall.chatId,
      threadId: null,
      rootId: null,
      parentId: null,
      msgType: 'unknown',
      content: '',
      text: null,
      senderId: null,
      senderType: null,
      mentions: [],
      createTime: news.createTime,
      updateTime: recall.recallTime,
      deleted: true,
      updated: false,
    };
    await emit([{ op: 'delete', record }], this.offset());
  }

  private wanted(chatId: string): boolean {
    return this.opts.chats === 'all' || this.opts.chats.includes(chatId);
  }

  private async resolveChats(signal?: AbortSignal): Promise<ChatSummary[]> {
    if (this.opts.chats === 'all') {
      const all = await this.client.listAllChats(signal ? { signal } : {});
      this.chatModes = new Map(all.map((c) => [c.chatId, c.chatMode]));
      return all;
    }
    // An explicit list: the chats list only tells which of them are topic chats (needed for the threads).
    if (this.opts.includeThreads && !this.chatModes) {
      const all = await this.client.listAllChats(signal ? { signal } : {});
      this.chatModes = new Map(all.map((c) => [c.chatId, c.chatMode]));
    }
    return this.opts.chats.map((chatId) => ({ chatId, name: '', chatMode: this.chatModes?.get(chatId) ?? 'group' }));
  }

  private async readChat(chatId: string, topic: boolean, emit: EmitBatch, signal?: AbortSignal): Promise<void> {
    const withThreads = topic && this.opts.includeThreads;
    const cursor = this.cursorFor(chatKey(chatId), chatId);
    // Topics left half-read by an interrupted run come first.
    if (withThreads) await this.readFreshThreads(chatId, emit, signal);
    await this.readContainer('chat', chatId, cursor, emit, signal, async (records) => {
      if (!withThreads) return false;
      let added = false;
      for (const r of records) {
        if (!r.threadId || r.rootId || this.cursors.has(threadKey(r.threadId))) continue;
        this.cursors.set(threadKey(r.threadId), new CursorState({ chatId, last: r.createTime, seen: [], fresh: true }, this.since, this.overlapMs));
        added = true;
      }
      return added;
    });
    if (!withThreads) return;
    await this.readFreshThreads(chatId, emit, signal);
    // New replies in topics read before: the most recently active ones are followed.
    for (const [key, c] of this.threadsOf(chatId)) {
      if (signal?.aborted) return;
      if (this.threadsReadThisPass.has(key)) continue;
      await this.readContainer('thread', key.slice('thread:'.length), c, emit, signal);
    }
  }

  private async readFreshThreads(chatId: string, emit: EmitBatch, signal?: AbortSignal): Promise<void> {
    for (const [key, c] of this.threadsOf(chatId)) {
      if (!c.fresh) continue;
      if (signal?.aborted) return;
      await this.readContainer('thread', key.slice('thread:'.length), c, emit, signal);
      if (signal?.aborted) return;
      c.fresh = false;
      this.threadsReadThisPass.add(key);
    }
    this.evictThreads(chatId);
  }

  private threadsOf(chatId: string): Array<[string, CursorState]> {
    return [...this.cursors].filter(([key, c]) => key.startsWith('thread:') && c.chatId === chatId);
  }

  /** Keeps the offset bounded: only the most recently active topics of a chat stay followed. */
  private evictThreads(chatId: string): void {
    const max = this.opts.maxThreadsPerChat ?? 20;
    const done = this.threadsOf(chatId).filter(([, c]) => !c.fresh);
    if (done.length <= max) return;
    done.sort(([, a], [, b]) => (b.last ?? 0) - (a.last ?? 0));
    for (const [key] of done.slice(max)) this.cursors.delete(key);
  }

  /**
   * Pages one container from its cursor. Each page: decide per message, prune the cursor, emit the
   * events with the offset after them; then `afterPage` may register topics (read before the next page).
   */
  private async readContainer(
    type: 'chat' | 'thread',
    containerId: string,
    cursor: CursorState,
    emit: EmitBatch,
    signal: AbortSignal | undefined,
    afterPage?: (records: LarkMessageRecord[]) => Promise<boolean>,
  ): Promise<void> {
    const until = this.opts.untilMs;
    const startTime = cursor.startSeconds();
    const endTime = until === undefined ? undefined : Math.floor((until - 1) / 1000);
    if (endTime !== undefined && endTime < startTime) return;
    let pageToken: string | undefined;
    do {
      if (signal?.aborted) return;
      const page = await this.client.listChatMessages(
        {
          containerIdType: type,
          containerId,
          startTime,
          ...(endTime !== undefined ? { endTime } : {}),
          sortType: 'ByCreateTimeAsc',
          pageSize: this.pageSize,
          ...(pageToken ? { pageToken } : {}),
        },
        signal ? { signal } : {},
      );
      const records: LarkMessageRecord[] = [];
      const events: SourceEvent[] = [];
      for (const item of page.items) {
        const r = toRecord(item);
        if (!r || (until !== undefined && r.createTime >= until)) continue;
        records.push(r);
        const op = cursor.decide(r);
        if (op) events.push({ op, record: r });
      }
      cursor.prune(this.keepChangedFrom());
      const topicsAdded = afterPage ? await afterPage(records) : false;
      if (events.length > 0 || topicsAdded) await emit(events, this.offset());
      if (topicsAdded) await this.readFreshThreads(cursor.chatId, emit, signal);
      pageToken = page.hasMore ? page.pageToken : undefined;
    } while (pageToken);
  }

  private cursorFor(key: string, chatId: string): CursorState {
    let c = this.cursors.get(key);
    if (!c) {
      c = new CursorState({ chatId, seen: [] }, this.since, this.overlapMs);
      this.cursors.set(key, c);
    }
    return c;
  }
}

/**
 * A chat Lark would not list, with read advice: the code table's advice is written for sends ("check that
 * receiveId matches receiveType"), which misleads a reader.
 */
function readAdvice(err: ConnectorError): string {
  const advice =
    `the bot cannot read this chat: check the chat_id (oc_..., from lark-im receivers --type chat), that the bot ` +
    `is a member of the chat, and that the app has a read scope (${READ_SCOPES.join(' or ')})`;
  return err.advice && err.message.includes(err.advice) ? err.message.replace(err.advice, advice) : `${err.message}: ${advice}`;
}
