/** Shared set-up for the integration specs: an emulator and a connector pointed at it. */
import { LarkEmulator, defaultSeed, type EmulatorOptions } from '../../src/emulator/index.js';
import { LarkImConnector, type ConnectorDeps } from '../../src/connector.js';
import { parseConfig } from '../../src/config.js';
import { retryPolicies } from '../../src/lark/retry.js';
import type { MessageOutcome } from '../../src/pipeline/report/outcome.js';
import type { InputRecord } from '../../src/input.js';

export const SEED = defaultSeed();
export const APP = SEED.apps[0]!;
export const ALICE = SEED.users.find((u) => u.name.startsWith('Alice'))!;
export const BOB = SEED.users.find((u) => u.name.startsWith('Bob'))!;
export const EVE_INVISIBLE = SEED.users.find((u) => u.visible === false)!;
export const CHAT_WITH_BOT = SEED.chats.find((c) => c.botMember)!;
export const CHAT_WITHOUT_BOT = SEED.chats.find((c) => !c.botMember)!;

/** The default seed plus `extra` visible users (ou_crowd…, crowdN@example.com), for runs over many receivers. */
export function crowdSeed(extra: number) {
  const seed = defaultSeed();
  for (let i = 0; i < extra; i++) {
    const n = String(i).padStart(4, '0');
    seed.users.push({ openId: `ou_crowd${n.padStart(26, '0')}`, name: `Crowd ${i}`, email: `crowd${i}@example.com`, visible: true });
  }
  return seed;
}

/** Emulator limits off and pacing wide open: for specs about faults and tokens, not about pacing. */
export const UNPACED = { appPerSecond: 10_000, appPerMinute: 1_000_000, perReceiverPerSecond: 10_000, maxInFlight: 32 };

export async function startEmulator(opts: EmulatorOptions = {}): Promise<LarkEmulator> {
  return LarkEmulator.start({ seed: defaultSeed(), ...opts });
}

export function connectorFor(emulator: LarkEmulator, deps: ConnectorDeps = {}, overrides: { appSecret?: string; timeoutMs?: number } = {}) {
  const config = parseConfig(
    {
      connection: {
        appId: APP.appId,
        appSecret: overrides.appSecret ?? APP.appSecret,
        domain: emulator.baseUrl,
        timeoutMs: overrides.timeoutMs ?? 2000,
      },
    },
    {},
  );
  return new LarkImConnector(config, { retry: retryPolicies.fast, ...deps });
}

export function text(receiveType: string, receiveId: string, body: string, extra: Record<string, unknown> = {}) {
  return { receiveType, receiveId, contentType: 'text', content: JSON.stringify({ text: body }), ...extra };
}

export function records(values: unknown[]): InputRecord[] {
  return values.map((value, i) => ({ line: i + 1, value }));
}

export async function run(connector: LarkImConnector, input: InputRecord[], dryRun = false) {
  const outcomes: MessageOutcome[] = [];
  const summary = await connector.writeStream(input, { dryRun, onOutcome: (o) => void outcomes.push(o) });
  return { outcomes, summary };
}
