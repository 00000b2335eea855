import { describe, expect, it } from 'vitest';
import { eventsForActivity, type ActivityWorld } from '../../src/emulator/activity-events.js';
import type { ChatActivity } from '../../src/emulator/history.js';
import type { App } from '../../src/emulator/directory.js';

const app = (appId: string, scopes: string[]): App => ({
  appId,
  appSecret: 's',
  appName: appId,
  botOpenId: `ou_bot_${appId}`,
  botActivateStatus: 2,
  scopes: new Set(scopes),
  tenantKey: `tk_${appId}`,
});
const world: ActivityWorld = {
  apps: new Map([
    ['cli_all', app('cli_all', ['im:message.group_msg'])],
    ['cli_at', app('cli_at', [])],
  ]),
  groupChat: (id) => (id === 'oc_group' ? { botMember: true } : id === 'oc_nobot' ? { botMember: false } : undefined),
  p2pChat: (id) => (id === 'oc_p2p' ? { appId: 'cli_at' } : undefined),
  userBy: () => ({ unionId: 'on_u', userId: 'u1' }),
};
const posted = (chatId: string, over: Partial<ChatActivity['message']> = {}, type: ChatActivity['type'] = 'posted'): ChatActivity => ({
  type,
  message: { messageId: 'om_1', chatId, msgType: 'text', content: '{"text":"hi"}', createTime: 10, updateTime: 10, deleted: false, updated: false, sender: { id: 'ou_u', idType: 'open_id', senderType: 'user' }, mentions: [], ...over },
});

describe('emulator: chat activity -> pushed events', () => {
  it('a group message goes to apps with im:message.group_msg, and to an app whose bot is @-mentioned', () => {
    expect(eventsForActivity(world, posted('oc_group'), 1).map((e) => e.appId)).toEqual(['cli_all']);
    const mention = posted('oc_group', { mentions: [{ key: '@_user_1', id: 'ou_bot_cli_at', idType: 'open_id', name: 'bot' }] });
    const events = eventsForActivity(world, mention, 1);
    expect(events.map((e) => e.appId)).toEqual(['cli_all', 'cli_at']);
    expect(events[1]?.envelope).toMatchObject({
      schema: '2.0',
      header: { event_type: 'im.message.receive_v1', app_id: 'cli_at', tenant_key: 'tk_cli_at' },
      event: { sender: { sender_id: { open_id: 'ou_u', union_id: 'on_u', user_id: 'u1' }, sender_type: 'user' }, message: { chat_type: 'group', message_id: 'om_1' } },
    });
  });

  it('p2p goes to its app; no event without the bot, for bot messages, or for edits; recalls are pushed', () => {
    expect(eventsForActivity(world, posted('oc_p2p'), 1).map((e) => [e.appId, (e.envelope['event'] as any).message.chat_type])).toEqual([['cli_at', 'p2p']]);
    expect(eventsForActivity(world, posted('oc_nobot'), 1)).toEqual([]);
    expect(eventsForActivity(world, posted('oc_group', { sender: { id: 'cli_all', idType: 'app_id', senderType: 'app' } }), 1)).toEqual([]);
    expect(eventsForActivity(world, posted('oc_group', {}, 'edited'), 1)).toEqual([]);
    const recall = eventsForActivity(world, posted('oc_group', { updateTime: 99 }, 'recalled'), 1);
    expect(recall[0]?.envelope).toMatchObject({ header: { event_type: 'im.message.recalled_v1' }, event: { message_id: 'om_1', chat_id: 'oc_group', recall_time: '99' } });
  });
});
