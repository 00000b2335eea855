/**
 * The demo's read-back: a user answers in the group, edits it, the bot's own messages are there too, and the
 * source reads the group back (`lark-im read`), once for the history and once more after a recall.
 */
import type { LarkEmulator } from '../emulator/index.js';
import type { LarkImConnector } from '../connector.js';
import type { SourceEvent } from '../source/record.js';

export async function demoReadBack(
  emulator: LarkEmulator,
  connector: LarkImConnector,
  chatId: string,
  userOpenId: string,
  out: (line: string) => void,
): Promise<boolean> {
  const sent = emulator.messages().filter((m) => m.chatId === chatId).length;
  const reply = emulator.postMessage({ chatId, senderOpenId: userOpenId, text: 'On it, restarting db-3 now' });
  emulator.editMessage(reply.messageId, { text: 'On it, db-3 restarted' });
  const ping = emulator.postMessage({ chatId, senderOpenId: userOpenId, text: 'thanks bot' });

  out(`== lark-im read --chats ${chatId}   (the source: what the group holds, bot messages and user replies)`);
  const events: SourceEvent[] = [];
  const show = (e: SourceEvent[]) => {
    events.push(...e);
    for (const { op, record: r } of e) {
      const text = (r.text ?? `[${r.msgType}]`).replace(/\s+/g, ' ');
      out(`  ${op.padEnd(6)} ${new Date(r.createTime).toISOString()}  ${(r.senderType ?? '?').padEnd(4)} ${text.length > 60 ? text.slice(0, 57) + '...' : text}`);
    }
  };
  let offset = await connector.batchRead(null, 50, show, { chats: [chatId] });
  const history = events.length;
  out(`read ${history} messages (${sent} sent by the bot, 2 by a user)\n`);

  out('== a user recalls a message; lark-im read --state goes on from the offset');
  emulator.recallMessage(ping.messageId);
  events.length = 0;
  offset = await connector.batchRead(offset, 50, show, { chats: [chatId] });
  out(`read ${events.length} change(s); the offset is ${JSON.stringify(offset).length} bytes\n`);
  return history === sent + 2 && events.length === 1 && events[0]?.op === 'delete';
}
