/**
 * The reference client, @larksuiteoapi/node-sdk's WSClient, against the emulator's long connection: proof that
 * the emulator speaks the protocol the way the official implementation expects (endpoint, URL, frames, pong,
 * fragments, ack), not just the way our own client does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as lark from '@larksuiteoapi/node-sdk';
import { LarkEmulator, defaultSeed, messageReceiveEnvelope } from '../../src/emulator/index.js';
import { until } from '../helpers/until.js';

// The SDK insists on an App ID of the real shape (cli_ + 16 hex digits).
const APP_ID = 'cli_a1b2c3d4e5f60718';
const APP_SECRET = 'sdk-spec-secret';
const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined, trace: () => undefined };

let emu: LarkEmulator | undefined;
let client: lark.WSClient | undefined;
afterEach(async () => {
  client?.close({ force: true });
  await emu?.close();
});

describe('emulator long connection with the official SDK client', () => {
  it('the SDK connects, receives a fragmented im.message.receive_v1 and acks it with code 200', async () => {
    const seed = defaultSeed();
    seed.apps.push({ appId: APP_ID, appSecret: APP_SECRET, tenantKey: 'tk' });
    emu = await LarkEmulator.start({ seed });
    const received: Array<{ message_id?: string; content?: string }> = [];
    const dispatcher = new lark.EventDispatcher({ logger: quiet, loggerLevel: lark.LoggerLevel.error }).register({
      'im.message.receive_v1': async (data) => {
        received.push({ message_id: data.message.message_id, content: data.message.content });
      },
    });
    client = new lark.WSClient({ appId: APP_ID, appSecret: APP_SECRET, domain: emu.baseUrl, logger: quiet, loggerLevel: lark.LoggerLevel.error });
    void client.start({ eventDispatcher: dispatcher });
    await until(() => emu!.longConnection.stats().open === 1 && emu!.longConnection.stats().pings >= 1, 'SDK connected and pinged');

    emu.longConnection.forceFragments(64);
    const text = 'from the emulator to the SDK '.repeat(20);
    emu.longConnection.publish(
      APP_ID,
      messageReceiveEnvelope(
        { appId: APP_ID, tenantKey: 'tk' },
        { openId: 'ou_sender' },
        { messageId: 'om_sdk1', createTime: 1, chatId: 'oc_sdk', chatType: 'group', msgType: 'text', content: JSON.stringify({ text }) },
        1,
      ),
    );
    await until(() => emu!.longConnection.stats().acks === 1, 'SDK acked');
    expect(received).toEqual([{ message_id: 'om_sdk1', content: JSON.stringify({ text }) }]);
    expect(emu.longConnection.stats().frames).toBeGreaterThan(5);
    expect(emu.longConnection.stats().nacks).toBe(0);
  });
});
