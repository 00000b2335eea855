/**
 * Two notions that were one: the input's `contentType` (what the record says it holds) and Lark's `msg_type`
 * (what the send API is told). Today every input content type is a Lark msg_type of the same name; an input
 * type such as markdown will become post or interactive here, and only the send and render stages read it.
 */
import type { ContentType } from '../message/schema.js';

/** The msg_type values of POST /open-apis/im/v1/messages. */
export const LARK_MSG_TYPES = [
  'text', 'post', 'image', 'interactive', 'share_chat', 'share_user', 'audio', 'media', 'file', 'sticker',
] as const;
export type LarkMsgType = (typeof LARK_MSG_TYPES)[number];

const SAME_NAME: ReadonlySet<string> = new Set(LARK_MSG_TYPES);

/** The msg_type a message of this input content type is sent as. */
export function larkMsgType(contentType: ContentType): LarkMsgType {
  if (SAME_NAME.has(contentType)) return contentType as LarkMsgType;
  throw new Error(`no Lark msg_type for input content type ${JSON.stringify(contentType)}`);
}
