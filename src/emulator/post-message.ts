import type { App, Directory } from './directory.js';
import type { HistoryMessage } from './history.js';

/** A message a user posts into a chat (the emulator's admin call, for demos and tests). */
export interface PostMessageInput {
  chatId: string;
  /** The user's open_id; default the seed's first user. */
  senderOpenId?: string;
  /** Shorthand for a text message. */
  text?: string;
  msgType?: string;
  /** Lark content JSON string (wins over text). */
  content?: string;
  /** Answer this message: in a topic chat the reply joins its topic. */
  replyTo?: string;
  /** @-mention the bot of this app (what a bot without im:message.group_msg can see). */
  mentionBotOf?: string;
  /** ms; default now. An earlier time models a message that shows up late in the listing. */
  createTime?: number;
}

/** Builds the stored message; throws an Error naming what is wrong (unknown chat, user or message). */
export function buildUserMessage(
  dir: Directory,
  lookup: (messageId: string) => HistoryMessage | undefined,
  input: PostMessageInput,
  ids: { messageId: string; threadId: string },
  now: number,
): HistoryMessage {
  const chat = dir.groupChat(input.chatId);
  if (!chat && !dir.p2pChat(input.chatId)) throw new Error(`emulator: no chat ${input.chatId}`);
  const senderOpenId = input.senderOpenId ?? dir.firstUserOpenId();
  if (!senderOpenId || !dir.userBy('open_id', senderOpenId)) throw new Error(`emulator: no user ${senderOpenId ?? '(the seed has none)'}`);
  const createTime = input.createTime ?? now;
  const mentions: HistoryMessage['mentions'] = [];
  let text = input.text ?? '';
  if (input.mentionBotOf) {
    const app: App | undefined = dir.apps.get(input.mentionBotOf);
    if (!app) throw new Error(`emulator: no app ${input.mentionBotOf}`);
    mentions.push({ key: '@_user_1', id: app.botOpenId, idType: 'open_id', name: app.appName });
    text = `@_user_1 ${text}`;
  }
  const message: HistoryMessage = {
    messageId: ids.messageId,
    chatId: input.chatId,
    msgType: input.msgType ?? 'text',
    content: input.content ?? JSON.stringify({ text }),
    createTime,
    updateTime: createTime,
    deleted: false,
    updated: false,
    sender: { id: senderOpenId, idType: 'open_id', senderType: 'user' },
    mentions,
  };
  if (input.replyTo) {
    const parent = lookup(input.replyTo);
    if (!parent || parent.chatId !== input.chatId) throw new Error(`emulator: no message ${input.replyTo} in chat ${input.chatId}`);
    message.rootId = parent.rootId ?? parent.messageId;
    message.parentId = parent.messageId;
    if (parent.threadId) message.threadId = parent.threadId;
  } else if (chat?.chatMode === 'topic') {
    message.threadId = ids.threadId;
  }
  return message;
}
