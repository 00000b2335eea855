/** im/v1/chats: the group chats the bot is in (Lark lists no p2p chats). */
import { isRecord } from '../../core/is-record.js';
import { dataOf, malformed, pageTokenOf, type Endpoint, type ListData } from './endpoint.js';
import { LARK_PATHS } from '../../core/vocabulary.js';

export interface ChatSummary {
  chatId: string;
  name: string;
  /** group | topic | p2p (Lark lists no p2p chats here). */
  chatMode: string;
}

export interface ChatsPage {
  items: ChatSummary[];
  hasMore: boolean;
  pageToken?: string;
}

export interface ListChatsRequest {
  pageToken?: string;
  pageSize?: number;
}

export const listChats: Endpoint<ListChatsRequest, ChatsPage> = {
  op: 'list_chats',
  pacer: 'list',
  request: (args) => ({ method: 'GET', path: LARK_PATHS.chats, query: { page_size: args.pageSize ?? 100, page_token: args.pageToken } }),
  parse: (res) => {
    const data = dataOf<ListData>(res);
    if (!data || !Array.isArray(data.items)) throw malformed('list_chats', res.logId);
    const items = data.items.filter(isRecord).flatMap((c) =>
      typeof c.chat_id === 'string'
        ? [{ chatId: c.chat_id, name: typeof c.name === 'string' ? c.name : '', chatMode: typeof c.chat_mode === 'string' ? c.chat_mode : 'group' }]
        : [],
    );
    const pageToken = pageTokenOf(data);
    return { items, hasMore: data.has_more === true, ...(pageToken ? { pageToken } : {}) };
  },
};
