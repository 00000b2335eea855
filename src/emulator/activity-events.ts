/**
 * What Lark pushes when something happens in a chat, as the emulator models it:
 * - a user's message -> im.message.receive_v1 to each app that may read it: in a group the bot must be a member
 *   and the app must have im:message.group_msg or be @-mentioned; in a p2p chat, the app of that chat.
 * - a recall -> im.message.recalled_v1 to the same apps.
 * - an edit -> nothing (Lark has no message-edited event for apps; the SDK 1.74 event list has none).
 * Messages sent by apps (bots) are not pushed: receive_v1 is for messages users send.
 * Called for every ChatHistory activity (emulator.onActivity).
 */
import type { App } from './directory.js';
import type { ChatActivity, HistoryMessage } from './history.js';
import { messageReceiveEnvelope, messageRecalledEnvelope, type EventMessage } from './im-events.js';
import { SCOPES } from '../core/vocabulary.js';

export interface ActivityWorld {
  apps: ReadonlyMap<string, App>;
  groupChat(chatId: string): { botMember: boolean } | undefined;
  p2pChat(chatId: string): { appId: string } | undefined;
  userBy(kind: 'open_id', id: string): { unionId?: string; userId?: string } | undefined;
}

const GROUP_MSG_SCOPE = SCOPES.groupMessages;

/** The (app, envelope) pairs an activity is pushed as; empty when nothing is pushed. */
export function eventsForActivity(world: ActivityWorld, activity: ChatActivity, now: number): Array<{ appId: string; envelope: Record<string, unknown> }> {
  const m = activity.message;
  if (activity.type === 'edited' || m.sender.senderType !== 'user') return [];
  const out: Array<{ appId: string; envelope: Record<string, unknown> }> = [];
  for (const app of readersOf(world, m)) {
    if (activity.type === 'recalled') {
      out.push({ appId: app.appId, envelope: messageRecalledEnvelope(app, { messageId: m.messageId, chatId: m.chatId, recallTime: m.updateTime }, now) });
      continue;
    }
    const user = world.userBy('open_id', m.sender.id);
    const message: EventMessage = {
      messageId: m.messageId,
      createTime: m.createTime,
      updateTime: m.updateTime,
      chatId: m.chatId,
      chatType: world.p2pChat(m.chatId) ? 'p2p' : 'group',
      msgType: m.msgType,
      content: m.content,
    };
    if (m.rootId) message.rootId = m.rootId;
    if (m.parentId) message.parentId = m.parentId;
    if (m.threadId) message.threadId = m.threadId;
    if (m.mentions.length) message.mentions = m.mentions.map((x) => ({ key: x.key, id: { open_id: x.id }, name: x.name, tenant_key: app.tenantKey }));
    out.push({
      appId: app.appId,
      envelope: messageReceiveEnvelope(app, { openId: m.sender.id, ...(user?.unionId ? { unionId: user.unionId } : {}), ...(user?.userId ? { userId: user.userId } : {}) }, message, now),
    });
  }
  return out;
}

function readersOf(world: ActivityWorld, m: HistoryMessage): App[] {
  const p2p = world.p2pChat(m.chatId);
  if (p2p) {
    const app = world.apps.get(p2p.appId);
    return app ? [app] : [];
  }
  if (!world.groupChat(m.chatId)?.botMember) return [];
  return [...world.apps.values()].filter((app) => app.scopes.has(GROUP_MSG_SCOPE) || m.mentions.some((x) => x.id === app.botOpenId));
}
