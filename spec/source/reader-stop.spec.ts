/** A stop in the middle of a page: the reader's pass ends quietly, emitting nothing of the cut page. */
import { describe, expect, it } from 'vitest';
import { interruptedError } from '../../src/core/errors.js';
import { MessageReader, type ReaderClient } from '../../src/source/reader.js';
import { initialOffset } from '../../src/source/offset.js';

const CHAT = 'oc_stop0000000000000000000000000';

/** A client whose list call, once on the wire, sees the stop come and rejects as the pacer does (INTERRUPTED). */
function cutShort(stop: AbortController): ReaderClient {
  return {
    listAllChats: async () => [{ chatId: CHAT, chatMode: 'group' }] as never,
    listChatMessages: (_req, options) =>
      new Promise((_resolve, reject) => {
        options?.signal?.addEventListener('abort', () => reject(interruptedError()), { once: true });
        setImmediate(() => stop.abort());
      }),
  } as ReaderClient;
}

describe('MessageReader.pass and a stop', () => {
  it('a list request cut short by the stop ends the pass without an error and without emitting', async () => {
    const stop = new AbortController();
    const reader = new MessageReader(cutShort(stop), { chats: [CHAT], includeThreads: false }, initialOffset(0));
    const emitted: unknown[] = [];
    await expect(reader.pass(async (events) => void emitted.push(...events), stop.signal)).resolves.toBeUndefined();
    expect(stop.signal.aborted).toBe(true);
    expect(emitted).toEqual([]);
  });

  it('an INTERRUPTED error without a stop is still an error', async () => {
    const client = { ...cutShort(new AbortController()), listChatMessages: async () => { throw interruptedError(); } } as ReaderClient;
    const reader = new MessageReader(client, { chats: [CHAT], includeThreads: false }, initialOffset(0));
    await expect(reader.pass(async () => undefined, new AbortController().signal)).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });
});
