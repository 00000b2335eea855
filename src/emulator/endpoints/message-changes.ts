/**
 * PUT / PATCH / DELETE /open-apis/im/v1/messages/:message_id: a bot edits its text or post message, updates
 * its card, recalls its message. The rules and their state are in ../message-changes.ts.
 */
import type { App } from '../directory.js';
import { jsonBody, type EmulatorContext, type EmulatorRequest } from '../endpoint.js';
import type { ChangeKind } from '../message-changes.js';
import type { Reply } from '../reply.js';

function change(kind: ChangeKind) {
  return (ctx: EmulatorContext, req: EmulatorRequest, app: App): Reply => {
    const parsed = kind === 'recall' ? { value: {} } : jsonBody(req);
    if ('reply' in parsed) return parsed.reply;
    return ctx.changes.handle(kind, app, req.params['message_id'] ?? '', parsed.value, req.body?.length ?? 0, req.logId);
  };
}

export const editMessage = change('edit');
export const updateCard = change('update_card');
export const recallMessage = change('recall');
