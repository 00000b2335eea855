/**
 * `lark-im airbyte read` played by a stand-in platform against the emulator's chat history: every stdout line
 * parsed as a protocol message; a read killed with SIGKILL and resumed from its last STATE (what the platform
 * keeps) gives every message exactly once; a later incremental sync from the final STATE brings only what is new.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedHistory, type LarkEmulator, type SeededHistory } from '../../../src/emulator/index.js';
import type { AirbyteMessage } from '../../../src/platforms/airbyte/protocol.js';
import { ALICE, APP_ID, APP_SECRET, BOB, DEV, OPS, TOPICS, all, startEmulator } from '../../source/helpers.js';
import { Workdir, sourceCatalog, spawnAirbyte, type AirbyteProcess } from './platform.js';

let emu: LarkEmulator;
let work: Workdir;
let seeded: SeededHistory;
let args: string[];

beforeEach(async () => {
  // Lark's list quota on (50/s): a read of 2,000 messages takes long enough for a kill to land mid-way.
  emu = await startEmulator({ limits: {} });
  seeded = seedHistory(emu, {
    chats: [
      { chatId: OPS, count: 900 },
      { chatId: TOPICS, count: 300 },
      { chatId: DEV, count: 800 },
    ],
    senders: [ALICE, BOB],
    startMs: Date.now() - 6 * 3600_000,
  });
  work = await Workdir.create();
  const config = await work.json('config.json', { connection: { appId: APP_ID, appSecret: APP_SECRET, domain: emu.baseUrl } });
  const catalog = await work.json('catalog.json', sourceCatalog());
  args = ['read', '--config', config, '--catalog', catalog];
});
afterEach(async () => {
  await emu.close();
  await work.remove();
});

type Row = { messageId: string; updateTime: number; deleted: boolean; text: string | null };
const rows = (ms: AirbyteMessage[]) => ms.flatMap((m) => (m.type === 'RECORD' ? [m.record.data as Row] : []));
const statuses = (p: AirbyteProcess) => p.ofType('TRACE').flatMap((t) => (t.trace.stream_status ? [t.trace.stream_status.status] : []));

/** What the platform commits: the records up to the last STATE, and that STATE. */
function committed(p: AirbyteProcess): { rows: Row[]; state: unknown } {
  const lastState = p.messages.map((m) => m.type).lastIndexOf('STATE');
  return { rows: rows(p.messages.slice(0, lastState + 1)), state: lastState >= 0 ? (p.messages[lastState] as Extract<AirbyteMessage, { type: 'STATE' }>).state : undefined };
}

async function runRead(state?: unknown, killAfterStates?: number): Promise<AirbyteProcess & { code: number | null }> {
  const extra = state ? ['--state', await work.json('state.json', [state])] : [];
  let states = 0;
  const p: AirbyteProcess = spawnAirbyte([...args, ...extra], {
    onMessage: (m) => {
      if (m.type === 'STATE' && ++states === killAfterStates) p.child.kill('SIGKILL');
    },
  });
  p.child.stdin!.end();
  const { code } = await p.exited;
  p.assertProtocolOnly();
  return Object.assign(p, { code });
}

describe('airbyte read', () => {
  it('reads every message as a RECORD, with STATE checkpoints after the records they cover and STREAM_STATUS traces', async () => {
    const p = await runRead();
    expect(p.code).toBe(0);
    const expected = all(seeded.byChat);
    const got = rows(p.messages);
    expect(got).toHaveLength(expected.length);
    expect(new Set(got.map((r) => r.messageId))).toEqual(new Set(expected.map((m) => m.messageId)));
    expect(statuses(p)).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
    const states = p.ofType('STATE');
    expect(states.length).toBeGreaterThanOrEqual(4); // every 500 records, and at the end
    expect(states.every((s) => s.state.type === 'STREAM' && s.state.stream?.stream_descriptor.name === 'lark_messages')).toBe(true);
    // sourceStats count the records since the previous STATE, and add up to all of them.
    expect(states.reduce((n, s) => n + (s.state.sourceStats?.recordCount ?? 0), 0)).toBe(expected.length);
    expect(p.messages.at(-2)?.type).toBe('STATE'); // the last records are covered, then COMPLETE
  });

  it('killed mid-read (SIGKILL) and resumed from its last STATE: no gap, no repeat; a later sync brings only what changed', async () => {
    const first = await runRead(undefined, 2);
    expect(first.child.signalCode ?? first.code).toBe('SIGKILL');
    const a = committed(first);
    expect(a.rows.length).toBeGreaterThan(0);
    expect(a.rows.length).toBeLessThan(all(seeded.byChat).length);

    const second = await runRead(a.state);
    expect(second.code).toBe(0);
    const b = committed(second);
    const ids = [...a.rows, ...b.rows].map((r) => r.messageId);
    expect(ids).toHaveLength(all(seeded.byChat).length); // no repeat
    expect(new Set(ids)).toEqual(new Set(all(seeded.byChat).map((m) => m.messageId))); // no gap

    // Between syncs: a new message. The next sync brings exactly it.
    const fresh = emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'after the sync' });
    const third = await runRead(b.state);
    expect(third.code).toBe(0);
    expect(rows(third.messages).map((r) => r.messageId)).toEqual([fresh.messageId]);
    // It is edited: the next sync brings it again, with the new text and a later updateTime (the cursor).
    emu.editMessage(fresh.messageId, { text: 'edited later' });
    const fourth = await runRead(committed(third).state);
    const again = rows(fourth.messages);
    expect(again.map((r) => [r.messageId, r.text])).toEqual([[fresh.messageId, 'edited later']]);
    expect(again[0]!.updateTime).toBeGreaterThan(rows(third.messages)[0]!.updateTime);
  }, 60_000);

  it('a STATE that is not this source\'s offset is a TRACE config_error, not a crash', async () => {
    const p = await runRead({ type: 'STREAM', stream: { stream_descriptor: { name: 'lark_messages' }, stream_state: { cursor: 5 } } });
    expect(p.code).toBe(1);
    expect(p.ofType('TRACE').find((t) => t.trace.type === 'ERROR')!.trace.error).toMatchObject({ failure_type: 'config_error' });
    expect(statuses(p)).toEqual(['STARTED', 'INCOMPLETE']);
  });
});
