/**
 * The writer wires the stages: sends never wait for one another or for the report, the report keeps input
 * order, the high-water mark pauses the reading (not the sending), a state that disagrees with the input
 * in mid-run stops the run with everything taken reported, and the transform stage feeds validate.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MessageWriter } from '../../src/pipeline/writer.js';
import { ReceiverResolver } from '../../src/message/receivers.js';
import { ConnectorError, ValidationError } from '../../src/core/errors.js';
import type { LarkClient } from '../../src/lark/client.js';
import type { SendMessageRequest } from '../../src/lark/endpoints/messages.js';
import type { InputRecord } from '../../src/input.js';
import type { MessageOutcome } from '../../src/pipeline/report/outcome.js';
import { flushMicrotasks } from '../helpers/fake-clock.js';

/** A Lark client whose every send waits until the test answers it. */
function heldClient() {
  const held = new Map<string, { request: SendMessageRequest; answer: () => void; fail: (e: unknown) => void }>();
  const client = {
    sendMessage(request: SendMessageRequest) {
      return new Promise<{ messageId: string }>((resolve, reject) => {
        const text = JSON.parse(request.content).text as string;
        held.set(text, { request, answer: () => resolve({ messageId: `om_${text}` }), fail: reject });
      });
    },
  } as unknown as LarkClient;
  return { client, held };
}

const resolver = () => new ReceiverResolver({ lookup: async () => new Map() });
const msg = (text: string) => ({ receiveType: 'user', receiveId: 'ou_x', contentType: 'text', content: JSON.stringify({ text }) });

/** Records 1..n, counting how many the writer has pulled. */
function counted(n: number) {
  const state = { pulled: 0 };
  function* gen(): Generator<InputRecord> {
    for (let i = 1; i <= n; i++) {
      state.pulled = i;
      yield { line: i, value: msg(`m${i}`) };
    }
  }
  return { records: gen(), state };
}

describe('MessageWriter', () => {
  it('sends every other message while the first one waits for its answer; the report keeps input order', async () => {
    const { client, held } = heldClient();
    const outcomes: MessageOutcome[] = [];
    const confirmed: number[] = [];
    const writer = new MessageWriter({
      baseUrl: 'http://lark', client, resolver: resolver(),
      onOutcome: (o) => void outcomes.push(o),
      onDelivered: (o) => void confirmed.push(o.line),
    });
    const { records } = counted(300);
    const done = writer.run(records);
    await flushMicrotasks();
    // 300 sends are on their way at once (more than the old fixed window of 128).
    expect(held.size).toBe(300);
    for (let i = 2; i <= 300; i++) held.get(`m${i}`)!.answer();
    await flushMicrotasks();
    // 299 confirmed (a --state run records them now); the report waits for line 1.
    expect(confirmed).toHaveLength(299);
    expect(outcomes).toHaveLength(0);
    held.get('m1')!.answer();
    const summary = await done;
    expect(summary).toMatchObject({ total: 300, delivered: 300, failed: 0 });
    expect(outcomes.map((o) => o.line)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('pauses the reading (not the sending) at the high-water mark', async () => {
    const { client, held } = heldClient();
    const outcomes: MessageOutcome[] = [];
    const writer = new MessageWriter({ baseUrl: 'http://lark', client, resolver: resolver(), highWater: 10, onOutcome: (o) => void outcomes.push(o) });
    const { records, state } = counted(50);
    const done = writer.run(records);
    await flushMicrotasks();
    expect(state.pulled).toBe(10);
    for (let i = 2; i <= 10; i++) held.get(`m${i}`)!.answer();
    await flushMicrotasks();
    // Answered, yet waiting behind line 1 in the report: still ten pending, so no more is read.
    expect(state.pulled).toBe(10);
    held.get('m1')!.answer();
    await flushMicrotasks();
    expect(outcomes).toHaveLength(10);
    expect(state.pulled).toBe(20);
    for (let i = 11; i <= 50; i++) {
      await flushMicrotasks();
      held.get(`m${i}`)!.answer();
    }
    expect(await done).toMatchObject({ total: 50, delivered: 50 });
  });

  it('a state that disagrees with the input in mid-run: nothing more is sent, what was in flight is reported', async () => {
    const { client, held } = heldClient();
    const outcomes: MessageOutcome[] = [];
    const mismatch = new ConnectorError({ code: 'INPUT_INVALID', message: 'the input differs from the run recorded in s.json' });
    const writer = new MessageWriter({
      baseUrl: 'http://lark', client, resolver: resolver(), graceMs: 10_000,
      onOutcome: (o) => void outcomes.push(o),
      deliveredBefore: (line) => {
        if (line === 4) throw mismatch;
        return undefined;
      },
    });
    const { records, state } = counted(10);
    const done = writer.run(records);
    await flushMicrotasks();
    expect(state.pulled).toBe(4);
    // m3 had not reached the client when the stop came (it was still resolving), so it is not sent.
    expect([...held.keys()]).toEqual(['m1', 'm2']);
    for (const h of held.values()) h.answer();
    const summary = await done;
    expect(outcomes.map((o) => [o.line, o.status])).toEqual([[1, 'delivered'], [2, 'delivered'], [3, 'not_sent'], [4, 'failed']]);
    expect(outcomes[2]).toMatchObject({ code: 'INTERRUPTED', reason: expect.stringContaining('stopped before this message was sent') });
    expect(outcomes[3]).toMatchObject({ error: { code: 'INPUT_INVALID', message: expect.stringContaining('input differs') } });
    expect(summary).toMatchObject({ total: 4, delivered: 2, failed: 1, notSent: 1, interrupted: true });
  });

  it('a state that disagrees before anything was sent: the run does not start (thrown)', async () => {
    const { client, held } = heldClient();
    const writer = new MessageWriter({
      baseUrl: 'http://lark', client, resolver: resolver(),
      deliveredBefore: () => {
        throw new ConnectorError({ code: 'INPUT_INVALID', message: 'the input differs' });
      },
    });
    await expect(writer.run(counted(3).records)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(held.size).toBe(0);
  });

  it('takes its drafts from the transform stage; a draft with an error is a failed message with that error', async () => {
    const outcomes: MessageOutcome[] = [];
    const writer = new MessageWriter({
      baseUrl: 'http://lark',
      dryRun: true,
      onOutcome: (o) => void outcomes.push(o),
      transform: (value) => [
        { body: msg(String(value)) },
        { error: new ValidationError({ code: 'MESSAGE_INVALID', field: 'receiveId', message: 'receiveId: the bound field is missing' }) },
      ],
    });
    const summary = await writer.run([{ line: 1, value: 'hello' }]);
    expect(summary).toMatchObject({ total: 2, valid: 1, failed: 1 });
    expect(outcomes[0]).toMatchObject({ line: 1, index: 0, status: 'valid', request: { body: { msg_type: 'text' } } });
    expect(outcomes[1]).toMatchObject({ line: 1, index: 1, status: 'failed', error: { code: 'MESSAGE_INVALID', field: 'receiveId' } });
  });
});

describe('a post with a tag Lark does not know', () => {
  const bogus = {
    receiveType: 'user', receiveId: 'ou_x', contentType: 'post',
    content: JSON.stringify({ zh_cn: { content: [[{ tag: 'bogus', text: 'x' }]] } }),
  };
  for (const dryRun of [true, false]) {
    it(`fails naming the tag ${dryRun ? 'in the dry-run' : 'in a send'}, and nothing is sent`, async () => {
      const { client, held } = heldClient();
      const outcomes: MessageOutcome[] = [];
      const writer = new MessageWriter({
        baseUrl: 'http://lark', client, resolver: resolver(), dryRun, onOutcome: (o) => void outcomes.push(o),
      });
      const summary = await writer.run([{ line: 1, value: bogus }]);
      expect(summary).toMatchObject({ total: 1, failed: 1 });
      expect(outcomes[0]).toMatchObject({
        status: 'failed', error: { code: 'MESSAGE_INVALID', field: 'content.zh_cn.content[0][0].tag' },
      });
      expect(JSON.stringify(outcomes[0])).toContain('\\"bogus\\" is not a Lark post tag');
      expect(held.size).toBe(0);
    });
  }
});

describe('the caller signal', () => {
  it('keeps no listener on it once run() ends: a sync of many segments shares one signal', async () => {
    const outer = new AbortController();
    for (let i = 0; i < 3; i++) {
      const writer = new MessageWriter({ baseUrl: 'http://x', dryRun: true, signal: outer.signal });
      const summary = await writer.run([{ line: 1, value: msg(`s${i}`) }]);
      expect(summary.total).toBe(1);
    }
    expect(EventEmitter.getEventListeners(outer.signal, 'abort')).toHaveLength(0);
  });
});
