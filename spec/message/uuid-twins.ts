/**
 * Two different text messages whose identity hashes agree on the 32 bits that uuid scheme 3 counts by (and
 * not on the 48 of scheme 2): the one case where the schemes give a message different uuids. Found by a
 * birthday search over numbered texts (about 80,000 hashes), the same pair every time.
 */
import { hash } from 'node:crypto';
import { messageIdentity } from '../../src/message/uuid.js';
import type { MessageBody } from '../../src/message/schema.js';

export function schemeTwins(receiveId: string): [MessageBody, MessageBody] {
  const body = (i: number): MessageBody =>
    ({ receiveType: 'user', receiveId, contentType: 'text', content: JSON.stringify({ text: `twin ${i}` }) });
  // UuidDeriver's hash (no namespace); the fingerprint is its first 13 hex digits, the low 32 bits the last 8.
  const hashOf = (i: number) => hash('sha256', `lark-im/v2\n0:\n${messageIdentity(body(i))}`, 'hex');
  const seen = new Map<string, number>();
  for (let i = 0; ; i++) {
    const h = hashOf(i);
    const low32 = h.slice(5, 13);
    const earlier = seen.get(low32);
    if (earlier !== undefined && h.slice(0, 5) !== hashOf(earlier).slice(0, 5)) return [body(earlier), body(i)];
    seen.set(low32, i);
  }
}
