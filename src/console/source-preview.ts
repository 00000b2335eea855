/**
 * The console's source tab: the chats the bot is in, and the newest messages of one (read, not sent), with
 * the names of their senders where the app may read them (contact lookups, cached per app).
 */
import { isRecord } from '../core/is-record.js';
import type { ConnectorLike, SourcePreviewMessage } from './types.js';

/** Why some senders show as ids: the app may not read names at all (the reason, said once), or not these users. */
export interface SenderNamesNote {
  /** The lookups were refused (a missing scope, say): Lark's reason with its advice. */
  denied?: string;
  /** Senders outside the app's contact range. */
  outside?: number;
}

/** Lookups at once (a preview shows a few senders; Lark's contact API is not paced here). */
const LOOKUPS_AT_ONCE = 4;
/** Names kept per console before the cache starts over. */
const CACHE_MAX = 10_000;

/** open_id -> name (null: the app may not read it), per app: names change rarely, previews come often. */
export class SenderNames {
  private readonly cache = new Map<string, string | null>();

  async lookUp(
    connector: ConnectorLike,
    app: string,
    ids: readonly string[],
  ): Promise<{ names: Map<string, string>; note: SenderNamesNote }> {
    const names = new Map<string, string>();
    const note: SenderNamesNote = {};
    const todo: string[] = [];
    for (const id of new Set(ids)) {
      const hit = this.cache.get(`${app}\n${id}`);
      if (hit === undefined) todo.push(id);
      else if (hit === null) note.outside = (note.outside ?? 0) + 1;
      else names.set(id, hit);
    }
    if (!connector.userName) return { names, note };
    const userName = connector.userName.bind(connector);
    const next = async (): Promise<void> => {
      for (let id = todo.shift(); id !== undefined && note.denied === undefined; id = todo.shift()) {
        try {
          const name = await userName(id);
          this.remember(`${app}\n${id}`, name || null);
          if (name) names.set(id, name);
          else note.outside = (note.outside ?? 0) + 1;
        } catch (err) {
          const e = isRecord(err) ? err : {};
          if (e.code === 'OUTSIDE_VISIBLE_RANGE') {
            this.remember(`${app}\n${id}`, null);
            note.outside = (note.outside ?? 0) + 1;
          } else {
            // Not cached: a scope granted later works at the next preview. One reason is enough for all.
            note.denied = typeof e.message === 'string' ? e.message : String(err);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOOKUPS_AT_ONCE, todo.length) }, next));
    return { names, note };
  }

  private remember(key: string, name: string | null): void {
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(key, name);
  }
}

export async function sourceChats(connector: ConnectorLike): Promise<Array<{ chatId: string; name: string; chatMode: string }>> {
  if (!connector.sourceChats) return [];
  return connector.sourceChats();
}

/** The newest `limit` messages of a chat (1..50), newest first, each with its sender's name when known. */
export async function previewChat(
  connector: ConnectorLike,
  chatId: string,
  limit: number,
  senders: { names: SenderNames; app: string },
): Promise<{ messages: SourcePreviewMessage[]; names: SenderNamesNote }> {
  if (!connector.latestMessages) return { messages: [], names: {} };
  const records = await connector.latestMessages(chatId, limit);
  const users = records.flatMap((r) => (r.senderType === 'user' && r.senderId ? [r.senderId] : []));
  const { names, note } = await senders.names.lookUp(connector, senders.app, users);
  const messages = records.map((r) => {
    const name = r.senderId ? names.get(r.senderId) : undefined;
    return name ? { ...r, senderName: name } : r;
  });
  return { messages, names: note };
}
