/** `lark-im receivers`: the fixed-receiver picker on the command line (chats the bot is in, users in range). */
import { LarkImConnector } from '../connector.js';
import type { PickerItem, PickerPage } from '../platforms/tapdata/form-commands/receiver-picker.js';
import { cliClientEvents, loadConfig } from './shared.js';
import { CliExit, EXIT_CANNOT_START, EXIT_OK } from '../core/exit.js';

/** How long `receivers` waits for a silent Lark before it gives up. */
const INTERACTIVE_DOWN_AFTER_MS = 5000;
const RECEIVERS_DOWN_ADVICE =
  'check the network / proxy, the domain (connection.domain) and that Lark is reachable from this machine, then run lark-im receivers again';

export interface ReceiversFlags {
  config?: string;
  type?: string;
  query?: string;
  json?: boolean;
  redis?: string;
}

export async function receiversCommand(flags: ReceiversFlags): Promise<number> {
  const type = flags.type ?? 'all';
  if (!['chat', 'user', 'all'].includes(type)) throw new CliExit(EXIT_CANNOT_START, `--type ${type} is not allowed: use chat, user or all`);
  const config = await loadConfig(flags.config, flags.redis ? { redis: flags.redis } : {});
  const connector = new LarkImConnector(config, {
    onEvent: cliClientEvents(process.stderr),
    // An interactive lookup: a few seconds of silence is the answer, and there is nothing to resume.
    client: { endpointDownAfterMs: INTERACTIVE_DOWN_AFTER_MS, endpointDownAdvice: RECEIVERS_DOWN_ADVICE },
  });
  try {
    const items: PickerItem[] = [];
    let total = 0;
    for (let page = 1; ; page++) {
      const res = (await connector.commandCallback('GetReceiverOfChatsAndUsers', { type, query: flags.query ?? '', page, size: 100 })) as PickerPage;
      items.push(...res.items);
      total = res.total;
      if (items.length >= total || res.items.length === 0) break;
    }
    if (flags.json) {
      process.stdout.write(JSON.stringify({ items, total }, null, 2) + '\n');
    } else {
      // receiveType and id first (what a config's receivers rows need), then the name.
      process.stdout.write(items.map((i) => `${i.receiveType.padEnd(8)} ${i.value}  ${i.label}`).join('\n') + (items.length > 0 ? '\n' : ''));
      process.stderr.write(`${total} receiver${total === 1 ? '' : 's'}\n`);
    }
    return EXIT_OK;
  } finally {
    connector.close();
  }
}
