import { LarkImConnector } from '../../src/connector.js';
import { parseConfig } from '../../src/config.js';
import { LarkEmulator, defaultSeed, type EmulatorOptions, type HistoryMessage } from '../../src/emulator/index.js';
import type { SourceEvent } from '../../src/source/record.js';
import type { SourceOffset } from '../../src/source/offset.js';

export const APP_ID = 'cli_demo_app';
export const APP_SECRET = 'demo-secret-not-real';
export const ALICE = 'ou_a11ce000000000000000000000000001';
export const BOB = 'ou_b0b00000000000000000000000000002';
export const CAROL = 'ou_ca401000000000000000000000000003';
export const OPS = 'oc_0b5a1e7500000000000000000000000a';
export const NOT_MEMBER = 'oc_0b5a1e7500000000000000000000000b';
export const TOPICS = 'oc_0b5a1e7500000000000000000000000c';
export const DEV = 'oc_0b5a1e7500000000000000000000000d';

/** The default seed plus a third group chat the bot is in. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<LarkEmulator> {
  const seed = defaultSeed();
  seed.chats.push({ chatId: DEV, name: 'Dev', botMember: true });
  return LarkEmulator.start({ seed, limits: false, ...opts });
}

export function connectorFor(emu: LarkEmulator, node: Record<string, unknown> = {}, deps: ConstructorParameters<typeof LarkImConnector>[1] = { pacing: false }): LarkImConnector {
  return new LarkImConnector(parseConfig({ connection: { appId: APP_ID, appSecret: APP_SECRET, domain: emu.baseUrl }, node }, {}), deps);
}

/** Collects what a read emits. */
export function collector(): { events: SourceEvent[]; offsets: SourceOffset[]; emit: (e: SourceEvent[], o: SourceOffset) => void } {
  const events: SourceEvent[] = [];
  const offsets: SourceOffset[] = [];
  return { events, offsets, emit: (e, o) => void (events.push(...e), offsets.push(o)) };
}

export function isAscending(list: readonly number[]): boolean {
  return list.every((t, i) => i === 0 || (list[i - 1] as number) <= t);
}

export function all(byChat: Map<string, HistoryMessage[]>): HistoryMessage[] {
  return [...byChat.values()].flat();
}
