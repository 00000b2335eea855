/**
 * LarkClient: the calls the connector needs, typed. Each is one endpoint (src/lark/endpoints/: the request,
 * its pacer, the parsing of the answer) run by the attempt engine (engine.ts: slot -> token -> request ->
 * classify -> retry).
 */
import { AttemptEngine, type CallOptions, type LarkClientOptions } from './engine.js';
import { botInfo, listScopes, type BotInfo, type ScopeGrant } from './endpoints/app.js';
import { listChats, type ChatsPage, type ChatSummary, type ListChatsRequest } from './endpoints/chats.js';
import {
  batchGetIdByMobiles,
  getUser,
  listUsers,
  MOBILES_PER_CALL,
  type DirectoryEntry,
  type DirectoryPage,
  type ListUsersRequest,
} from './endpoints/contact.js';
import {
  listChatMessages,
  sendMessage,
  type ChatMessagesPage,
  type ListChatMessagesRequest,
  type SendMessageRequest,
  type SendMessageResult,
} from './endpoints/messages.js';
import { MESSAGE_CHANGES, type MessageChangeRequest } from './endpoints/message-changes.js';

import { uploadFile, uploadImage, type FileUpload, type ImageUpload } from './endpoints/media.js';

type Signal = { signal?: AbortSignal };

export class LarkClient {
  private readonly engine: AttemptEngine;

  constructor(opts: LarkClientOptions) {
    this.engine = new AttemptEngine(opts);
  }

  /** host:port of the proxy the requests go through, if one is in use. */
  get proxy(): string | undefined {
    return this.engine.proxy?.label;
  }

  /** Fetches (or reuses) the tenant token: the connection test's credentials check. */
  getTenantToken(options: CallOptions = {}): Promise<string> {
    return this.engine.getTenantToken(options);
  }

  /** Paced (app + per receive_id), retried with the same uuid; throws LarkError. */
  sendMessage(req: SendMessageRequest, options: Signal = {}): Promise<SendMessageResult> {
    return this.engine.call(sendMessage, req, options);
  }

  /** POST im/v1/images: the image_key. Paced on the upload windows (50/s + 1000/min), retried. */
  uploadImage(req: ImageUpload, options: Signal = {}): Promise<string> {
    return this.engine.call(uploadImage, req, options);
  }

  /** POST im/v1/files: the file_key. Paced on the upload windows, retried. */
  uploadFile(req: FileUpload, options: Signal = {}): Promise<string> {
    return this.engine.call(uploadFile, req, options);
  }

  /** Edits (PUT), updates (PATCH, a card) or recalls (DELETE) a message this app sent; see endpoints/message-changes.ts. */
  changeMessage(req: MessageChangeRequest, options: Signal = {}): Promise<{ logId?: string }> {
    return this.engine.call(MESSAGE_CHANGES[req.kind], req, options);
  }

  /** mobile -> open_id for hits only; chunked by 50, keys are the strings passed in. */
  async batchGetIdByMobiles(mobiles: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(mobiles)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += MOBILES_PER_CALL) chunks.push(unique.slice(i, i + MOBILES_PER_CALL));
    const results = await Promise.all(chunks.map((chunk) => this.engine.call(batchGetIdByMobiles, chunk)));
    return new Map(results.flatMap((m) => [...m]));
  }

  getBotInfo(options: CallOptions = {}): Promise<BotInfo> {
    return this.engine.call(botInfo, undefined, options);
  }

  listScopes(options: CallOptions = {}): Promise<ScopeGrant[]> {
    return this.engine.call(listScopes, undefined, options);
  }

  /** One page of a chat's (or a topic's) history; paced on the list windows, retried like every call. */
  listChatMessages(args: ListChatMessagesRequest, options: Signal = {}): Promise<ChatMessagesPage> {
    return this.engine.call(listChatMessages, args, options);
  }

  /** One page of the group chats the bot is in (Lark lists no p2p chats). */
  listChats(args: ListChatsRequest = {}, options: Signal = {}): Promise<ChatsPage> {
    return this.engine.call(listChats, args, options);
  }

  /** Every group chat the bot is in (all pages). */
  async listAllChats(options: Signal = {}): Promise<ChatSummary[]> {
    const out: ChatSummary[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.listChats(pageToken ? { pageToken } : {}, options);
      out.push(...page.items);
      pageToken = page.hasMore ? page.pageToken : undefined;
    } while (pageToken);
    return out;
  }

  /** One page of the users in the app's contact range (root department: the whole range for a tenant token). */
  listUsers(args: ListUsersRequest = {}): Promise<DirectoryPage> {
    return this.engine.call(listUsers, args);
  }

  /** One user's name by open_id; outside the app's contact range: OUTSIDE_VISIBLE_RANGE. */
  getUser(openId: string): Promise<DirectoryEntry> {
    return this.engine.call(getUser, openId);
  }

  /** After ENDPOINT_UNREACHABLE: the next call tries the host again (see AttemptEngine.probeAgain). */
  probeAgain(): void {
    this.engine.probeAgain();
  }

  /** Destroys the keep-alive sockets. */
  close(): void {
    this.engine.close();
  }
}
