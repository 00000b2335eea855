/** The switch resume specs use: dedupWindowSeconds 0 turns the uuid de-duplication off (as past Lark's hour). */
import { afterEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { ALICE, FakeClock, send, start, token } from './helpers.js';

describe('emulator: uuid de-duplication switched off', () => {
  let emu: LarkEmulator;
  afterEach(() => emu.close());

  it('delivers a repeated uuid again when dedupWindowSeconds is 0, and once with the default window', async () => {
    for (const [dedupWindowSeconds, expected] of [[0, 2], [undefined, 1]] as const) {
      emu = await start({ clock: new FakeClock(), ...(dedupWindowSeconds !== undefined ? { dedupWindowSeconds } : {}) });
      const tok = await token(emu);
      const a = await send(emu, tok, { receive_id: ALICE, uuid: 'same' });
      const b = await send(emu, tok, { receive_id: ALICE, uuid: 'same' });
      expect(emu.messages()).toHaveLength(expected);
      expect(a.body.data.message_id === b.body.data.message_id).toBe(expected === 1);
      await emu.close();
    }
  });
});
