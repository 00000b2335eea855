/**
 * PUT / PATCH / DELETE im/v1/messages/:message_id: edit a text or post message, update a card, recall a
 * message this app sent. Each API has its own pacer (50/s + 1000/min) and 5/s per message (the receiver key is
 * the message id); no uuid: the same change twice is harmless. The codes are this endpoint's own
 * (MESSAGE_CHANGE_CODES): Lark's refusals for good are MESSAGE_NOT_EDITABLE or RECALL_REFUSED.
 */
import { MESSAGE_CHANGE_CODES } from '../errors.js';
import type { Endpoint } from './endpoint.js';
import { LARK_PATHS, SCOPES } from '../../core/vocabulary.js';

/** A change of a message this app sent: PUT (text, post), PATCH (interactive card) or DELETE (recall). */
export type MessageChangeRequest =
  | { kind: 'edit'; messageId: string; msgType: 'text' | 'post'; content: string }
  | { kind: 'update_card'; messageId: string; content: string }
  | { kind: 'recall'; messageId: string };

export type MessageChangeKind = MessageChangeRequest['kind'];

function changeEndpoint(kind: MessageChangeKind): Endpoint<MessageChangeRequest, { logId?: string }> {
  return {
    op: kind,
    pacer: kind,
    receiver: (req) => req.messageId,
    request: (req) => {
      const path = LARK_PATHS.message.replace(':message_id', encodeURIComponent(req.messageId));
      if (req.kind === 'recall') return { method: 'DELETE', path, scope: SCOPES.recall, codes: MESSAGE_CHANGE_CODES };
      const body = req.kind === 'edit' ? { msg_type: req.msgType, content: req.content } : { content: req.content };
      return { method: req.kind === 'edit' ? 'PUT' : 'PATCH', path, body, scope: SCOPES.edit, codes: MESSAGE_CHANGE_CODES };
    },
    parse: (res) => (res.logId ? { logId: res.logId } : {}),
  };
}

export const MESSAGE_CHANGES: Readonly<Record<MessageChangeKind, Endpoint<MessageChangeRequest, { logId?: string }>>> = {
  edit: changeEndpoint('edit'),
  update_card: changeEndpoint('update_card'),
  recall: changeEndpoint('recall'),
};
