/**
 * Lark's size limits (230025 over them) are on the send request's body, the JSON
 * {"receive_id","msg_type","content","uuid"} in UTF-8 bytes, not on `content` alone: the JSON escaping of
 * the content string counts too. requestBodyBytes measures exactly what the client sends and the emulator
 * measures (src/emulator/content.ts bodyLimitBytes).
 */
import type { ContentType, ReceiveType } from '../core/vocabulary.js';

export const REQUEST_BODY_LIMITS: Partial<Record<ContentType, number>> = {
  text: 150 * 1024,
  post: 30 * 1024,
  interactive: 30 * 1024,
};
/** A phone receiver is sent as its open_id ('ou_' + 32 hex characters), looked up later. */
const OPEN_ID_LENGTH = 35;
/** A message without a uuid gets a derived one of this length (src/message/uuid.ts). */
const DERIVED_UUID_LENGTH = 48;
/** One UTF-16 code unit is at most 6 bytes once JSON-escaped (\u0000); the rest of the body is under 100. */
const MAX_ESCAPED_BYTES_PER_CHAR = 6;

export interface SizedMessage {
  receiveType: ReceiveType;
  receiveId: string;
  contentType: ContentType;
  content: string;
  uuid?: string;
}

/** The UTF-8 bytes of the send request's body this message becomes (what Lark's limit is on). */
export function requestBodyBytes(m: SizedMessage): number {
  const body = {
    receive_id: m.receiveType === 'phone' ? 'o'.repeat(OPEN_ID_LENGTH) : m.receiveId,
    msg_type: m.contentType,
    content: m.content,
    uuid: m.uuid ?? 'u'.repeat(DERIVED_UUID_LENGTH),
  };
  return Buffer.byteLength(JSON.stringify(body), 'utf8');
}

/** Why the message is over Lark's limit for its type, or undefined. Cheap when it is clearly under. */
export function sizeProblem(m: SizedMessage): string | undefined {
  const limit = REQUEST_BODY_LIMITS[m.contentType];
  if (limit === undefined) return undefined;
  const chars = m.content.length + m.receiveId.length + (m.uuid?.length ?? DERIVED_UUID_LENGTH) + OPEN_ID_LENGTH;
  if (chars * MAX_ESCAPED_BYTES_PER_CHAR + 100 <= limit) return undefined;
  const size = requestBodyBytes(m);
  if (size <= limit) return undefined;
  return (
    `makes a request body of ${size} bytes, over Lark's ${limit}-byte (${limit / 1024} KB) limit ` +
    `for ${m.contentType} messages (the limit counts the whole JSON body: receive_id, msg_type, ` +
    'the escaped content, uuid); split it into smaller messages'
  );
}
