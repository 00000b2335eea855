/**
 * Whole runs against the embedded emulator: faults, token invalidation, bad input, dry-run, ordering.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import {
  ALICE,
  APP,
  BOB,
  CHAT_WITH_BOT,
  CHAT_WITHOUT_BOT,
  EVE_INVISIBLE,
  UNPACED,
  connectorFor,
  crowdSeed,
  records,
  run,
  startEmulator,
  text,
} from './helpers.js';

let emulator: LarkEmulator;
beforeEach(async () => {
  // Limits off: these specs are about faults, tokens and bad input; pacing has its own specs.
  emulator = await startEmulator({ limits: false });
});
afterEach(async () => {
  await emulator.close();
});

/** n distinct messages spread over users and the bot's group so per-receiver pacing is not the bottleneck. */
function manyMessages(n: number) {
  const receivers = [
    ['user', ALICE.openId],
    ['user', BOB.openId],
    ['email', 'carol@example.com'],
    ['phone', '13800000006'],
    ['email', 'dave@example.com'],
  ] as const;
  return Array.from({ length: n }, (_, i) => {
    const [type, id] = receivers[i % receivers.length]!;
    return text(type, id, `message ${i}`);
  });
}

function expectExactlyOnce(n: number) {
  const delivered = emulator.messages();
  const bodies = delivered.map((m) => JSON.parse(m.content).text as string).sort();
  const expected = Array.from({ length: n }, (_, i) => `message ${i}`).sort();
  expect(bodies).toEqual(expected);
}

describe('writeStream against the emulator', () => {
  it('delivers every message exactly once through 5xx, 429 and lost responses', async () => {
    emulator.faults.failNext(2, '5xx').failNext(1, '429', { resetSeconds: 1 }).failNext(2, 'lost').failNext(1, '5xx');
    const connector = connectorFor(emulator, { pacing: UNPACED });
    const { outcomes, summary } = await run(connector, records(manyMessages(25)));
    connector.close();

    expect(summary).toMatchObject({ total: 25, delivered: 25, failed: 0 });
    expect(outcomes.map((o) => o.line)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expectExactlyOnce(25);
    const stats = emulator.stats();
    expect(stats.status5xx).toBe(3);
    expect(stats.lostResponses).toBe(2);
    // The lost ones were delivered on their first try; the retry was answered from the uuid cache.
    expect(stats.duplicatesSuppressed).toBe(2);
  });

  it('survives random faults at benchmark ratios with nothing lost or doubled', async () => {
    emulator.faults.ratios({ serverError: 0.05, lostResponse: 0.03 });
    const connector = connectorFor(emulator, {
      pacing: UNPACED,
      retry: { retries: 8, minTimeoutMs: 1, maxTimeoutMs: 5, factor: 2, maxRetryTimeMs: 10_000 },
    });
    const { summary } = await run(connector, records(manyMessages(120)));
    connector.close();
    expect(summary).toMatchObject({ delivered: 120, failed: 0 });
    expectExactlyOnce(120);
    expect(emulator.stats().status5xx + emulator.stats().lostResponses).toBeGreaterThan(0);
  });

  it('costs one token refresh when the token is invalidated mid-run, and loses nothing', async () => {
    const connector = connectorFor(emulator, { pacing: { ...UNPACED, maxInFlight: 8 } });
    let seen = 0;
    const summary = await connector.writeStream(records(manyMessages(60)), {
      onOutcome: () => {
        // Revoke every token while about 50 messages are still to go (and some are in flight).
        if (++seen === 10) emulator.faults.invalidateTokens();
      },
    });
    connector.close();
    expect(summary).toMatchObject({ delivered: 60, failed: 0 });
    expect(emulator.stats().tokenRequests).toBe(2);
    expect(emulator.stats().errorsByCode['99991663']).toBeGreaterThanOrEqual(1);
    expectExactlyOnce(60);
  });

  it('fetches one token for 100 concurrent sends from cold', async () => {
    const cold = connectorFor(emulator, { pacing: { ...UNPACED, maxInFlight: 100 } });
    const { summary } = await run(cold, records(manyMessages(100)));
    cold.close();
    expect(summary.delivered).toBe(100);
    expect(emulator.stats().tokenRequests).toBe(1);
  });

  it('fails each bad message alone with a precise reason and delivers the rest', async () => {
    const input = [
      { line: 1, value: text('user', ALICE.openId, 'first good') },
      { line: 2, parseError: 'not valid JSON (Unexpected end of JSON input)' },
      { line: 3, value: 42 },
      { line: 4, value: 'a string' },
      { line: 5, value: text('fax', ALICE.openId, 'x') },
      { line: 6, value: { ...text('user', ALICE.openId, 'x'), contentType: 'video' } },
      { line: 7, value: text('user', '', 'x') },
      { line: 8, value: { receiveType: 'user', receiveId: ALICE.openId, contentType: 'text', content: '{not json' } },
      { line: 9, value: { receiveType: 'user', receiveId: ALICE.openId, contentType: 'image', content: JSON.stringify({ file_key: 'f' }) } },
      { line: 10, value: text('user', ALICE.openId, 'x'.repeat(160 * 1024)) },
      { line: 11, value: text('user', ALICE.openId, 'x', { uuid: 'u'.repeat(51) }) },
      { line: 12, value: text('user', 'ou_ffffffffffffffffffffffffffffffff', 'unknown') },
      { line: 13, value: text('user', EVE_INVISIBLE.openId, 'invisible') },
      { line: 14, value: text('chat', CHAT_WITHOUT_BOT.chatId, 'no bot') },
      { line: 15, value: text('phone', '13999999999', 'no such phone') },
      { line: 16, value: [text('chat', CHAT_WITH_BOT.chatId, 'last good'), { receiveType: 'user' }] },
    ];
    const connector = connectorFor(emulator);
    const { outcomes, summary } = await run(connector, input);
    connector.close();

    const codes = outcomes.map((o) => [o.line, o.index, o.status === 'failed' ? o.error.code : o.status]);
    expect(codes).toEqual([
      [1, 0, 'delivered'],
      [2, 0, 'INPUT_INVALID'],
      [3, 0, 'INPUT_INVALID'],
      [4, 0, 'INPUT_INVALID'],
      [5, 0, 'MESSAGE_INVALID'],
      [6, 0, 'MESSAGE_INVALID'],
      [7, 0, 'MESSAGE_INVALID'],
      [8, 0, 'MESSAGE_INVALID'],
      [9, 0, 'MESSAGE_INVALID'],
      [10, 0, 'CONTENT_TOO_LARGE'],
      [11, 0, 'MESSAGE_INVALID'],
      [12, 0, 'RECEIVER_NOT_FOUND'],
      [13, 0, 'OUTSIDE_VISIBLE_RANGE'],
      [14, 0, 'BOT_NOT_IN_CHAT'],
      [15, 0, 'RECEIVER_NOT_FOUND'],
      [16, 0, 'delivered'],
      [16, 1, 'MESSAGE_INVALID'],
    ]);
    expect(summary).toMatchObject({ total: 17, delivered: 2, failed: 15 });
    const byLine = new Map(outcomes.map((o) => [`${o.line}:${o.index}`, o]));
    const error = (k: string) => {
      const o = byLine.get(k);
      return o?.status === 'failed' ? o.error : undefined;
    };
    expect(error('5:0')?.field).toBe('receiveType');
    expect(error('9:0')?.field).toBe('content.image_key');
    expect(error('13:0')).toMatchObject({ larkCode: 230013, retryable: false });
    expect(error('13:0')?.message).toMatch(/visible range/);
    expect(error('14:0')?.message).toMatch(/add the bot to the group/);
    expect(error('15:0')?.message).toMatch(/not found/);
    expect(error('15:0')?.message).not.toContain('13999999999');
    // Only the two good messages and the four that only Lark can judge reached the send endpoint.
    expect(emulator.stats().sendRequests).toBe(5);
    expect(emulator.messages().map((m) => JSON.parse(m.content).text)).toEqual(['first good', 'last good']);
  });

  it('sends two identical messages in one run, and a re-run of the same input sends nothing new', async () => {
    const input = records([text('user', ALICE.openId, 'same'), text('user', ALICE.openId, 'same')]);
    const connector = connectorFor(emulator);
    const first = await run(connector, input);
    const again = await run(connector, input);
    connector.close();
    expect(first.summary.delivered).toBe(2);
    expect(emulator.messages()).toHaveLength(2);
    expect(again.summary.delivered).toBe(2);
    expect(emulator.messages()).toHaveLength(2);
    const ids = (o: typeof first.outcomes) => o.map((x) => (x.status === 'delivered' ? x.messageId : ''));
    expect(ids(again.outcomes)).toEqual(ids(first.outcomes));
  });

  it('dry-run renders the exact requests and sends nothing', async () => {
    const connector = connectorFor(emulator);
    const { outcomes, summary } = await run(
      connector,
      records([text('email', 'bob@example.com', 'hi'), text('phone', '+86 138-0000-0001', 'by phone'), text('user', '', 'bad')]),
      true,
    );
    connector.close();
    expect(summary).toMatchObject({ total: 3, valid: 2, failed: 1, delivered: 0 });
    const first = outcomes[0]!;
    expect(first.status).toBe('valid');
    if (first.status !== 'valid') return;
    expect(first.request).toEqual({
      method: 'POST',
      url: `${emulator.baseUrl}/open-apis/im/v1/messages?receive_id_type=email`,
      body: { receive_id: 'bob@example.com', msg_type: 'text', content: '{"text":"hi"}', uuid: expect.stringMatching(/^.{1,50}$/) },
    });
    const phone = outcomes[1]!;
    expect(phone.status === 'valid' && phone.request.method === 'POST' && phone.request.lookup).toEqual({ mobile: '13800000001' });
    expect(emulator.stats().requests).toBe(0);
  });

  it('stops sending after an app-level failure and fails the rest with the same cause', async () => {
    const connector = connectorFor(emulator, {}, { appSecret: 'wrong-secret-value' });
    const { outcomes, summary } = await run(connector, records(manyMessages(5)));
    connector.close();
    expect(summary).toMatchObject({ delivered: 0, failed: 5 });
    for (const o of outcomes) expect(o.status === 'failed' && o.error.code).toBe('APP_SECRET_WRONG');
    expect(emulator.stats().sendRequests).toBe(0);
    expect(JSON.stringify(outcomes)).not.toContain('wrong-secret-value');
  });
});

describe('pacing against the emulator with Lark\'s real limits', () => {
  it('stays under 50/s per app and 5/s per receiver: no 429, no 230020, nothing lost', async () => {
    await emulator.close();
    emulator = await startEmulator({ seed: crowdSeed(60) });
    const crowd = Array.from({ length: 70 }, (_, i) => text('email', `crowd${i % 60}@example.com`, `message ${i}`));
    const oneUser = Array.from({ length: 12 }, (_, i) => text('user', ALICE.openId, `message ${70 + i}`));
    const connector = connectorFor(emulator);
    const started = Date.now();
    const { summary } = await run(connector, records([...oneUser.slice(0, 6), ...crowd, ...oneUser.slice(6)]));
    connector.close();
    expect(summary).toMatchObject({ delivered: 82, failed: 0 });
    expectExactlyOnce(82);
    const stats = emulator.stats();
    expect(stats.status429).toBe(0);
    expect(stats.errorsByCode['230020'] ?? 0).toBe(0);
    expect(stats.sendRequests).toBe(82);
    // 12 to one receiver at 5/s cannot finish in under two seconds: the pacer really waited.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });
});

describe('writeRecord (TapData events)', () => {
  it('treats successive batches as one run: an identical message in a later batch still arrives', async () => {
    const connector = connectorFor(emulator);
    const same = text('user', ALICE.openId, 'the same text');
    const first = await connector.writeRecord([{ op: 'i', after: same }]);
    const second = await connector.writeRecord([{ op: 'i', after: same }]);
    const dry = await connector.writeRecord([{ op: 'i', after: same }], { dryRun: true });
    const third = await connector.writeRecord([{ op: 'i', after: same }]);
    connector.close();
    expect([first, second, third].map((r) => r.insertedCount)).toEqual([1, 1, 1]);
    expect(dry.outcomes[0]?.status).toBe('valid');
    expect(emulator.messages()).toHaveLength(3);
    expect(new Set(emulator.messages().map((m) => m.uuid)).size).toBe(3);
  });

  it('sends inserts, skips updates by default and deletes always, and counts each', async () => {
    const connector = connectorFor(emulator);
    const result = await connector.writeRecord([
      { op: 'i', after: text('user', ALICE.openId, 'insert') },
      { op: 'u', after: text('user', ALICE.openId, 'update'), before: {} },
      { op: 'd', before: text('user', ALICE.openId, 'delete') },
      { op: 'i', after: text('user', 'ou_ffffffffffffffffffffffffffffffff', 'unknown receiver') },
    ]);
    connector.close();
    expect(result).toMatchObject({ insertedCount: 1, modifiedCount: 0, removedCount: 0, skippedCount: 2, failedCount: 1 });
    expect(Object.keys(result.errorMap)).toEqual(['3']);
    expect(result.errorMap[3]?.[0]?.code).toBe('RECEIVER_NOT_FOUND');
    expect(result.outcomes.filter((o) => o.status === 'skipped').map((o) => o.status === 'skipped' && o.reason)).toEqual([
      expect.stringMatching(/update event skipped/),
      expect.stringMatching(/delete event skipped/),
    ]);
    expect(emulator.messages()).toHaveLength(1);
    expect(APP.appId).toBe('cli_demo_app');
  });
});
