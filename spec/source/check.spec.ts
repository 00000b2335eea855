import { describe, expect, it } from 'vitest';
import { LarkEmulator, defaultSeed } from '../../src/emulator/index.js';
import { connectorFor } from './helpers.js';

async function readItem(scopes: string[] | undefined) {
  const seed = defaultSeed();
  if (scopes) seed.apps[0]!.scopes = scopes;
  const emu = await LarkEmulator.start({ seed });
  const connector = connectorFor(emu);
  try {
    const items = await connector.connectionTest();
    return { items, read: items.find((i) => i.item === 'read')! };
  } finally {
    connector.close();
    await emu.close();
  }
}

describe('connection test: the source\'s read scopes', () => {
  it('ok with a read scope and im:message.group_msg', async () => {
    const { items, read } = await readItem(undefined);
    expect(items.map((i) => i.item)).toEqual(['credentials', 'bot', 'permissions', 'read']);
    expect(read).toMatchObject({ status: 'ok', title: 'Read permissions (source)' });
  });

  it('warns, and says what the bot will see, without im:message.group_msg', async () => {
    const { items, read } = await readItem(['im:message:send_as_bot', 'contact:user.id:readonly', 'im:message:readonly']);
    expect(read.status).toBe('warn');
    expect(read.detail).toMatch(/sees p2p messages and, in groups, only the messages that @-mention the bot/);
    expect(items.find((i) => i.item === 'permissions')!.status).toBe('ok');
  });

  it('warns without any read scope (sending is not affected)', async () => {
    const { read } = await readItem(['im:message:send_as_bot', 'contact:user.id:readonly']);
    expect(read.status).toBe('warn');
    expect(read.detail).toMatch(/cannot read messages \(sending is not affected\)/);
  });
});
