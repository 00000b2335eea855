import { describe, expect, it } from 'vitest';
import { plainText, toRecord } from '../../src/source/record.js';

describe('source record: Lark item -> lark_messages row', () => {
  it('maps a listed item, times as numbers, mentions rendered in text', () => {
    const r = toRecord({
      message_id: 'om_1',
      root_id: 'om_0',
      parent_id: 'om_0',
      thread_id: 'omt_1',
      msg_type: 'text',
      create_time: '1735689600123',
      update_time: '1735689700000',
      deleted: false,
      updated: true,
      chat_id: 'oc_1',
      sender: { id: 'ou_1', id_type: 'open_id', sender_type: 'user', tenant_key: 't' },
      body: { content: JSON.stringify({ text: '@_user_1 disk full' }) },
      mentions: [{ key: '@_user_1', id: 'ou_2', id_type: 'open_id', name: 'Bob' }],
    });
    expect(r).toEqual({
      messageId: 'om_1',
      chatId: 'oc_1',
      threadId: 'omt_1',
      rootId: 'om_0',
      parentId: 'om_0',
      msgType: 'text',
      content: '{"text":"@_user_1 disk full"}',
      text: '@Bob disk full',
      senderId: 'ou_1',
      senderType: 'user',
      mentions: [{ key: '@_user_1', id: 'ou_2', name: 'Bob' }],
      createTime: 1735689600123,
      updateTime: 1735689700000,
      deleted: false,
      updated: true,
    });
    expect(toRecord({ message_id: 'om_1' })).toBeUndefined();
  });

  it('maps an event\'s message (im.message.receive_v1 shape) the same way', () => {
    const event = {
      sender: { sender_id: { open_id: 'ou_9', union_id: 'on_9' }, sender_type: 'user', tenant_key: 't' },
      message: { message_id: 'om_7', chat_id: 'oc_1', chat_type: 'group', message_type: 'text', content: '{"text":"hi"}', create_time: '1735689600000', mentions: [] },
    };
    expect(toRecord({ ...event.message, sender: event.sender })).toMatchObject({
      messageId: 'om_7',
      msgType: 'text',
      text: 'hi',
      senderId: 'ou_9',
      senderType: 'user',
      createTime: 1735689600000,
      updateTime: 1735689600000,
      deleted: false,
    });
  });

  it('renders post (listed and sent shapes) and at tags as plain text; other types have none', () => {
    const listed = { title: 'Deploy', content: [[{ tag: 'text', text: 'v2 to ' }, { tag: 'a', text: 'prod', href: 'https://x' }], [{ tag: 'at', user_name: 'Alice' }, { tag: 'img', image_key: 'img_1' }]] };
    expect(plainText('post', JSON.stringify(listed))).toBe('Deploy\nv2 to prod\n@Alice[image]');
    expect(plainText('post', JSON.stringify({ zh_cn: listed }))).toBe('Deploy\nv2 to prod\n@Alice[image]');
    expect(plainText('post', JSON.stringify({ post: { en_us: listed } }))).toBe('Deploy\nv2 to prod\n@Alice[image]');
    expect(plainText('text', JSON.stringify({ text: 'hi <at user_id="ou_1">Tom</at>!' }))).toBe('hi @Tom!');
    expect(plainText('image', JSON.stringify({ image_key: 'img_1' }))).toBeNull();
    expect(plainText('text', 'not json')).toBeNull();
  });
});
