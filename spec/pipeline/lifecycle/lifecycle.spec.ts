/**
 * A record's life against the emulator, in process: keyed semantics, outcomes with message ids, the codes of
 * Lark's refusals, dry-run renderings, TapData events through writeRecord, and change-event parsing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { LarkImConnector } from '../../../src/connector.js';
import type { LarkEmulator } from '../../../src/emulator/index.js';
import type { EmulatorOptions } from '../../../src/emulator/types.js';
import { retryPolicies } from '../../../src/lark/retry.js';
import { changeEventOf } from '../../../src/pipeline/lifecycle/change-event.js';
import { classify, keyOf, sharedCard, slotsOf } from '../../../src/pipeline/lifecycle/stage.js';
import type { MessageOutcome } from '../../../src/pipeline/report/outcome.js';
import { ALICE, APP, BOB, CHAT_WITH_BOT, records, startEmulator } from '../../integration/helpers.js';

let emulator: LarkEmulator;
afterEach(async () => {
  await emulator?.close();
});

const TEMPLATE = { contentType: 'text', content: { text: '{{id}} is {{status}}' } };

function connector(node: Record<string, unknown>): LarkImConnector {
  const config = parseConfig(
    {
      connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl, timeoutMs: 2000 },
      node: { sendType: 'fixed', receivers: [ALICE.openId], template: TEMPLATE, messageKey: 'id', updateEvents: 'edit', deleteEvents: 'recall', ...node },
    },
    {},
  );
  return new LarkImConnector(config, { retry: retryPolicies.fast });
}

async function write(c: LarkImConnector, values: unknown[], dryRun = false) {
  const outcomes: MessageOutcome[] = [];
  const summary = await c.writeStream(records(values), { dryRun, onOutcome: (o) => void outcomes.push(o) });
  return { outcomes, summary };
}

async function start(opts: EmulatorOptions = {}) {
  emulator = await startEmulator({ dedupWindowSeconds: 0, ...opts });
}

const row = (id: string, status: string) => ({ id, status });
const shown = (m: { content: string }) => (JSON.parse(m.content) as { text: string }).text;

describe('keyed events', () => {
  it('an update edits the key\'s message, an insert for a live key edits it, a delete recalls it; counts each', async () => {
    await start();
    const c = connector({});
    const { outcomes, summary } = await write(c, [
      { op: 'i', after: row('A', 'paid') },
      { op: 'u', before: row('A', 'paid'), after: row('A', 'packed') },
      row('A', 'shipped'), // a replayed snapshot: a plain line is an insert
      { op: 'u', after: row('B', 'paid') }, // an update of an unknown key sends
      { op: 'd', before: { id: 'C' } }, // a delete of an unknown key is skipped, saying so
      { payload: { op: 'd', before: { id: 'A' }, after: null } },
    ]);
    const [sent, edited, replayed, sentB, unknown, recalled] = outcomes;
    expect(sent).toMatchObject({ status: 'delivered', messageId: expect.stringMatching(/^om_/) });
    const id = (sent as { messageId: string }).messageId;
    expect(edited).toMatchObject({ status: 'edited', messageId: id });
    expect(replayed).toMatchObject({ status: 'edited', messageId: id });
    expect(sentB).toMatchObject({ status: 'delivered' });
    expect(unknown).toMatchObject({ status: 'skipped', reason: 'delete event skipped: no message is known for key C' });
    expect(recalled).toMatchObject({ status: 'recalled', messageId: id });
    expect(summary).toMatchObject({ total: 6, delivered: 2, edited: 2, recalled: 1, skipped: 1, failed: 0, replaced: 0 });
    const [a, b] = emulator.messages();
    expect(a).toMatchObject({ messageId: id, recalled: true, edits: 2 });
    expect(shown(b!)).toBe('B is paid');
    expect(emulator.stats().byEndpoint['PUT /open-apis/im/v1/messages/:message_id']).toBe(2);
    c.close();
  });

  it('one message per receiver per key: two receivers, each edited and recalled on its own', async () => {
    await start();
    const c = connector({ receivers: [ALICE.openId, CHAT_WITH_BOT.chatId] });
    const { outcomes } = await write(c, [row('K', 'new'), { op: 'u', after: row('K', 'done') }, { op: 'd', before: row('K', 'done') }]);
    expect(outcomes.map((o) => `${o.line}[${o.index}] ${o.status}`)).toEqual([
      '1[0] delivered', '1[1] delivered', '2[0] edited', '2[1] edited', '3[0] recalled', '3[1] recalled',
    ]);
    expect(emulator.messages().map((m) => [m.chatId === CHAT_WITH_BOT.chatId, shown(m), m.recalled])).toEqual([
      [false, 'K is done', true],
      [true, 'K is done', true],
    ]);
    c.close();
  });

  it('Lark refusing an edit for good (the edit window, 230075) sends a new message that takes over the key', async () => {
    await start({ messageChanges: { editWindowSeconds: 0 } });
    const c = connector({});
    await write(c, [row('A', 'paid')]);
    await new Promise((r) => setTimeout(r, 5));
    const { outcomes, summary } = await write(c, [{ op: 'u', after: row('A', 'late') }, { op: 'u', after: row('A', 'later') }]);
    const first = emulator.messages()[0]!;
    expect(outcomes[0]).toMatchObject({ status: 'replaced', replacedId: first.messageId });
    const second = (outcomes[0] as { messageId: string }).messageId;
    expect(second).not.toBe(first.messageId);
    // The replacement is the key's message now (it is past the window too, so it is replaced in turn).
    expect(outcomes[1]).toMatchObject({ status: 'replaced', replacedId: second });
    expect(summary.replaced).toBe(2);
    expect(emulator.stats().errorsByCode['230075']).toBe(2);
    c.close();
  });

  it('a recall past the window (230009) fails with that reason and the message id; one already gone counts as recalled', async () => {
    await start({ messageChanges: { recallWindowSeconds: 0 } });
    const c = connector({});
    await write(c, [row('A', 'paid'), row('B', 'paid')]);
    await new Promise((r) => setTimeout(r, 5));
    const [a, b] = emulator.messages();
    emulator.recallMessage(b!.messageId); // recalled in Lark by someone else: DELETE answers 230110
    const { outcomes } = await write(c, [{ op: 'd', before: { id: 'A' } }, { op: 'd', before: { id: 'B' } }]);
    expect(outcomes[0]).toMatchObject({ status: 'failed', messageId: a!.messageId, error: { code: 'RECALL_REFUSED', larkCode: 230009 } });
    expect((outcomes[0] as { error: { message: string } }).error.message).toMatch(/recall window/);
    expect(outcomes[1]).toMatchObject({ status: 'recalled', messageId: b!.messageId });
    c.close();
  });

  it('updateEvents send: an update is one more message, which takes over the key', async () => {
    await start();
    const c = connector({ updateEvents: 'send' });
    const { outcomes } = await write(c, [row('A', '1'), { op: 'u', after: row('A', '2') }, { op: 'd', before: { id: 'A' } }]);
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered', 'recalled']);
    expect(emulator.messages().map((m) => m.recalled ?? false)).toEqual([false, true]);
    c.close();
  });

  it('cards are sent with config.update_multi and updated in place with PATCH', async () => {
    await start();
    const card = { contentType: 'interactive', content: { elements: [{ tag: 'div', text: { tag: 'plain_text', content: '{{id}}: {{status}}' } }] } };
    const c = connector({ template: card });
    const { outcomes } = await write(c, [row('A', 'paid'), { op: 'u', after: row('A', 'shipped') }]);
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'edited']);
    const [m] = emulator.messages();
    expect(JSON.parse(m!.content)).toEqual({ config: { update_multi: true }, elements: [{ tag: 'div', text: { tag: 'plain_text', content: 'A: shipped' } }] });
    expect(emulator.stats().byEndpoint['PATCH /open-apis/im/v1/messages/:message_id']).toBe(1);
    c.close();
  });

  it('one key\'s events apply in input order while other keys go on', async () => {
    await start();
    const c = connector({});
    const values = [];
    for (let v = 0; v < 8; v++) for (const id of ['A', 'B', 'C']) values.push(v === 0 ? row(id, `v${v}`) : { op: 'u', after: row(id, `v${v}`) });
    const { summary } = await write(c, values);
    expect(summary).toMatchObject({ delivered: 3, edited: 21, failed: 0 });
    expect(emulator.messages().map(shown)).toEqual(['A is v7', 'B is v7', 'C is v7']);
    c.close();
  });

  it('writeRecord takes TapData events: u edits, d recalls and counts as removed', async () => {
    await start();
    const c = connector({});
    const first = await c.writeRecord([{ op: 'i', after: row('A', 'paid') }]);
    expect(first.insertedCount).toBe(1);
    const second = await c.writeRecord([{ op: 'u', before: row('A', 'paid'), after: row('A', 'packed') }, { op: 'd', before: row('A', 'packed') }]);
    expect(second).toMatchObject({ modifiedCount: 1, removedCount: 1, failedCount: 0 });
    expect(second.outcomes.map((o) => o.status)).toEqual(['edited', 'recalled']);
    c.close();
  });

  it('dry-run renders the exact POST, PUT and DELETE, naming the message an earlier line would send', async () => {
    await start();
    const c = connector({});
    const { outcomes } = await write(c, [row('A', 'paid'), { op: 'u', after: row('A', 'packed') }, { op: 'd', before: { id: 'A' } }], true);
    const base = `${emulator.baseUrl}/open-apis/im/v1/messages`;
    expect(outcomes.map((o) => (o.status === 'valid' ? [o.request.method, o.request.url] : o.status))).toEqual([
      ['POST', `${base}?receive_id_type=open_id`],
      ['PUT', `${base}/:message_id`],
      ['DELETE', `${base}/:message_id`],
    ]);
    expect(outcomes[1]).toMatchObject({ request: { body: { msg_type: 'text', content: JSON.stringify({ text: 'A is packed' }) }, messageOf: { line: 1, index: 0 } } });
    expect(emulator.stats().requests).toBe(0);
    c.close();
  });
});

describe('change events and keys', () => {
  it('reads TapData, Debezium and Kafka Connect envelopes; a body with an op field stays a body', () => {
    expect(changeEventOf({ op: 'i', after: { id: 1 } })).toEqual({ op: 'insert', after: { id: 1 } });
    expect(changeEventOf({ op: 'r', before: null, after: { id: 1 } })).toEqual({ op: 'insert', after: { id: 1 } });
    expect(changeEventOf({ payload: { op: 'u', before: { id: 1 }, after: { id: 1, x: 2 } } })).toEqual({ op: 'update', before: { id: 1 }, after: { id: 1, x: 2 } });
    expect(changeEventOf({ op: 'd', before: { id: 1 }, after: null })).toEqual({ op: 'delete', before: { id: 1 } });
    expect(changeEventOf({ op: 'x', after: {} })).toEqual({ error: expect.stringContaining('unknown change event op "x"') });
    expect(changeEventOf({ op: 'd', after: null })).toEqual({ error: expect.stringContaining('needs "before"') });
    expect(changeEventOf({ op: 'send', receiveId: 'ou_x' })).toBeUndefined();
    expect(changeEventOf('text')).toBeUndefined();
  });

  it('classifies per the node options, and names a missing key field', () => {
    const policy = { messageKey: ['tenant', 'no'], updateEvents: 'edit' as const, deleteEvents: 'skip' as const };
    expect(classify({ tenant: 't', no: 7 }, policy)).toEqual({ kind: 'keyed', op: 'insert', key: '["t","7"]', value: { tenant: 't', no: 7 } });
    expect(classify({ op: 'd', before: { tenant: 't', no: 7 } }, policy)).toEqual({ kind: 'skipped', reason: 'delete event skipped (node option deleteEvents is "skip")' });
    expect(classify({ op: 'u', after: { tenant: 't' } }, policy)).toMatchObject({ kind: 'failed', error: { code: 'FIELD_MISSING', field: 'no' } });
    expect(classify({ op: 'u', after: { a: 1 } }, { updateEvents: 'skip', deleteEvents: 'skip' })).toEqual({ kind: 'skipped', reason: 'update event skipped (node option updateEvents is "skip")' });
    expect(classify({ op: 'u', after: { a: 1 } }, { updateEvents: 'send', deleteEvents: 'skip' })).toEqual({ kind: 'plain', value: { a: 1 } });
    expect(keyOf({ order: { no: 'x' } }, ['order.no'])).toEqual({ key: 'x' });
    expect(slotsOf([{ receiveType: 'user', receiveId: 'u' }, { receiveType: 'user', receiveId: 'u' }, undefined])).toEqual(['user:u#0', 'user:u#1', '?#0']);
  });

  it('a 1.0 card gets update_multi unless it says so itself; 2.0 cards and templates are left alone', () => {
    const card = (c: unknown) => sharedCard({ receiveType: 'user', receiveId: BOB.openId, contentType: 'interactive', content: JSON.stringify(c) }).content;
    expect(JSON.parse(card({ elements: [] }))).toEqual({ elements: [], config: { update_multi: true } });
    expect(JSON.parse(card({ config: { update_multi: false } }))).toEqual({ config: { update_multi: false } });
    expect(JSON.parse(card({ schema: '2.0', body: {} }))).toEqual({ schema: '2.0', body: {} });
  });
});
