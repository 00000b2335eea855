/**
 * An IM event from the long connection, turned into what the poll reads: an item of
 * `GET /open-apis/im/v1/messages`. Both modes then go through the same item -> record mapping, so a message
 * looks the same whether it was polled or pushed.
 */
import { isRecord } from '../../core/is-record.js';
import type { LongConnectionEvent } from './client.js';

export const RECEIVE_EVENT = 'im.message.receive_v1';
export const RECALLED_EVENT = 'im.message.recalled_v1';

/** The fields of a list item the source reads (Lark's names and string times in ms). */
export interface MessageItem {
  message_id: string;
  root_id?: string;
  parent_id?: string;
  thread_id?: string;
  msg_type: string;
  create_time: string;
  update_time: string;
  deleted: boolean;
  updated: boolean;
  chat_id: string;
  sender: { id: string; id_type: string; sender_type: string; tenant_key?: string };
  body: { content: string };
  mentions?: Array<{ key: string; id: string; id_type: string; name: string; tenant_key?: string }>;
}

export type EventChange =
  | { kind: 'message'; item: MessageItem }
  /** Only the id, chat and time are known: the source emits a delete for the message. */
  | { kind: 'recall'; messageId: string; chatId: string; recallTime: number };

/** The change an event carries, or undefined for events the source does not read (or malformed ones). */
export function changeFromEvent(event: LongConnectionEvent): EventChange | undefined {
  const body = event.envelope['event'];
  if (!isRecord(body)) return undefined;
  if (event.eventType === RECALLED_EVENT) {
    const messageId = str(body['message_id']);
    const chatId = str(body['chat_id']);
    if (!messageId || !chatId) return undefined;
    return { kind: 'recall', messageId, chatId, recallTime: Number(str(body['recall_time']) ?? 0) || 0 };
  }
  if (event.eventType !== RECEIVE_EVENT) return undefined;
  const message = body['message'];
  const sender = isRecord(body['sender']) ? body['sender'] : {};
  if (!isRecord(message)) return undefined;
  const messageId = str(message['message_id']);
  const chatId = str(message['chat_id']);
  const createTime = str(message['create_time']);
  if (!messageId || !chatId || !createTime) return undefined;
  const updateTime = str(message['update_time']) ?? createTime;
  const senderIds = isRecord(sender['sender_id']) ? sender['sender_id'] : {};
  const [idType, id] = firstId(senderIds);
  const item: MessageItem = {
    message_id: messageId,
    msg_type: str(message['message_type']) ?? '',
    create_time: createTime,
    update_time: updateTime,
    deleted: false,
    updated: updateTime !== createTime,
    chat_id: chatId,
    sender: { id, id_type: idType, sender_type: str(sender['sender_type']) ?? 'user' },
    body: { content: typeof message['content'] === 'string' ? message['content'] : '' },
  };
  const tenantKey = str(sender['tenant_key']);
  if (tenantKey) item.sender.tenant_key = tenantKey;
  for (const key of ['root_id', 'parent_id', 'thread_id'] as const) {
    const v = str(message[key]);
    if (v) item[key] = v;
  }
  if (Array.isArray(message['mentions']) && message['mentions'].length) {
    item.mentions = message['mentions'].filter(isRecord).map((m) => {
      const [mIdType, mId] = firstId(isRecord(m['id']) ? m['id'] : {});
      const out: NonNullable<MessageItem['mentions']>[number] = { key: str(m['key']) ?? '', id: mId, id_type: mIdType, name: str(m['name']) ?? '' };
      const tk = str(m['tenant_key']);
      if (tk) out.tenant_key = tk;
      return out;
    });
  }
  return { kind: 'message', item };
}

/** Lark's list API names a sender by one id: open_id when the event has it. */
function firstId(ids: Record<string, unknown>): [string, string] {
  for (const t of ['open_id', 'user_id', 'union_id', 'app_id'] as const) {
    const v = str(ids[t]);
    if (v) return [t, v];
  }
  return ['open_id', ''];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
