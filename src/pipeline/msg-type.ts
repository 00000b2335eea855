/**
 * Two notions kept apart: the input's `contentType` (what the record says it holds) and Lark's `msg_type`
 * (what the send API is told). Every input content type is a Lark msg_type of the same name; only the send
 * and render stages read the mapping, so an input type that is sent as another msg_type changes this file alone.
 */
import { LARK_MSG_TYPES, type ContentType, type LarkMsgType } from '../core/vocabulary.js';

const SAME_NAME: ReadonlySet<string> = new Set(LARK_MSG_TYPES);

/** The msg_type a message of this input content type is sent as. */
export function larkMsgType(contentType: ContentType): LarkMsgType {
  if (SAME_NAME.has(contentType)) return contentType as LarkMsgType;
  throw new Error(`no Lark msg_type for input content type ${JSON.stringify(contentType)}`);
}
