/**
 * Lark's IM event envelopes (schema 2.0), as pushed over the long connection:
 * {schema, header {event_id, event_type, create_time, token, app_id, tenant_key}, event {...}}.
 * Times are ms since epoch as strings, like Lark's.
 */
import { randomUUID } from 'node:crypto';

export interface EventApp {
  appId: string;
  tenantKey: string;
}

export interface EventSender {
  openId: string;
  unionId?: string;
  userId?: string;
  /** 'user' for people; Lark pushes receive_v1 for user messages. */
  senderType?: string;
}

export interface EventMessage {
  messageId: string;
  rootId?: string;
  parentId?: string;
  createTime: number;
  updateTime?: number;
  chatId: string;
  threadId?: string;
  /** 'group' | 'p2p' */
  chatType: string;
  msgType: string;
  /** The JSON string of the content, as Lark sends it. */
  content: string;
  mentions?: Array<{ key: string; id: { open_id: string; union_id?: string; user_id?: string }; name: string; tenant_key?: string }>;
}

/** The verification token the emulator puts in every header (no real app has one here). */
export const EMULATOR_EVENT_TOKEN = 'emulator-verification-token';

function envelopeHeader(app: EventApp, eventType: string, now: number, eventId?: string): Record<string, unknown> {
  return {
    event_id: eventId ?? randomUUID().replace(/-/g, ''),
    event_type: eventType,
    create_time: String(now),
    token: EMULATOR_EVENT_TOKEN,
    app_id: app.appId,
    tenant_key: app.tenantKey,
  };
}

export function messageReceiveEnvelope(app: EventApp, sender: EventSender, m: EventMessage, now: number, eventId?: string): Record<string, unknown> {
  const message: Record<string, unknown> = {
    message_id: m.messageId,
    root_id: m.rootId ?? '',
    parent_id: m.parentId ?? '',
    create_time: String(m.createTime),
    update_time: String(m.updateTime ?? m.createTime),
    chat_id: m.chatId,
    thread_id: m.threadId ?? '',
    chat_type: m.chatType,
    message_type: m.msgType,
    content: m.content,
  };
  if (m.mentions?.length) message['mentions'] = m.mentions;
  const senderId: Record<string, string> = { open_id: sender.openId };
  if (sender.unionId) senderId['union_id'] = sender.unionId;
  if (sender.userId) senderId['user_id'] = sender.userId;
  return {
    schema: '2.0',
    header: envelopeHeader(app, 'im.message.receive_v1', now, eventId),
    event: { sender: { sender_id: senderId, sender_type: sender.senderType ?? 'user', tenant_key: app.tenantKey }, message },
  };
}

export interface RecallInfo {
  messageId: string;
  chatId: string;
  recallTime: number;
  /** message_owner | group_owner | group_manager | enterprise_manager */
  recallType?: string;
}

export function messageRecalledEnvelope(app: EventApp, r: RecallInfo, now: number, eventId?: string): Record<string, unknown> {
  return {
    schema: '2.0',
    header: envelopeHeader(app, 'im.message.recalled_v1', now, eventId),
    event: { message_id: r.messageId, chat_id: r.chatId, recall_time: String(r.recallTime), recall_type: r.recallType ?? 'message_owner' },
  };
}
