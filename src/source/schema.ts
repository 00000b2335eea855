/** The source's table (lark_messages) and what its scopes mean for the connection test. */
import type { TableSchema } from '../core/types.js';
import { READ_SCOPES, SCOPES } from '../core/vocabulary.js';
import type { SourceMessageKey } from './options.js';

export const LARK_MESSAGES_TABLE: TableSchema = {
  name: 'lark_messages',
  description: 'Each row is one message of a chat the bot is in (read by the source)',
  primaryKey: ['messageId'],
  fields: [
    { name: 'messageId', type: 'string', required: true, description: 'om_... (primary key)' },
    { name: 'chatId', type: 'string', required: true, description: 'oc_... of the chat' },
    { name: 'threadId', type: 'string', required: false, description: 'omt_... of the topic (topic chats and thread replies)' },
    { name: 'rootId', type: 'string', required: false, description: 'First message of the thread a reply belongs to' },
    { name: 'parentId', type: 'string', required: false, description: 'The message this one answers' },
    { name: 'msgType', type: 'string', required: true, description: 'Lark msg_type: text, post, image, interactive, ...' },
    { name: 'content', type: 'string', required: true, description: "Lark's content JSON string" },
    { name: 'text', type: 'string', required: false, description: 'Plain text of a text or post message (null otherwise)' },
    { name: 'senderId', type: 'string', required: false, description: 'open_id of a user, app_id of an app' },
    { name: 'senderType', type: 'string', required: false, description: 'user | app | anonymous | unknown' },
    { name: 'mentions', type: 'array', required: true, description: '[{key, id, name}] of the @-mentions' },
    { name: 'createTime', type: 'number', required: true, description: 'ms since epoch' },
    { name: 'updateTime', type: 'number', required: true, description: 'ms since epoch (last edit or recall)' },
    { name: 'deleted', type: 'boolean', required: true, description: 'The message was recalled' },
    { name: 'updated', type: 'boolean', required: true, description: 'The message was edited' },
  ],
};

const GROUP_MSG_SCOPE = SCOPES.groupMessages;

/**
 * ok: reads everything; warn: cannot read, or sees only part of the groups' messages. The detail is a message
 * key of the source's strings (SOURCE_MESSAGES) and its placeholders' values.
 */
export function readPermissionsItem(granted: ReadonlySet<string>): {
  status: 'ok' | 'warn';
  detailKey: Extract<SourceMessageKey, `test_detail_${string}`>;
  detailVars: Record<string, string>;
} {
  const read = READ_SCOPES.find((s) => granted.has(s));
  if (!read) {
    return {
      status: 'warn',
      detailKey: 'test_detail_read_scope_missing',
      detailVars: { scopes: READ_SCOPES.join(', '), apply: SCOPES.readMessages },
    };
  }
  const group = GROUP_MSG_SCOPE;
  if (!granted.has(group)) {
    return { status: 'warn', detailKey: 'test_detail_group_scope_missing', detailVars: { read, group } };
  }
  return { status: 'ok', detailKey: 'test_detail_read_ok', detailVars: { read, group } };
}
