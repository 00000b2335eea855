/**
 * The state journal: a delivery is committed within one commit interval (group commit: one write + one
 * fdatasync per batch), a checkpoint appends only what is new, and a file torn by a kill or written by an
 * older version opens (compacted).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunState } from '../../src/pipeline/state.js';
import { FakeClock } from '../helpers/fake-clock.js';

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'lark-im-state-'))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

const delivered = (line: number, uuid = `u${line}`) => ({ line, index: 0, status: 'delivered' as const, uuid, messageId: `om_${line}` });
const journalLines = async (path: string) => (await readFile(path, 'utf8')).trim().split('\n');

/** setTimer driven by a fake clock: a group commit that is not due yet waits on it. */
function fakeTimers(clock: FakeClock) {
  return (fn: () => void, ms: number) => {
    void clock.sleep(ms).then(fn);
    return {};
  };
}

describe('RunState (journal)', () => {
  it('commits the first delivery at once and groups the next ones into one commit when the interval is due', async () => {
    const clock = new FakeClock();
    const path = join(dir, 'state.json');
    const state = await RunState.open(path, { now: () => clock.now(), setTimer: fakeTimers(clock), commitIntervalMs: 30 });
    state.recordSoon(delivered(1));
    await state.idle();
    expect(await journalLines(path)).toHaveLength(2);
    for (const line of [2, 3, 4]) state.recordSoon(delivered(line));
    // Not due yet: a commit started at t=0 and the interval is 30 ms.
    expect(clock.sleeps).toEqual([30]);
    await state.idle();
    expect(await journalLines(path)).toHaveLength(2);
    await clock.advance(30);
    await state.idle();
    const lines = await journalLines(path);
    expect(lines).toHaveLength(5);
    // A new journal records how its uuids are derived (uuid scheme 3).
    expect(JSON.parse(lines[0]!)).toEqual({ kind: 'lark-im-write-state', version: 2, uuids: 3 });
    expect(state.uuidScheme).toBe(3);
    expect(lines.slice(1).map((l) => JSON.parse(l))).toEqual([1, 2, 3, 4].map((n) => [n, 0, `u${n}`, `om_${n}`]));
    await state.close();
  });

  it('a checkpoint appends only the new deliveries (the cost stays flat as the run grows)', async () => {
    const path = join(dir, 'state.json');
    const state = await RunState.open(path, { commitIntervalMs: 0 });
    for (let i = 1; i <= 1000; i++) state.recordSoon(delivered(i));
    await state.checkpoint();
    const before = (await readFile(path)).length;
    state.recordSoon(delivered(1001));
    await state.checkpoint();
    const grown = (await readFile(path)).length - before;
    expect(grown).toBe(JSON.stringify([1001, 0, 'u1001', 'om_1001']).length + 1);
    await state.close();
  });

  it('reopens what it wrote, and refuses a position that now holds another message', async () => {
    const path = join(dir, 'state.json');
    const first = await RunState.open(path);
    first.recordSoon(delivered(1));
    first.recordSoon(delivered(2));
    await first.close();
    const again = await RunState.open(path);
    expect(again.deliveredCount).toBe(2);
    expect(again.deliveredBefore(2, 0, 'u2')).toBe('om_2');
    expect(again.deliveredBefore(3, 0, 'u3')).toBeUndefined();
    expect(() => again.deliveredBefore(1, 0, 'other')).toThrow(/input differs from the run recorded/);
    await again.close();
  });

  it('a last line torn by a kill is dropped and the file compacted; a version 1 file is read and rewritten', async () => {
    const torn = join(dir, 'torn.json');
    await writeFile(torn, '{"kind":"lark-im-write-state","version":2}\n[1,0,"u1","om_1"]\n[2,0,"u2","om');
    const a = await RunState.open(torn);
    expect(a.entries()).toEqual([[1, 0, 'u1', 'om_1']]);
    // Written before journals recorded their uuid scheme: scheme 2, and the compacted header says so.
    expect(a.uuidScheme).toBe(2);
    await a.close();
    const header = '{"kind":"lark-im-write-state","version":2,"uuids":2}';
    expect(await journalLines(torn)).toEqual([header, '[1,0,"u1","om_1"]']);
    const reopened = await RunState.open(torn);
    expect(reopened.uuidScheme).toBe(2);
    await reopened.close();

    const legacy = join(dir, 'v1.json');
    await writeFile(legacy, JSON.stringify({ kind: 'lark-im-write-state', version: 1, updatedAt: 'x', delivered: [[3, 1, 'u3', 'om_3']] }));
    const b = await RunState.open(legacy);
    expect(b.deliveredBefore(3, 1, 'u3')).toBe('om_3');
    expect(b.uuidScheme).toBe(2);
    await b.close();
    expect(await journalLines(legacy)).toHaveLength(2);
  });

  it('refuses a file that is not a state file, and one damaged before its last line', async () => {
    await writeFile(join(dir, 'other.json'), '{"hello":1}');
    await expect(RunState.open(join(dir, 'other.json'))).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await writeFile(join(dir, 'bad.json'), '{"kind":"lark-im-write-state","version":2}\nnot json\n[1,0,"u","m"]\n');
    await expect(RunState.open(join(dir, 'bad.json'))).rejects.toThrow(/damaged at line 2/);
    await writeFile(join(dir, 'newer.json'), '{"kind":"lark-im-write-state","version":2,"uuids":9}\n');
    const newer = RunState.open(join(dir, 'newer.json'));
    await expect(newer).rejects.toThrow(/uuids of scheme 9, which this version of lark-im cannot derive/);
  });
});
