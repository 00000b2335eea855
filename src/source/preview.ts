/** A look at a chat without reading it as the source does: its newest messages, newest first, one page. */
import type { ReaderClient } from './reader.js';
import { toRecord, type LarkMessageRecord } from './record.js';

/** Lark's largest page of im/v1/messages. */
export const PREVIEW_MAX = 50;

/** The newest `limit` (1..50) messages of a chat, newest first: one page of the list, descending. */
export async function latestMessages(
  client: ReaderClient,
  chatId: string,
  limit: number,
): Promise<LarkMessageRecord[]> {
  const pageSize = Math.min(PREVIEW_MAX, Math.max(1, Math.floor(limit)));
  const page = await client.listChatMessages({ containerId: chatId, sortType: 'ByCreateTimeDesc', pageSize });
  return page.items.flatMap((item) => {
    const r = toRecord(item);
    return r ? [r] : [];
  });
}
