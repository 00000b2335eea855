import { EventEmitter } from 'node:events';

/** One message of a chat as GET /im/v1/messages lists it (the emulator's model of Lark's message). */
export interface HistoryMessage {
  messageId: string;
  chatId: string;
  /** Topic chats: every message of a topic carries the topic's thread id (omt_...). */
  threadId?: string;
  /** Replies: the topic's first message, and the message answered. */
  rootId?: string;
  parentId?: string;
  msgType: string;
  content: string;
  /** ms since epoch. */
  createTime: number;
  updateTime: number;
  deleted: boolean;
  updated: boolean;
  sender: { id: string; idType: 'open_id' | 'app_id'; senderType: 'user' | 'app' };
  mentions: Array<{ key: string; id: string; idType: 'open_id'; name: string }>;
}

/** What happened to a chat; observed through ChatHistory.on('activity') (the emulator's onActivity: its IM events for the long connection, and tests). */
export interface ChatActivity {
  type: 'posted' | 'edited' | 'recalled';
  message: HistoryMessage;
}

/** Lark shows a recalled message with this content. */
export const RECALLED_CONTENT = JSON.stringify({ text: 'This message was recalled' });

/**
 * Every chat's messages, sorted by create time (ties keep arrival order), plus each topic's replies.
 * The single place messages are posted, edited and recalled: each change is announced as an 'activity'.
 */
export class ChatHistory extends EventEmitter<{ activity: [ChatActivity] }> {
  private readonly byChat = new Map<string, HistoryMessage[]>();
  private readonly byThread = new Map<string, HistoryMessage[]>();
  private readonly byId = new Map<string, HistoryMessage>();
  private readonly threadRoots = new Map<string, HistoryMessage>();

  /** Adds a message (a late one, with an earlier createTime, goes to its place in the order). */
  post(message: HistoryMessage): HistoryMessage {
    this.byId.set(message.messageId, message);
    insertSorted(listOf(this.byChat, message.chatId), message);
    if (message.threadId && message.rootId) insertSorted(listOf(this.byThread, message.threadId), message);
    else if (message.threadId) this.threadRoots.set(message.threadId, message);
    this.emit('activity', { type: 'posted', message });
    return message;
  }

  edit(messageId: string, content: string, now: number): HistoryMessage {
    const m = this.mustGet(messageId);
    if (m.deleted) throw new Error(`emulator: message ${messageId} is recalled and cannot be edited`);
    m.content = content;
    m.updated = true;
    m.updateTime = Math.max(now, m.updateTime + 1);
    this.emit('activity', { type: 'edited', message: m });
    return m;
  }

  recall(messageId: string, now: number): HistoryMessage {
    const m = this.mustGet(messageId);
    m.deleted = true;
    m.content = RECALLED_CONTENT;
    m.updateTime = Math.max(now, m.updateTime + 1);
    this.emit('activity', { type: 'recalled', message: m });
    return m;
  }

  get(messageId: string): HistoryMessage | undefined {
    return this.byId.get(messageId);
  }

  /** A chat's messages (all of them, or only the topics' first messages) with fromMs <= createTime < toMs. */
  chatRange(chatId: string, fromMs: number, toMs: number, rootsOnly: boolean): HistoryMessage[] {
    const list = this.byChat.get(chatId) ?? [];
    const slice = list.slice(lowerBound(list, fromMs), lowerBound(list, toMs));
    return rootsOnly ? slice.filter((m) => m.rootId === undefined) : slice;
  }

  /** A topic's replies with fromMs <= createTime < toMs; undefined for an unknown thread. */
  threadRange(threadId: string, fromMs: number, toMs: number): HistoryMessage[] | undefined {
    const list = this.byThread.get(threadId);
    if (!list) return this.threadRoot(threadId) ? [] : undefined;
    return list.slice(lowerBound(list, fromMs), lowerBound(list, toMs));
  }

  /** The chat a thread belongs to (through its first message). */
  threadRoot(threadId: string): HistoryMessage | undefined {
    return this.threadRoots.get(threadId);
  }

  get count(): number {
    return this.byId.size;
  }

  clear(): void {
    this.byChat.clear();
    this.byThread.clear();
    this.byId.clear();
    this.threadRoots.clear();
  }

  private mustGet(messageId: string): HistoryMessage {
    const m = this.byId.get(messageId);
    if (!m) throw new Error(`emulator: no message ${messageId}`);
    return m;
  }
}

function listOf(map: Map<string, HistoryMessage[]>, key: string): HistoryMessage[] {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  return list;
}

function insertSorted(list: HistoryMessage[], m: HistoryMessage): void {
  const last = list[list.length - 1];
  if (!last || last.createTime <= m.createTime) list.push(m);
  else list.splice(lowerBound(list, m.createTime + 1), 0, m);
}

/** First index whose createTime >= t. */
function lowerBound(list: readonly HistoryMessage[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid]?.createTime ?? Infinity) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
