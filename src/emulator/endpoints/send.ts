/**
 * POST /open-apis/im/v1/messages?receive_id_type=...: a bot sends a message. Injected faults first, then
 * Lark's order of checks (scope, app rate limit, parameters, content, bot ability), the uuid de-duplication,
 * the receiver and its per-receiver limit; a delivered message joins the store and the chat's history.
 */
import { bodyLimitBytes, contentProblem, isMsgType } from '../content.js';
import type { App } from '../directory.js';
import type { EmulatorContext, EmulatorRequest } from '../endpoint.js';
import { jsonBody } from '../endpoint.js';
import { fieldError, invalidParam, isReply, larkError, missingScope, rateLimited, type Reply } from '../reply.js';
import { contentKeys, keyRefusal } from '../uploads.js';
import type { DeliveredMessage } from '../types.js';
import { LARK_MSG_TYPES, RECEIVE_ID_TYPES, SEND_SCOPES, type ReceiveIdType } from '../../core/vocabulary.js';


export function sendMessage(ctx: EmulatorContext, req: EmulatorRequest, app: App): Reply {
  const fault = ctx.faults.take();
  if (fault?.kind === '5xx') return larkError(fault.status ?? 500, 1500, 'internal error, please retry later', req.logId);
  if (fault?.kind === '429') return rateLimited(req.logId, ctx.limits.sendPerSecond, fault.resetSeconds ?? 1);
  const reply = deliver(ctx, req, app);
  if (fault?.kind === 'lost') reply.lose = true;
  if (fault?.kind === 'slow') reply.delayMs = fault.delayMs ?? ctx.slowDelayMs;
  return reply;
}

function deliver(ctx: EmulatorContext, req: EmulatorRequest, app: App): Reply {
  const { logId } = req;
  if (!SEND_SCOPES.some((s) => app.scopes.has(s))) return missingScope(logId, SEND_SCOPES);
  const now = ctx.clock.now();
  const over = ctx.limits.admitApp(app.appId, 'send', now, logId);
  if (over) return over;

  const idType = req.url.searchParams.get('receive_id_type');
  if (idType === null || !(RECEIVE_ID_TYPES as readonly string[]).includes(idType)) {
    return fieldError(logId, 'receive_id_type', `receive_id_type is required, one of ${RECEIVE_ID_TYPES.join(' | ')}`);
  }
  const parsed = jsonBody(req);
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
  if (!isMsgType(msgType)) return invalidParam(logId, `invalid msg_type, must be one of ${LARK_MSG_TYPES.join(', ')}`);
  if ((req.body?.length ?? 0) > bodyLimitBytes(msgType)) {
    return larkError(400, 230025, 'The length of the message content reaches its limit.', logId);
  }
  const problem = contentProblem(msgType, content);
  if (problem) return invalidParam(logId, `invalid content: ${problem}`);
  for (const { kind, key } of contentKeys(msgType, content)) {
    const refused = keyRefusal(ctx.uploads, app.appId, key, kind);
    if (refused) return invalidParam(logId, `invalid content: ${refused}`);
  }
  if (app.botActivateStatus !== 2) return larkError(400, 230006, 'Bot ability is not activated.', logId);

  if (typeof uuid === 'string' && uuid !== '') {
    const dup = ctx.store.duplicateOf(app.appId, uuid, now);
    if (dup) {
      ctx.stats.duplicatesSuppressed++;
      return sendSuccess(app, dup);
    }
  }

  const target = resolveReceiver(ctx, app, idType as ReceiveIdType, receiveId, logId);
  if (isReply(target)) return target;
  if (!ctx.limits.admitReceiver(app.appId, target, now)) {
    return larkError(400, 230020, 'This operation triggers the frequency limit.', logId);
  }

  const message: DeliveredMessage = {
    messageId: `om_${ctx.nextSeq()}${target.chatId.slice(-24)}`,
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
  ctx.store.add(message);
  ctx.history.post({
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
  ctx.stats.delivered++;
  return sendSuccess(app, message);
}

function resolveReceiver(
  ctx: EmulatorContext,
  app: App,
  idType: ReceiveIdType,
  id: string,
  logId: string,
): { chatId: string; openId?: string } | Reply {
  if (idType === 'chat_id') {
    const chat = ctx.dir.groupChat(id);
    if (chat) return chat.botMember ? { chatId: id } : larkError(400, 230002, 'The bot can not be outside the group.', logId);
    const p2p = ctx.dir.p2pChat(id);
    if (p2p && p2p.appId === app.appId) return { chatId: id };
    return invalidParam(logId, 'invalid receive_id');
  }
  const user = ctx.dir.userBy(idType, id);
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
  return { chatId: ctx.dir.p2pChatId(app.appId, user.openId), openId: user.openId };
}

/** Lark's answer to a send: the message item (a repeat uuid answers with the first delivery's). */
function sendSuccess(app: App, m: DeliveredMessage): Reply {
  const t = String(m.createTime);
  const item = {
    message_id: m.messageId,
    msg_type: m.msgType,
    create_time: t,
    update_time: t,
    deleted: false,
    updated: false,
    chat_id: m.chatId,
    sender: { id: m.appId, id_type: 'app_id', sender_type: 'app', tenant_key: app.tenantKey },
    body: { content: m.content },
  };
  return { status: 200, body: { code: 0, msg: 'success', data: item } };
}
