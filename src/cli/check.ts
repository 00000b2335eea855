/** `lark-im check`: the connection test, as the platform's Test connection button runs it. */
import { LarkImConnector } from '../connector.js';
import { formatTestItems } from '../core/format-test-items.js';
import { loadConfig } from './shared.js';
import { EXIT_FAILED, EXIT_OK } from '../core/exit.js';

export interface CheckFlags {
  config?: string;
  json?: boolean;
  redis?: string;
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
