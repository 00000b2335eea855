/** A table of order rows for the send-mode specs: nested fields, hostile values, and fields missing on purpose. */
import { CHAT_WITH_BOT } from '../integration/helpers.js';

export const HOSTILE = [
  'plain',
  'say "hi" \\ back\\slash',
  'line one\nline two\r\nline three\ttab',
  '<at user_id="all">everyone</at>',
  '🎉 emoji 👍🏽 and 订单已发货（繁體：訂單）',
  '{{id}} is not a placeholder here',
  '</script><b>x</b> & &amp;',
  'unicode separators \u2028\u2029 end',
  '**bold?** [link](http://x) @ou_fake',
] as const;

export interface OrderRow {
  id: number;
  status: string | null;
  customer: { name: string; email?: string; openId: string };
  team_chat: string;
  summary?: string;
  items: Array<{ sku: string; qty: number }>;
}

/** Row i: every 7th has no customer.email, every 11th a null status, every 13th an empty team_chat, every 17th no summary. */
export function orderRow(i: number, crowd: (i: number) => { email: string; openId: string }): OrderRow {
  const person = crowd(i);
  const hostile = HOSTILE[i % HOSTILE.length]!;
  const row: OrderRow = {
    id: 1000 + i,
    status: i % 11 === 5 ? null : ['paid', 'shipped', 'refunded'][i % 3]!,
    customer: { name: `${hostile} #${i}`, ...(i % 7 === 3 ? {} : { email: person.email }), openId: person.openId },
    team_chat: i % 13 === 6 ? '' : CHAT_WITH_BOT.chatId,
    items: [{ sku: `SKU-${i}`, qty: (i % 4) + 1 }],
  };
  if (i % 17 !== 8) row.summary = `Order ${1000 + i}: ${hostile}`;
  return row;
}
