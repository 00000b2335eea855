/**
 * The admin calls over HTTP (for a `lark-im emulator` started by hand: post, edit, recall a user's message).
 * Not Lark endpoints: they live under /_emulator/ and take no token.
 *   POST /_emulator/messages          {chatId, senderOpenId?, text? | msgType + content, replyTo?, mentionBotOf?}
 *   POST /_emulator/messages/edit     {messageId, text? | content}
 *   POST /_emulator/messages/recall   {messageId}
 */
import type { AdminOps, EmulatorContext, EmulatorRequest, Handler } from '../endpoint.js';
import { jsonBody } from '../endpoint.js';
import type { HistoryMessage } from '../history.js';
import type { PostMessageInput } from '../post-message.js';
import type { Reply } from '../reply.js';

export const adminPost: Handler = (ctx, req) => admin(ctx, req, 'post');
export const adminEdit: Handler = (ctx, req) => admin(ctx, req, 'edit');
export const adminRecall: Handler = (ctx, req) => admin(ctx, req, 'recall');

function admin(ctx: EmulatorContext, req: EmulatorRequest, which: 'post' | 'edit' | 'recall'): Reply {
  const parsed = jsonBody(req);
  return 'reply' in parsed ? parsed.reply : adminReply(ctx.admin, which, parsed.value);
}

function adminReply(ops: AdminOps, which: 'post' | 'edit' | 'recall', body: Record<string, unknown>): Reply {
  try {
    const str = (k: string): string | undefined => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
    let message: HistoryMessage;
    if (which === 'post') {
      const chatId = str('chatId');
      if (!chatId) return bad('chatId is required');
      const input: PostMessageInput = { chatId };
      for (const k of ['senderOpenId', 'text', 'msgType', 'content', 'replyTo', 'mentionBotOf'] as const) {
        const v = str(k);
        if (v !== undefined) input[k] = v;
      }
      message = ops.postMessage(input);
    } else {
      const messageId = str('messageId');
      if (!messageId) return bad('messageId is required');
      if (which === 'edit') {
        const content = str('content') ?? (str('text') !== undefined ? { text: str('text')! } : undefined);
        if (content === undefined) return bad('text or content is required');
        message = ops.editMessage(messageId, content);
      } else {
        message = ops.recallMessage(messageId);
      }
    }
    return { status: 200, body: { code: 0, msg: 'success', data: message } };
  } catch (err) {
    return bad((err as Error).message);
  }
}

function bad(msg: string): Reply {
  return { status: 400, body: { code: 400, msg } };
}
