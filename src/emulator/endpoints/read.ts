/**
 * The source side of the emulator: GET /open-apis/im/v1/messages (a chat's or a topic's history) and
 * GET /open-apis/im/v1/chats (the group chats the bot is in), with Lark's paging, time filter in seconds,
 * scopes and errors.
 */
import type { App } from '../directory.js';
import type { EmulatorContext, EmulatorRequest } from '../endpoint.js';
import type { HistoryMessage } from '../history.js';
import { decodeToken, encodeToken, pageSizeOf } from '../paging.js';
import { fieldError, invalidParam, isReply, larkError, missingScope, type Reply } from '../reply.js';
import { READ_SCOPES, SCOPES } from '../../core/vocabulary.js';

const GROUP_MSG_SCOPE = SCOPES.groupMessages;

export function listMessages(ctx: EmulatorContext, req: EmulatorRequest, app: App): Reply {
  const { logId } = req;
  const q = req.url.searchParams;
  if (!READ_SCOPES.some((s) => app.scopes.has(s))) return missingScope(logId, READ_SCOPES);
  const over = ctx.limits.admitApp(app.appId, 'listMessages', ctx.clock.now(), logId);
  if (over) return over;
  const type = q.get('container_id_type');
  if (type !== 'chat' && type !== 'thread') return fieldError(logId, 'container_id_type', 'container_id_type must be "chat" or "thread"');
  const containerId = q.get('container_id');
  if (!containerId) return fieldError(logId, 'container_id', 'container_id is required');

  const seconds = (name: string): number | undefined | Reply => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    return /^\d{1,12}$/.test(v) ? Number(v) : fieldError(logId, name, `${name} must be a Unix time in seconds`);
  };
  const start = seconds('start_time');
  if (isReply(start)) return start;
  const end = seconds('end_time');
  if (isReply(end)) return end;
  const sort = q.get('sort_type') ?? 'ByCreateTimeAsc';
  if (sort !== 'ByCreateTimeAsc' && sort !== 'ByCreateTimeDesc') return fieldError(logId, 'sort_type', 'sort_type must be ByCreateTimeAsc or ByCreateTimeDesc');
  const pageSize = pageSizeOf(q, 20, 50);
  if (pageSize === undefined) return fieldError(logId, 'page_size', 'page_size must be an integer 1..50');
  const offset = decodeToken(q.get('page_token'));
  if (offset === undefined) return fieldError(logId, 'page_token', 'page_token is invalid');

  const fromMs = start === undefined ? -Infinity : start * 1000;
  // end_time is inclusive of its whole second.
  const toMs = end === undefined ? Infinity : (end + 1) * 1000;
  let chatId: string;
  let found: HistoryMessage[];
  if (type === 'thread') {
    const root = ctx.history.threadRoot(containerId);
    const replies = ctx.history.threadRange(containerId, fromMs, toMs);
    if (!root || !replies) return fieldError(logId, 'container_id', 'container_id is not a known thread (omt_...)');
    chatId = root.chatId;
    found = replies;
  } else {
    chatId = containerId;
    const group = ctx.dir.groupChat(chatId);
    const p2p = ctx.dir.p2pChat(chatId);
    if (!group && !(p2p && p2p.appId === app.appId)) return invalidParam(logId, 'invalid container_id');
    // A topic chat lists each topic's first message; the replies are read per thread.
    found = ctx.history.chatRange(chatId, fromMs, toMs, group?.chatMode === 'topic');
  }
  const group = ctx.dir.groupChat(chatId);
  if (group && !group.botMember) return larkError(400, 230002, 'The bot can not be outside the group.', logId);
  if (group && !app.scopes.has(GROUP_MSG_SCOPE)) found = found.filter((m) => m.mentions.some((x) => x.id === app.botOpenId));

  const ordered = sort === 'ByCreateTimeAsc' ? found : [...found].reverse();
  const items = ordered.slice(offset, offset + pageSize).map((m) => messageItem(m, app.tenantKey));
  const next = offset + items.length;
  const hasMore = next < ordered.length;
  const data: Record<string, unknown> = { has_more: hasMore, items };
  if (hasMore) data['page_token'] = encodeToken(next);
  return { status: 200, body: { code: 0, msg: 'success', data } };
}

/** The group chats the app's bot is in (never p2p chats, like Lark). */
export function listChats(ctx: EmulatorContext, req: EmulatorRequest, app: App): Reply {
  const { logId } = req;
  const q = req.url.searchParams;
  const over = ctx.limits.admitApp(app.appId, 'listChats', ctx.clock.now(), logId);
  if (over) return over;
  const pageSize = pageSizeOf(q, 20, 100);
  if (pageSize === undefined) return fieldError(logId, 'page_size', 'page_size must be an integer 1..100');
  const offset = decodeToken(q.get('page_token'));
  if (offset === undefined) return fieldError(logId, 'page_token', 'page_token is invalid');
  const chats = ctx.dir.groupChats().filter((c) => c.botMember);
  const items = chats.slice(offset, offset + pageSize).map((c) => ({
    chat_id: c.chatId,
    name: c.name,
    chat_mode: c.chatMode ?? 'group',
    chat_status: 'normal',
    external: false,
    tenant_key: app.tenantKey,
  }));
  const next = offset + items.length;
  const hasMore = next < chats.length;
  const data: Record<string, unknown> = { has_more: hasMore, items };
  if (hasMore) data['page_token'] = encodeToken(next);
  return { status: 200, body: { code: 0, msg: 'success', data } };
}

/** Lark's message item shape (times as ms strings). */
function messageItem(m: HistoryMessage, tenantKey: string): Record<string, unknown> {
  const item: Record<string, unknown> = {
    message_id: m.messageId,
    ...(m.rootId ? { root_id: m.rootId } : {}),
    ...(m.parentId ? { parent_id: m.parentId, upper_message_id: m.parentId } : {}),
    ...(m.threadId ? { thread_id: m.threadId } : {}),
    msg_type: m.msgType,
    create_time: String(m.createTime),
    update_time: String(m.updateTime),
    deleted: m.deleted,
    updated: m.updated,
    chat_id: m.chatId,
    sender: { id: m.sender.id, id_type: m.sender.idType, sender_type: m.sender.senderType, tenant_key: tenantKey },
    body: { content: m.content },
  };
  if (m.mentions.length > 0) {
    item['mentions'] = m.mentions.map((x) => ({ key: x.key, id: x.id, id_type: x.idType, name: x.name, tenant_key: tenantKey }));
  }
  return item;
}
