/**
 * `lark-im airbyte write` played by a stand-in platform: RECORD and STATE lines on stdin, the emulator (with
 * faults) as Lark. Every stdout line must parse as a protocol message; each echoed STATE is checked against
 * the emulator's store the moment it arrives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../../src/emulator/index.js';
import { defaultSeed } from '../../../src/emulator/index.js';
import type { AirbyteMessage } from '../../../src/platforms/airbyte/protocol.js';
import { ALICE, APP, BOB, CHAT_WITH_BOT, startEmulator, text } from '../../integration/helpers.js';
import { FAST_PACING, Workdir, destinationCatalog, recordLine, runAirbyte, spawnAirbyte, stateLine, type AirbyteProcess } from './platform.js';

const STREAM = 'alerts';
const RECEIVERS: Array<[string, string]> = [
  ['user', ALICE.openId],
  ['email', BOB.email!],
  ['chat', CHAT_WITH_BOT.chatId],
];

let emulator: LarkEmulator | undefined;
let work: Workdir | undefined;
afterEach(async () => {
  await emulator?.close();
  await work?.remove();
  emulator = undefined;
  work = undefined;
});

/** One input line: a record (its text, unique unless `twin`), or a STATE closing the records since the last one. */
type Line = { record: string; data: Record<string, unknown> } | { state: number };

function plan(records: number, every: number, opts: { twinsEvery?: number } = {}): Line[] {
  const lines: Line[] = [];
  for (let i = 0; i < records; i++) {
    const twin = opts.twinsEvery !== undefined && i % opts.twinsEvery === 0;
    const label = twin ? 'twin' : `r${i}`;
    const [type, id] = RECEIVERS[i % RECEIVERS.length]!;
    // Twins go to one receiver with one text: identical messages, each must still arrive once.
    lines.push({ record: label, data: twin ? text('user', ALICE.openId, 'twin') : text(type, id, label) });
    if ((i + 1) % every === 0) lines.push({ state: i + 1 });
  }
  return lines;
}

function toStdin(lines: Line[]): string {
  return lines.map((l) => ('state' in l ? stateLine(STREAM, l.state) : recordLine(STREAM, l.data))).join('\n') + '\n';
}

async function setup(opts: { dedupWindowSeconds?: number; seed?: ReturnType<typeof defaultSeed>; streams?: string[] } = {}) {
  emulator = await startEmulator({ limits: false, ...(opts.seed ? { seed: opts.seed } : {}), ...(opts.dedupWindowSeconds !== undefined ? { dedupWindowSeconds: opts.dedupWindowSeconds } : {}) });
  work = await Workdir.create();
  const config = await work.json('config.json', { connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl, timeoutMs: 2000 } });
  const catalog = await work.json('catalog.json', destinationCatalog(opts.streams ?? [STREAM]));
  return ['write', '--config', config, '--catalog', catalog];
}

const deliveredTexts = (emu: LarkEmulator) => emu.messages().map((m) => JSON.parse(m.content).text as string);

function statesOf(p: AirbyteProcess) {
  return p.ofType('STATE').map((m) => ({
    cursor: (m.state.stream?.stream_state as { cursor: number }).cursor,
    recordCount: m.state.destinationStats?.recordCount,
  }));
}

/** Checks each STATE the moment it arrives: the emulator must already hold every record before it. */
function echoChecker(expectedBefore: Map<number, Map<string, number>>) {
  const violations: string[] = [];
  const onMessage = (m: AirbyteMessage) => {
    if (m.type !== 'STATE') return;
    const cursor = (m.state.stream?.stream_state as { cursor: number }).cursor;
    const delivered = new Map<string, number>();
    for (const t of deliveredTexts(emulator!)) delivered.set(t, (delivered.get(t) ?? 0) + 1);
    for (const [label, n] of expectedBefore.get(cursor)!) {
      if ((delivered.get(label) ?? 0) < n) violations.push(`STATE ${cursor} echoed before ${label} was delivered`);
    }
  };
  return { violations, onMessage };
}

/** For each STATE cursor, how many times each label occurs before it. */
function countsBefore(lines: Line[]): { expectedBefore: Map<number, Map<string, number>>; total: Map<string, number> } {
  const expectedBefore = new Map<number, Map<string, number>>();
  const total = new Map<string, number>();
  for (const l of lines) {
    if ('state' in l) expectedBefore.set(l.state, new Map(total));
    else total.set(l.record, (total.get(l.record) ?? 0) + 1);
  }
  return { expectedBefore, total };
}

describe('airbyte write', () => {
  it('a sync of thousands of RECORD/STATE lines with faults: every STATE echoed in order, each only after its records were delivered', async () => {
    const args = await setup();
    emulator!.faults.ratios({ serverError: 0.03, lostResponse: 0.03, rateLimited: 0.005 });
    const lines = plan(3000, 25, { twinsEvery: 97 });
    const { expectedBefore, total: seen } = countsBefore(lines);
    const { violations, onMessage } = echoChecker(expectedBefore);
    const p = await runAirbyte(args, toStdin(lines), { env: { LARK_IM_PACING: FAST_PACING }, onMessage });
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    expect(violations).toEqual([]);

    const states = statesOf(p);
    expect(states.map((s) => s.cursor)).toEqual(lines.flatMap((l) => ('state' in l ? [l.state] : [])));
    expect(states.every((s) => s.recordCount === 25)).toBe(true);
    // Exactly once as Lark shows it (uuid de-duplication on: lost responses were retried with the same uuid).
    const texts = deliveredTexts(emulator!);
    expect(texts).toHaveLength(3000);
    expect(new Set(texts.filter((t) => t !== 'twin')).size).toBe(3000 - seen.get('twin')!);
    expect(texts.filter((t) => t === 'twin')).toHaveLength(seen.get('twin')!);
    expect(emulator!.stats().duplicatesSuppressed).toBeGreaterThan(0); // the lost responses did happen
    expect(p.ofType('TRACE').filter((t) => t.trace.type === 'ERROR')).toEqual([]);
  }, 120_000);

  it('a message Lark refuses for good is a LOG warning with its reason, counted, and the STATE after it is still echoed', async () => {
    const args = await setup();
    const stdin = [
      recordLine(STREAM, text('user', ALICE.openId, 'fine')),
      recordLine(STREAM, text('user', 'ou_nobody_has_this_open_id_000000', 'lost soul')),
      recordLine(STREAM, { receiveType: 'user', receiveId: ALICE.openId }),
      stateLine(STREAM, 3),
    ].join('\n') + '\n';
    const p = await runAirbyte(args, stdin);
    expect(p.code).toBe(0);
    expect(deliveredTexts(emulator!)).toEqual(['fine']);
    const warnings = p.logs('WARN');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/record 2 of stream alerts was not delivered: RECEIVER_NOT_FOUND: .*Lark code \d+/);
    // The log id (and the Lark code) once: the error's own message already carries them.
    const logId = /log id: (\w+)/.exec(warnings[0]!)?.[1];
    expect(logId).toBeDefined();
    expect(warnings[0]!.split(logId!)).toHaveLength(2);
    expect(warnings[0]!.match(/Lark code \d+/g)).toHaveLength(1);
    expect(warnings[1]).toMatch(/record 3 of stream alerts was not delivered: .*content/);
    expect(statesOf(p)).toEqual([{ cursor: 3, recordCount: 3 }]);
    expect(p.logs('INFO').at(-1)).toMatch(/3 records read, 1 message delivered, 2 failed, 0 not sent/);
  });

  it('RECORDs of a stream not in the configured catalog are skipped, with one WARN per stream (not per record)', async () => {
    const args = await setup();
    const stdin = [
      recordLine(STREAM, text('user', ALICE.openId, 'in catalog')),
      ...[1, 2, 3].map((i) => recordLine('stray', text('user', ALICE.openId, `stray ${i}`))),
      recordLine('other', text('user', ALICE.openId, 'other 1')),
      recordLine(STREAM, text('user', ALICE.openId, 'in catalog too')),
      stateLine(STREAM, 2),
    ].join('\n') + '\n';
    const p = await runAirbyte(args, stdin);
    expect(p.code).toBe(0);
    expect(deliveredTexts(emulator!)).toEqual(['in catalog', 'in catalog too']);
    expect(p.logs('WARN')).toEqual([
      'stream stray is not in the configured catalog: its records are skipped (not sent); add the stream to the connection to send them',
      'stream other is not in the configured catalog: its records are skipped (not sent); add the stream to the connection to send them',
    ]);
    expect(statesOf(p)).toEqual([{ cursor: 2, recordCount: 2 }]);
    expect(p.logs('INFO').at(-1)).toMatch(/2 records read, 2 messages delivered, 0 failed, 0 not sent, 0 skipped, 4 records of streams outside the catalog skipped/);
  });

  it('an app-level failure (send scope missing) is a TRACE config_error, a non-zero exit, and no STATE echoed', async () => {
    const seed = defaultSeed();
    seed.apps[0]!.scopes = ['contact:user.id:readonly'];
    const args = await setup({ seed });
    const p = await runAirbyte(args, toStdin(plan(40, 10)));
    expect(p.code).toBe(1);
    const errors = p.ofType('TRACE').filter((t) => t.trace.type === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.trace.error).toMatchObject({ failure_type: 'config_error', message: expect.stringMatching(/scope/) });
    expect(p.ofType('STATE')).toEqual([]);
    expect(emulator!.messages()).toEqual([]);
  });

  it('wrong credentials stop it before anything is read: TRACE config_error, never the secret', async () => {
    const args = await setup();
    const wrong = 'not-the-secret-at-all-987';
    const config = await work!.json('bad.json', { connection: { appId: APP.appId, appSecret: wrong, domain: emulator!.baseUrl } });
    args[2] = config;
    const p = await runAirbyte(args, toStdin(plan(5, 5)));
    expect(p.code).toBe(1);
    expect(p.ofType('TRACE')[0]!.trace.error).toMatchObject({ failure_type: 'config_error', internal_message: 'APP_SECRET_WRONG' });
    expect(JSON.stringify(p.messages) + p.stderr).not.toContain(wrong);
  });

  it('SIGTERM mid-sync: what is on the wire settles, only STATEs whose records all settled are echoed, exit non-zero', async () => {
    const args = await setup();
    // Lark's own pacing (5/s per receiver, 3 receivers): the sync takes seconds, so the signal lands mid-way.
    const lines = plan(200, 10);
    const { expectedBefore } = countsBefore(lines);
    const { violations, onMessage } = echoChecker(expectedBefore);
    const p = spawnAirbyte(args, { onMessage });
    p.child.stdin!.end(toStdin(lines));
    while (statesOf(p).length < 2 && p.child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    p.child.kill('SIGTERM');
    const { code } = await p.exited;
    p.assertProtocolOnly();
    expect(code).toBe(1);
    const cursors = statesOf(p).map((s) => s.cursor);
    expect(cursors.length).toBeGreaterThanOrEqual(2);
    expect(cursors.length).toBeLessThan(20); // it did stop early
    expect(cursors).toEqual(cursors.map((_, i) => (i + 1) * 10));
    expect(violations).toEqual([]);
    // Nothing was sent after the stop beyond what was already on its way.
    expect(emulator!.messages().length).toBeLessThan(200);
    expect(p.logs('WARN').join('\n')).toMatch(/stopped by a signal/);
  });

  it('a sync killed (SIGKILL) and retried from the last echoed STATE: every record gets one uuid in every attempt, so it is delivered once (uuid de-duplication OFF)', async () => {
    const args = await setup({ dedupWindowSeconds: 0 });
    // Paced so that a kill lands mid-sync; twins (identical messages) within and across segments.
    const pacing = JSON.stringify({ appPerSecond: 250, appPerMinute: 1_000_000, perReceiverPerSecond: 250, maxInFlight: 16 });
    const lines = plan(400, 10, { twinsEvery: 13 });
    const positions = new Map<number, number>(); // STATE cursor -> index of the line after it
    lines.forEach((l, i) => 'state' in l && positions.set(l.state, i + 1));

    let from = 0;
    const killedAt: number[] = [];
    for (const killAfter of [60, 200, Infinity]) {
      const p = spawnAirbyte(args, { env: { LARK_IM_PACING: pacing } });
      p.child.stdin!.end(toStdin(lines.slice(from)));
      if (killAfter !== Infinity) {
        while (emulator!.stats().delivered < killAfter && p.child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
        p.child.kill('SIGKILL');
      }
      const { code, signal } = await p.exited;
      p.assertProtocolOnly();
      const echoed = statesOf(p).map((s) => s.cursor);
      if (killAfter === Infinity) {
        expect(code).toBe(0);
        expect(echoed.at(-1)).toBe(400);
      } else {
        expect(signal).toBe('SIGKILL');
        killedAt.push(echoed.at(-1) ?? 0);
      }
      // The platform retries from the last STATE the destination echoed (or from the same place if none).
      if (echoed.length > 0) from = positions.get(echoed.at(-1)!)!;
    }
    // The kills did land mid-sync.
    expect(killedAt[0]).toBeLessThan(400);
    expect(killedAt[1]).toBeLessThan(400);

    const deliveries = emulator!.messages().map((m) => ({ label: JSON.parse(m.content).text as string, uuid: m.uuid! }));
    const uuidsOf = new Map<string, Set<string>>();
    for (const d of deliveries) uuidsOf.set(d.label, (uuidsOf.get(d.label) ?? new Set()).add(d.uuid));
    const records = lines.filter((l): l is Extract<Line, { record: string }> => 'record' in l);
    const twins = records.filter((r) => r.record === 'twin').length;
    // Every record arrived; a record sent again after a kill carried the uuid of its first send.
    for (const r of records) {
      if (r.record !== 'twin') expect(uuidsOf.get(r.record)?.size, r.record).toBe(1);
    }
    expect(uuidsOf.get('twin')?.size).toBe(twins);
    // What Lark (de-duplicating by uuid) shows: each record exactly once.
    expect(new Set(deliveries.map((d) => d.uuid)).size).toBe(records.length);
    // And the retries did re-send something, or this proved nothing about retries.
    expect(deliveries.length).toBeGreaterThan(records.length);
  }, 60_000);

  it('two streams: a STREAM STATE checkpoints its own stream, a GLOBAL one every stream, each with its record count', async () => {
    const args = await setup({ streams: ['a', 'b'] });
    const global = JSON.stringify({
      type: 'STATE',
      state: { type: 'GLOBAL', global: { shared_state: { lsn: 7 }, stream_states: [] } },
    });
    const stdin = [
      recordLine('a', text('user', ALICE.openId, 'a1')),
      recordLine('b', text('user', ALICE.openId, 'b1')),
      recordLine('a', text('user', ALICE.openId, 'a2')),
      stateLine('a', 2),
      recordLine('b', text('user', ALICE.openId, 'b2')),
      recordLine('a', text('user', ALICE.openId, 'a3')),
      global,
    ].join('\n') + '\n';
    const p = await runAirbyte(args, stdin);
    expect(p.code).toBe(0);
    const echoed = p.ofType('STATE').map((m) => ({ type: m.state.type, count: m.state.destinationStats?.recordCount }));
    expect(echoed).toEqual([
      { type: 'STREAM', count: 2 },
      { type: 'GLOBAL', count: 3 },
    ]);
    expect(deliveredTexts(emulator!).sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
  });

  it("records mapped by the node's send mode and template (fixed receivers): the same transform as lark-im write", async () => {
    const args = await setup();
    const node = {
      sendType: 'fixed',
      receivers: [{ receiveType: 'open_id', receiveId: ALICE.openId }, CHAT_WITH_BOT.chatId],
      template: { contentType: 'text', content: { text: 'Order {{id}} is {{status}}' } },
    };
    args[2] = await work!.json('modes.json', { connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator!.baseUrl }, node });
    const stdin = [
      recordLine(STREAM, { id: 7, status: 'shipped' }),
      recordLine(STREAM, { id: 8 }),
      stateLine(STREAM, 2),
    ].join('\n') + '\n';
    const p = await runAirbyte(args, stdin);
    expect(p.code).toBe(0);
    // One record, two receivers: two messages; the record missing a placeholder's field fails both, with the reason.
    expect(emulator!.messages().map((m) => [m.receiveId, JSON.parse(m.content).text])).toEqual(
      expect.arrayContaining([
        [ALICE.openId, 'Order 7 is shipped'],
        [CHAT_WITH_BOT.chatId, 'Order 7 is shipped'],
      ]),
    );
    expect(emulator!.messages()).toHaveLength(2);
    const warnings = p.logs('WARN');
    expect(warnings).toHaveLength(2);
    for (const w of warnings) expect(w).toMatch(/record 2 of stream alerts.* was not delivered: .*status/);
    expect(statesOf(p)).toEqual([{ cursor: 2, recordCount: 2 }]);
  });
});

