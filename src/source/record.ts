/**
 * Lark message items (GET im/v1/messages, or an event's message) -> the lark_messages record, with a
 * plain-text rendering of text and post content.
 */
import { isRecord } from '../core/is-record.js';

export interface LarkMessageMention {
  key: string;
  id: string;
  name: string;
}

/** One row of the lark_messages table (primary key messageId). Times are ms since epoch. */
export interface LarkMessageRecord {
  messageId: string;
  chatId: string;
  threadId: string | null;
  rootId: string | null;
  parentId: string | null;
  msgType: string;
  /** Lark's content JSON string, as listed. */
  content: string;
  /** Plain text of a text or post message (mentions as @name); null for other types. */
  text: string | null;
  senderId: string | null;
  /** user | app | anonymous | unknown */
  senderType: string | null;
  mentions: LarkMessageMention[];
  createTime: number;
  updateTime: number;
  deleted: boolean;
  updated: boolean;
}

export type SourceOp = 'insert' | 'update' | 'delete';

export interface SourceEvent {
  op: SourceOp;
  record: LarkMessageRecord;
}

/**
 * The record of a listed item, or of an event's message (im.message.receive_v1: message_type and content at the
 * top, the sender beside it: pass `{...event.message, sender: event.sender}`); undefined when the item lacks an
 * id, a chat or a create time.
 */
export function toRecord(item: unknown): LarkMessageRecord | undefined {
  if (!isRecord(item)) return undefined;
  const messageId = str(item.message_id);
  const chatId = str(item.chat_id);
  const createTime = ms(item.create_time);
  if (!messageId || !chatId || createTime === undefined) return undefined;
  const msgType = str(item.msg_type) ?? str(item.message_type) ?? 'unknown';
  const content = isRecord(item.body) ? (str(item.body.content) ?? '') : (str(item.content) ?? '');
  const mentions = Array.isArray(item.mentions)
    ? item.mentions.filter(isRecord).map((m) => ({ key: str(m.key) ?? '', id: mentionId(m.id), name: str(m.name) ?? '' }))
    : [];
  const sender = isRecord(item.sender) ? item.sender : {};
  return {
    messageId,
    chatId,
    threadId: str(item.thread_id) ?? null,
    rootId: str(item.root_id) ?? null,
    parentId: str(item.parent_id) ?? null,
    msgType,
    content,
    text: plainText(msgType, content, mentions),
    senderId: str(sender.id) ?? (isRecord(sender.sender_id) ? mentionId(sender.sender_id) || null : null),
    senderType: str(sender.sender_type) ?? null,
    mentions,
    createTime,
    updateTime: ms(item.update_time) ?? createTime,
    deleted: item.deleted === true,
    updated: item.updated === true,
  };
}

/** text: its text; post: title and paragraphs as lines (first locale); @_user_N keys replaced by @name. */
export function plainText(msgType: string, content: string, mentions: readonly LarkMessageMention[] = []): string | null {
  if (msgType !== 'text' && msgType !== 'post') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return null;
  }
  if (!isRecord(parsed)) return null;
  let out: string | null = null;
  // A sent text may still hold <at user_id="...">Name</at> tags; a listed one has @_user_N keys (below).
  if (msgType === 'text') out = typeof parsed.text === 'string' ? parsed.text.replace(/<at\b[^>]*>(.*?)<\/at>/g, '@$1') : null;
  else out = postText(parsed);
  if (out === null) return null;
  for (const m of mentions) if (m.key) out = out.split(m.key).join(`@${m.name}`);
  return out;
}

/** A listed post is {title, content: [[elements]]}; a sent one may be {zh_cn: {...}} or {post: {...}}. */
function postText(post: Record<string, unknown>): string | null {
  let body: Record<string, unknown> | undefined = Array.isArray(post.content) ? post : undefined;
  if (!body) {
    const inner = isRecord(post.post) ? post.post : post;
    body = Object.values(inner).find((v): v is Record<string, unknown> => isRecord(v) && Array.isArray(v.content));
  }
  if (!body) return null;
  const lines: string[] = [];
  if (typeof body.title === 'string' && body.title !== '') lines.push(body.title);
  for (const para of body.content as unknown[]) {
    if (!Array.isArray(para)) continue;
    lines.push(para.filter(isRecord).map(elementText).join(''));
  }
  return lines.join('\n');
}

function elementText(e: Record<string, unknown>): string {
  switch (e.tag) {
    case 'text':
    case 'a':
    case 'code_block':
      return typeof e.text === 'string' ? e.text : '';
    case 'at':
      return `@${typeof e.user_name === 'string' ? e.user_name : typeof e.user_id === 'string' ? e.user_id : ''}`;
    case 'emotion':
      return typeof e.emoji_type === 'string' ? `:${e.emoji_type}:` : '';
    case 'img':
    case 'media':
      return '[image]';
    default:
      return typeof e.text === 'string' ? e.text : '';
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Lark gives times as ms strings. */
function ms(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** A mention's id is a string in listings, {open_id, ...} in events. */
function mentionId(v: unknown): string {
  if (typeof v === 'string') return v;
  if (isRecord(v)) return str(v.open_id) ?? str(v.user_id) ?? str(v.union_id) ?? '';
  return '';
}
