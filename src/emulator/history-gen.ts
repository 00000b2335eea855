/**
 * Seeds chats with a reproducible history through the emulator's admin calls: messages in same-second
 * clusters, replies (topics in topic chats), edits and recalls. For specs, the demo and the bench.
 */
import type { LarkEmulator } from './emulator.js';
import { seededRandom } from './faults.js';
import type { HistoryMessage } from './history.js';

export interface HistorySpec {
  /** Messages per chat. */
  chats: Array<{ chatId: string; count: number }>;
  /** open_ids of the users who post (round robin-ish, from the random source). */
  senders: readonly string[];
  /** createTime of the first message (ms). */
  startMs: number;
  /** Default: a PRNG seeded with 7. */
  random?: () => number;
  /** Share of messages in the same second as the previous one (default 0.4). */
  clusterRatio?: number;
  /** Share of messages that answer an earlier one (in topic chats: a reply in its topic). Default 0.3. */
  replyRatio?: number;
  editRatio?: number;
  recallRatio?: number;
}

export interface SeededHistory {
  /** Every message as stored after the edits and recalls, per chat in createTime order. */
  byChat: Map<string, HistoryMessage[]>;
  edited: number;
  recalled: number;
}

export function seedHistory(emu: LarkEmulator, spec: HistorySpec): SeededHistory {
  const random = spec.random ?? seededRandom(7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const byChat = new Map<string, HistoryMessage[]>();
  let edited = 0;
  let recalled = 0;
  for (const { chatId, count } of spec.chats) {
    const posted: HistoryMessage[] = [];
    let t = spec.startMs;
    for (let i = 0; i < count; i++) {
      // Same second (often the same ms) as the previous one, or a gap of up to 20 s.
      t += random() < (spec.clusterRatio ?? 0.4) ? Math.floor(random() * 3) : 1000 + Math.floor(random() * 19_000);
      const answer = posted.length > 0 && random() < (spec.replyRatio ?? 0.3) ? pick(posted.slice(-30)) : undefined;
      const m = emu.postMessage({
        chatId,
        senderOpenId: pick(spec.senders),
        text: `${chatId.slice(-4)} #${i}${answer ? ` re ${answer.messageId.slice(0, 11)}` : ''}`,
        createTime: t,
        ...(answer && !answer.deleted ? { replyTo: answer.messageId } : {}),
      });
      posted.push(m);
    }
    for (const m of posted) {
      const r = random();
      if (r < (spec.recallRatio ?? 0.03)) {
        Object.assign(m, emu.recallMessage(m.messageId));
        recalled++;
      } else if (r < (spec.recallRatio ?? 0.03) + (spec.editRatio ?? 0.05)) {
        Object.assign(m, emu.editMessage(m.messageId, { text: `${JSON.parse(m.content).text} (edited)` }));
        edited++;
      }
    }
    byChat.set(chatId, posted);
  }
  return { byChat, edited, recalled };
}
