/** im/v1/messages: send one message, list a chat's (or a topic's) history. */
import { dataOf, malformed, pageTokenOf, type Endpoint, type ListData } from './endpoint.js';
import { LARK_PATHS, SCOPES, type ReceiveIdType } from '../../core/vocabulary.js';


export interface SendMessageRequest {
  receiveIdType: ReceiveIdType;
  receiveId: string;
  msgType: string;
  content: string;
  /** Lark de-duplicates on it for 1 hour: the same value is sent on every retry. */
  uuid: string;
}

export interface SendMessageResult {
  messageId: string;
  chatId?: string;
  logId?: string;
}

export interface ListChatMessagesRequest {
  /** chat: a chat's messages (in a topic chat, each topic's first message); thread: a topic's replies. */
  containerIdType?: 'chat' | 'thread';
  /** chat_id (oc_...) or thread_id (omt_...). */
  containerId: string;
  /** Whole seconds (Lark's unit), both inclusive. */
  startTime?: number;
  endTime?: number;
  sortType?: 'ByCreateTimeAsc' | 'ByCreateTimeDesc';
  /** 1..50 (default 50). */
  pageSize?: number;
  pageToken?: string;
}

export interface ChatMessagesPage {
  items: unknown[];
  hasMore: boolean;
  pageToken?: string;
}

/** Paced on the app's send windows and the receiver's own; the uuid makes every retry harmless. */
export const sendMessage: Endpoint<SendMessageRequest, SendMessageResult> = {
  op: 'send',
  pacer: 'send',
  receiver: (req) => req.receiveId,
  request: (req) => ({
    method: 'POST',
    path: LARK_PATHS.messages,
    query: { receive_id_type: req.receiveIdType },
    body: { receive_id: req.receiveId, msg_type: req.msgType, content: req.content, uuid: req.uuid },
    scope: SCOPES.send,
  }),
  parse: (res) => {
    const data = dataOf<{ message_id?: unknown; chat_id?: unknown }>(res);
    if (typeof data?.message_id !== 'string') throw malformed('send', res.logId);
    return {
      messageId: data.message_id,
      ...(typeof data.chat_id === 'string' ? { chatId: data.chat_id } : {}),
      ...(res.logId ? { logId: res.logId } : {}),
    };
  },
};

export const listChatMessages: Endpoint<ListChatMessagesRequest, ChatMessagesPage> = {
  op: 'list_messages',
  pacer: 'list',
  request: (args) => ({
    method: 'GET',
    path: LARK_PATHS.messages,
    query: {
      container_id_type: args.containerIdType ?? 'chat',
      container_id: args.containerId,
      start_time: args.startTime,
      end_time: args.endTime,
      sort_type: args.sortType ?? 'ByCreateTimeAsc',
      page_size: args.pageSize ?? 50,
      page_token: args.pageToken,
    },
    scope: SCOPES.readMessages,
  }),
  parse: (res) => {
    const data = dataOf<ListData>(res);
    if (!data || !Array.isArray(data.items)) throw malformed('list_messages', res.logId);
    const pageToken = pageTokenOf(data);
    return { items: data.items, hasMore: data.has_more === true, ...(pageToken ? { pageToken } : {}) };
  },
};
