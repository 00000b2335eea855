// The one place the console binds to the real connector modules (see types.ts for the shapes it needs).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../config.js';
import { LarkImConnector } from '../connector.js';
import { LarkEmulator, seedHistory } from '../emulator/index.js';
import { defaultSeed } from '../emulator/seed.js';
import { classifyLarkCode } from '../lark/errors.js';
import type { ClientEvent } from '../lark/events.js';
import { buildManifest } from '../platforms/tapdata/manifest.js';
import type { ConsoleBackend, EmulatorHandle, Manifest, RawConfig } from './types.js';

const CONNECTOR_JSON = fileURLToPath(new URL('../../connector.json', import.meta.url));

export function createRealBackend(): ConsoleBackend {
  return {
    async manifest(): Promise<Manifest> {
      // connector.json is what the platform reads, so the console shows exactly that; the generated
      // manifest is the fallback for a checkout where it has not been written yet.
      try {
        return JSON.parse(await readFile(CONNECTOR_JSON, 'utf8')) as Manifest;
      } catch {
        return buildManifest() as Manifest;
      }
    },
    createConnector(raw: RawConfig, options: { dryRun?: boolean; onEvent?: (e: ClientEvent) => void } = {}) {
      // No env fallbacks: the form is the whole truth, and a stray LARK_APP_SECRET must not fill a gap.
      // A dry-run never talks to Lark: placeholders stand in for credentials not filled in yet.
      if (!options.dryRun) {
        return new LarkImConnector(parseConfig(raw, {}), options.onEvent ? { onEvent: options.onEvent } : {});
      }
      const connection = Object.fromEntries(Object.entries(raw.connection).filter(([, v]) => v !== '' && v !== undefined && v !== null));
      return new LarkImConnector(parseConfig({ connection, node: raw.node }, { LARK_APP_ID: 'cli_dry_run', LARK_APP_SECRET: 'dry-run' }));
    },
    validateConfig(raw: RawConfig): void {
      // Placeholders only for credentials not filled in yet: the form is saved while it is being filled.
      parseConfig(raw, { LARK_APP_ID: 'cli_not_set_yet', LARK_APP_SECRET: 'not-set-yet' });
    },
    adviceFor(larkCode: number, httpStatus?: number): string | undefined {
      return classifyLarkCode(larkCode, httpStatus).advice;
    },
    async startEmulator(): Promise<EmulatorHandle> {
      const seed = defaultSeed();
      const emu = await LarkEmulator.start({ port: 0, seed });
      const app = seed.apps[0]!;
      // Some history, so the source tab has something to preview.
      const members = seed.chats.filter((c) => c.botMember).map((c) => ({ chatId: c.chatId, count: 40 }));
      const senders = seed.users.filter((u) => u.visible !== false).map((u) => u.openId);
      seedHistory(emu, { chats: members, senders, startMs: Date.now() - 3600_000 });
      return {
        baseUrl: emu.baseUrl,
        demoApp: { appId: app.appId, appSecret: app.appSecret },
        users: seed.users.filter((u) => u.visible !== false),
        chats: seed.chats,
        close: () => emu.close(),
      };
    },
  };
}
