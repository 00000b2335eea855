/** `lark-im check`: the connection test, as the platform's Test connection button runs it. */
import { LarkImConnector } from '../connector.js';
import { type TestItem } from '../core/types.js';
import { EXIT_FAILED, EXIT_OK, loadConfig } from './shared.js';

export interface CheckFlags {
  config?: string;
  json?: boolean;
  redis?: string;
}

const MARK: Record<TestItem['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export function formatTestItems(items: TestItem[]): string {
  return items.map((i) => `[${MARK[i.status]}] ${i.title}: ${i.detail}`).join('\n') + '\n';
}

export async function checkCommand(flags: CheckFlags): Promise<number> {
  const connector = new LarkImConnector(await loadConfig(flags.config, flags.redis ? { redis: flags.redis } : {}));
  try {
    const items = await connector.connectionTest();
    process.stdout.write(flags.json ? JSON.stringify(items, null, 2) + '\n' : formatTestItems(items));
    return items.some((i) => i.status === 'fail') ? EXIT_FAILED : EXIT_OK;
  } finally {
    connector.close();
  }
}
