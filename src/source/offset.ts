/**
 * The source's offset: where each container (a chat, or a topic of a topic chat) was read up to, and the
 * messages already delivered inside the re-read overlap. Lark filters by whole seconds and a message can show
 * up late, so every read starts `overlapMs` before the newest message delivered and de-duplicates by
 * (messageId, updateTime) against `seen`. `seen` only holds messages the next read can return again, so the
 * offset is bounded by the overlap (and the followed topics), never by the history.
 */
import { ConnectorError } from '../core/errors.js';
import { isRecord } from '../core/is-record.js';
import type { LarkMessageRecord, SourceOp } from './record.js';

/** [messageId, createTime, updateTime, deleted 0|1] */
export type SeenEntry = [string, number, number, 0 | 1];

export interface ContainerCursor {
  /** The chat (for a topic: the chat it belongs to). */
  chatId: string;
  /** Newest createTime delivered (ms); absent before the first message. */
  last?: number;
  seen: SeenEntry[];
  /** Topics only: true until the topic's replies were read once (a new topic is read right after its root). */
  fresh?: boolean;
}

export interface SourceOffset {
  v: 1;
  /** Nothing created before this (ms) is read. */
  since: number;
  /** 'chat:oc_...' | 'thread:omt_...' -> cursor. */
  containers: Record<string, ContainerCursor>;
}

export const DEFAULT_OVERLAP_MS = 30_000;

export function initialOffset(sinceMs = 0): SourceOffset {
  return { v: 1, since: Math.max(0, Math.floor(sinceMs)), containers: {} };
}

export const chatKey = (chatId: string): string => `chat:${chatId}`;
export const threadKey = (threadId: string): string => `thread:${threadId}`;

/** Checks an offset handed back by a platform or read from a state file. */
export function parseOffset(raw: unknown, where = 'offset'): SourceOffset {
  const bad = (what: string): never => {
    throw new ConnectorError({ code: 'CONFIG_INVALID', retryable: false, message: `${where} is not a Lark source offset: ${what}` });
  };
  if (!isRecord(raw) || raw.v !== 1) return bad('expected {v: 1, since, containers}');
  if (typeof raw.since !== 'number' || !Number.isFinite(raw.since)) return bad('since must be a number (ms)');
  if (!isRecord(raw.containers)) return bad('containers must be an object');
  const containers: Record<string, ContainerCursor> = {};
  for (const [key, c] of Object.entries(raw.containers)) {
    if (!/^(chat|thread):/.test(key) || !isRecord(c) || typeof c.chatId !== 'string' || !Array.isArray(c.seen)) return bad(`container ${key}`);
    const seen = c.seen.filter(
      (e): e is SeenEntry => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number' && typeof e[2] === 'number' && (e[3] === 0 || e[3] === 1),
    );
    containers[key] = {
      chatId: c.chatId,
      ...(typeof c.last === 'number' ? { last: c.last } : {}),
      seen,
      ...(c.fresh === true ? { fresh: true } : {}),
    };
  }
  return { v: 1, since: raw.since, containers };
}

/** A container's cursor while a read runs: a Map for the seen set, written back as an array on snapshot. */
export class CursorState {
  private readonly seen = new Map<string, SeenEntry>();

  constructor(
    private readonly cursor: ContainerCursor,
    private readonly since: number,
    private readonly overlapMs: number,
  ) {
    for (const e of cursor.seen) this.seen.set(e[0], e);
  }

  /** The start_time (seconds) of the next read. */
  startSeconds(): number {
    const from = this.cursor.last === undefined ? this.since : Math.max(this.since, this.cursor.last - this.overlapMs);
    return Math.floor(from / 1000);
  }

  /**
   * What delivering this message means: insert (new), update (edited since), delete (recalled), or
   * undefined (already delivered as it is now, or older than `since`). Records it as seen.
   */
  decide(r: LarkMessageRecord): SourceOp | undefined {
    if (r.createTime < this.since) return undefined;
    const prior = this.seen.get(r.messageId);
    let op: SourceOp | undefined;
    if (!prior) op = r.deleted ? 'delete' : 'insert';
    else if (prior[3] === 1) op = undefined;
    else if (r.deleted) op = 'delete';
    else if (r.updateTime > prior[2]) op = 'update';
    if (op === undefined && prior) return undefined;
    this.seen.set(r.messageId, [r.messageId, r.createTime, r.updateTime, r.deleted ? 1 : 0]);
    if (this.cursor.last === undefined || r.createTime > this.cursor.last) this.cursor.last = r.createTime;
    return op;
  }

  /**
   * A recall pushed by an event (it carries no create time): true when it is news, and then recorded as a
   * deleted seen entry WITHOUT moving `last` (a recall time must not push the next read past unread messages).
   * Unknown messages are kept under the recall time, so a poll that lists the recalled message still inside
   * the overlap finds it seen.
   */
  recall(messageId: string, recallTime: number): { createTime: number } | undefined {
    const prior = this.seen.get(messageId);
    if (prior?.[3] === 1) return undefined;
    const createTime = prior?.[1] ?? recallTime;
    this.seen.set(messageId, [messageId, createTime, Math.max(recallTime, prior?.[2] ?? 0), 1]);
    return { createTime };
  }

  /** Whether this container delivered the message and still remembers it. */
  has(messageId: string): boolean {
    return this.seen.has(messageId);
  }

  /**
   * A message the edit sweep re-read, created before this cursor's reads start: an update or a delete when it
   * changed since it was delivered, recorded as seen then. Without a seen entry it was delivered unedited and
   * not recalled (prune keeps the entries of edited and recalled messages the sweep still covers).
   */
  revisit(r: LarkMessageRecord): SourceOp | undefined {
    const last = this.cursor.last;
    if (r.createTime < this.since || last === undefined || r.createTime > last) return undefined;
    const prior = this.seen.get(r.messageId) ?? [r.messageId, r.createTime, r.createTime, 0];
    if (prior[3] === 1) return undefined;
    const op: SourceOp | undefined = r.deleted ? 'delete' : r.updateTime > prior[2] ? 'update' : undefined;
    if (op) this.seen.set(r.messageId, [r.messageId, r.createTime, r.updateTime, r.deleted ? 1 : 0]);
    return op;
  }

  /**
   * Forgets what the next read cannot return any more (created before its start second), except edited and
   * recalled messages created at or after `keepChangedFrom` (the edit sweep compares against those).
   */
  prune(keepChangedFrom = Number.POSITIVE_INFINITY): void {
    const floorMs = this.startSeconds() * 1000;
    for (const [id, e] of this.seen) {
      if (e[1] >= floorMs) continue;
      const changed = e[2] > e[1] || e[3] === 1;
      if (!changed || e[1] < keepChangedFrom) this.seen.delete(id);
    }
  }

  /** The cursor as it goes into the offset. */
  snapshot(): ContainerCursor {
    return { ...this.cursor, seen: [...this.seen.values()].map((e) => [...e] as SeenEntry) };
  }

  get last(): number | undefined {
    return this.cursor.last;
  }

  get chatId(): string {
    return this.cursor.chatId;
  }

  get fresh(): boolean {
    return this.cursor.fresh === true;
  }

  set fresh(v: boolean) {
    if (v) this.cursor.fresh = true;
    else delete this.cursor.fresh;
  }
}
