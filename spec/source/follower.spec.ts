import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/core/errors.js';
import { initialOffset } from '../../src/source/offset.js';
import { MessageReader, type ReaderClient } from '../../src/source/reader.js';
import { PollFollower } from '../../src/source/follower.js';
import type { SourceEvent } from '../../src/source/record.js';
import { FakeClock } from '../helpers/fake-clock.js';

const item = (id: string, t: number) => ({ message_id: id, chat_id: 'oc_1', msg_type: 'text', create_time: String(t), update_time: String(t), body: { content: '{"text":"x"}' } });

describe('PollFollower: outages and fatal errors', () => {
  it('a retryable failure is reported and the next interval reads on; a non-retryable one ends the run', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    const answers: Array<() => unknown> = [
      () => ({ items: [item('om_1', 1000)], hasMore: false }),
      () => {
        throw new ConnectorError({ code: 'NETWORK', retryable: true, message: 'Lark unreachable' });
      },
      () => ({ items: [item('om_1', 1000), item('om_2', 2000)], hasMore: false }),
      () => {
        throw new ConnectorError({ code: 'PERMISSION_DENIED', retryable: false, message: 'scope revoked' });
      },
    ];
    const client: ReaderClient = {
      listChatMessages: async () => answers.shift()!() as never,
      listAllChats: async () => [],
    };
    const reader = new MessageReader(client, { chats: ['oc_1'], includeThreads: false }, initialOffset(0));
    const events: SourceEvent[] = [];
    const warnings: string[] = [];
    const run = new PollFollower().run({
      reader,
      emit: (e) => void events.push(...e),
      signal: new AbortController().signal,
      clock,
      pollIntervalMs: 5000,
      warn: (w) => warnings.push(w),
    });
    await expect(run).rejects.toThrow('scope revoked');
    expect(events.map((e) => [e.op, e.record.messageId])).toEqual([['insert', 'om_1'], ['insert', 'om_2']]);
    expect(warnings).toEqual([expect.stringMatching(/^poll failed \(NETWORK: Lark unreachable\); trying again in 5000 ms$/)]);
    expect(clock.sleeps).toEqual([5000, 5000, 5000]);
  });
});
