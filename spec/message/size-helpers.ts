/** Message bodies whose send request is exactly n bytes, for the size-limit specs on both sides. */
import { requestBodyBytes } from '../../src/message/size.js';

export const ALICE_ID = 'ou_a11ce000000000000000000000000001';

type SizedType = 'text' | 'post' | 'interactive';

function wrap(type: SizedType, s: string): string {
  if (type === 'text') return JSON.stringify({ text: s });
  if (type === 'post') return JSON.stringify({ zh_cn: { content: [[{ tag: 'text', text: s }]] } });
  return JSON.stringify({ elements: [{ tag: 'markdown', content: s }] });
}

/** A body to ALICE_ID whose request body (receive_id, msg_type, content, uuid) is exactly n UTF-8 bytes. */
export function bodyOfRequestBytes(type: SizedType, n: number, extra: { uuid?: string } = {}, ch = 'a') {
  const make = (s: string) => ({ receiveType: 'user' as const, receiveId: ALICE_ID, contentType: type, content: wrap(type, s), ...extra });
  const overhead = requestBodyBytes(make('') as never);
  const chBytes = Buffer.byteLength(ch, 'utf8');
  const count = Math.floor((n - overhead) / chBytes);
  const body = make(ch.repeat(count) + 'a'.repeat(n - overhead - count * chBytes));
  if (requestBodyBytes(body as never) !== n) throw new Error(`could not build a ${n}-byte body`);
  return body;
}
