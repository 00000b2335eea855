/** The console's source tab: the chats the bot is in, and the first messages of one (read, not sent). */
import type { ConnectorLike, SourcePreviewMessage } from './types.js';

export const PREVIEW_MAX = 50;

export async function sourceChats(connector: ConnectorLike): Promise<Array<{ chatId: string; name: string; chatMode: string }>> {
  if (!connector.sourceChats) return [];
  return connector.sourceChats();
}

/** The oldest `limit` messages of a chat (1..50): reading stops after the page that holds them. */
export async function previewChat(connector: ConnectorLike, chatId: string, limit: number): Promise<SourcePreviewMessage[]> {
  if (!connector.batchRead) return [];
  const n = Math.min(PREVIEW_MAX, Math.max(1, Math.floor(limit)));
  const stop = new AbortController();
  const messages: SourcePreviewMessage[] = [];
  await connector.batchRead(
    null,
    n,
    (events) => {
      for (const e of events) if (messages.length < n) messages.push({ op: e.op, ...e.record });
      if (messages.length >= n) stop.abort();
    },
    { chats: [chatId], includeThreads: false, signal: stop.signal },
  );
  return messages;
}
