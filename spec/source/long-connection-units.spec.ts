import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, header, parseClientConfig, withHeader, type Frame } from '../../src/source/long-connection/frame.js';
import { FragmentAssembler } from '../../src/source/long-connection/fragments.js';

describe('pbbp2 frames', () => {
  it('round-trips every field, with uint64 ids beyond 2^53 kept exact', () => {
    const frame: Frame = {
      SeqID: '18446744073709551615',
      LogID: '9007199254740993',
      service: 1234,
      method: 1,
      headers: [
        { key: 'type', value: 'event' },
        { key: 'message_id', value: 'm1' },
      ],
      payload_encoding: 'json',
      payload_type: 'event',
      payload: Buffer.from('{"a":1}'),
      LogIDNew: 'log-new',
    };
    const back = decodeFrame(encodeFrame(frame));
    expect(back).toEqual(frame);
    expect(header(back, 'message_id')).toBe('m1');
    expect(header(withHeader(back, 'biz_rt', '12'), 'biz_rt')).toBe('12');
  });

  it('encodes a ping with the field numbers of Lark\'s schema (1 SeqID, 2 LogID, 3 service, 4 method, 5 headers)', () => {
    const bytes = encodeFrame({ SeqID: '0', LogID: '0', service: 1, method: 0, headers: [{ key: 'type', value: 'ping' }] });
    expect(Buffer.from(bytes).toString('hex')).toBe('0800100018012000' + '2a0c0a0474797065120470696e67');
  });

  it('rejects bytes that miss a required field', () => {
    expect(() => decodeFrame(Uint8Array.from([0x08, 0x01]))).toThrow(/required/);
  });

  it('reads a ClientConfig from a pong, keeping known numeric fields only', () => {
    const base = { PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30 };
    expect(parseClientConfig({ PingInterval: 90, ReconnectCount: '3', Extra: 1 }, base)).toEqual({ ...base, PingInterval: 90 });
    expect(parseClientConfig(null, base)).toEqual(base);
  });
});

describe('fragment reassembly', () => {
  const part = (messageId: string, sum: number, seq: number, text: string) => ({ messageId, sum, seq, data: Buffer.from(text) });

  it('joins parts in seq order whatever order they arrive in, ignoring a repeated part', () => {
    const a = new FragmentAssembler(() => 0);
    expect(a.add(part('m', 3, 2, 'c'))).toBeUndefined();
    expect(a.add(part('m', 3, 0, 'a'))).toBeUndefined();
    expect(a.add(part('m', 3, 0, 'a'))).toBeUndefined();
    expect(a.add(part('m', 3, 1, 'b'))?.toString()).toBe('abc');
    expect(a.size).toBe(0);
  });

  it('drops an incomplete set after the ttl', () => {
    let now = 0;
    const a = new FragmentAssembler(() => now, 10_000);
    a.add(part('old', 2, 0, 'x'));
    now = 10_001;
    a.add(part('new', 2, 0, 'y'));
    expect(a.size).toBe(1);
    expect(a.add(part('old', 2, 1, 'z'))).toBeUndefined();
  });

  it('refuses inconsistent metadata', () => {
    const a = new FragmentAssembler(() => 0);
    expect(() => a.add(part('m', 2, 2, 'x'))).toThrow(/invalid fragment/);
    expect(() => a.add(part('m', 0, 0, 'x'))).toThrow(/invalid fragment/);
    a.add(part('m', 2, 0, 'x'));
    expect(() => a.add(part('m', 3, 1, 'x'))).toThrow(/sum changed/);
  });
});

describe('events as list items', () => {
  const app = { appId: 'cli_x', tenantKey: 'tk' };
  it('maps im.message.receive_v1 to the item the poll reads', async () => {
    const { messageReceiveEnvelope } = await import('../../src/emulator/im-events.js');
    const { changeFromEvent } = await import('../../src/source/long-connection/event-item.js');
    const envelope = messageReceiveEnvelope(
      app,
      { openId: 'ou_a', unionId: 'on_a' },
      {
        messageId: 'om_1',
        rootId: 'om_0',
        parentId: 'om_0',
        threadId: 'omt_1',
        createTime: 1000,
        updateTime: 2000,
        chatId: 'oc_1',
        chatType: 'group',
        msgType: 'text',
        content: '{"text":"hi @_user_1"}',
        mentions: [{ key: '@_user_1', id: { open_id: 'ou_b' }, name: 'Bob', tenant_key: 'tk' }],
      },
      5,
      'ev1',
    );
    const change = changeFromEvent({ eventId: 'ev1', eventType: 'im.message.receive_v1', envelope });
    expect(change).toEqual({
      kind: 'message',
      item: {
        message_id: 'om_1',
        root_id: 'om_0',
        parent_id: 'om_0',
        thread_id: 'omt_1',
        msg_type: 'text',
        create_time: '1000',
        update_time: '2000',
        deleted: false,
        updated: true,
        chat_id: 'oc_1',
        sender: { id: 'ou_a', id_type: 'open_id', sender_type: 'user', tenant_key: 'tk' },
        body: { content: '{"text":"hi @_user_1"}' },
        mentions: [{ key: '@_user_1', id: 'ou_b', id_type: 'open_id', name: 'Bob', tenant_key: 'tk' }],
      },
    });
  });

  it('maps im.message.recalled_v1 to a recall, and ignores other or malformed events', async () => {
    const { messageRecalledEnvelope } = await import('../../src/emulator/im-events.js');
    const { changeFromEvent } = await import('../../src/source/long-connection/event-item.js');
    const envelope = messageRecalledEnvelope(app, { messageId: 'om_1', chatId: 'oc_1', recallTime: 3000 }, 5);
    expect(changeFromEvent({ eventId: 'e', eventType: 'im.message.recalled_v1', envelope })).toEqual({ kind: 'recall', messageId: 'om_1', chatId: 'oc_1', recallTime: 3000 });
    expect(changeFromEvent({ eventId: 'e', eventType: 'im.chat.updated_v1', envelope })).toBeUndefined();
    expect(changeFromEvent({ eventId: 'e', eventType: 'im.message.receive_v1', envelope: { event: { message: {} } } })).toBeUndefined();
  });
});
