/**
 * A state journal records how its uuids were derived (uuid scheme 3, or none: written before, scheme 2). A
 * resume derives them the same way: with the emulator's uuid de-duplication OFF, only the journal stands
 * between a resumed run and a message delivered twice. The input holds the one kind of message the schemes
 * give different uuids (one whose hash shares scheme 3's 32 bits with an earlier message's), so a resume
 * that derived an old journal's uuids the new way would take its input for another.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { UuidDeriver } from '../../src/message/uuid.js';
import type { MessageBody } from '../../src/message/schema.js';
import { ALICE, APP, startEmulator } from '../integration/helpers.js';
import { schemeTwins } from '../message/uuid-twins.js';
import { runCli } from './cli-helpers.js';

let emulator: LarkEmulator;
let dir: string;
const [twinA, twinB] = schemeTwins(ALICE.openId);
const third: MessageBody = {
  receiveType: 'user',
  receiveId: ALICE.openId,
  contentType: 'text',
  content: JSON.stringify({ text: 'after the twins' }),
};
const input = [twinA, twinB, third];

beforeEach(async () => {
  emulator = await startEmulator({ dedupWindowSeconds: 0 });
  dir = await mkdtemp(join(tmpdir(), 'lark-im-uuid-scheme-'));
  await writeFile(join(dir, 'input.jsonl'), input.map((m) => JSON.stringify(m)).join('\n') + '\n');
  const connection = { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl };
  await writeFile(join(dir, 'config.json'), JSON.stringify({ connection }));
});
afterEach(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

const write = () => {
  const files = ['--input', join(dir, 'input.jsonl'), '--state', join(dir, 'state.json')];
  files.push('--report', join(dir, 'report.jsonl'));
  return runCli(['write', '--config', join(dir, 'config.json'), ...files, '--json'], { timeoutMs: 60_000 });
};
const jsonLines = async (file: string): Promise<unknown[]> =>
  (await readFile(join(dir, file), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as unknown);
const report = async () => (await jsonLines('report.jsonl')) as Array<Record<string, unknown>>;
const journal = () => jsonLines('state.json');

describe('resuming a state journal derives its uuids the way they were recorded', () => {
  it('an old journal (no scheme in its header: scheme 2) resumes without a mismatch or a duplicate', async () => {
    const v2 = new UuidDeriver({ scheme: 2 });
    const [oldA, oldB, oldThird] = input.map((m) => v2.uuidFor(m));
    // The case this spec is about: the current scheme derives the second message's uuid otherwise.
    const v3 = new UuidDeriver();
    expect(input.slice(0, 2).map((m) => v3.uuidFor(m))[1]).not.toBe(oldB);
    // What the build before the scheme was recorded left after delivering the first two messages.
    const header = { kind: 'lark-im-write-state', version: 2 };
    const lines = [header, [1, 0, oldA, 'om_delivered_a'], [2, 0, oldB, 'om_delivered_b']];
    await writeFile(join(dir, 'state.json'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

    const r = await write();
    expect(r.stderr).not.toMatch(/input differs/);
    expect(r.code).toBe(0);
    // Only the third message reached Lark; the two the journal holds are reported resumed, with its ids.
    expect(emulator.stats().delivered).toBe(1);
    const lines2 = await report();
    expect(lines2.map((l) => [l.line, l.status, l.messageId, l.resumed ?? false])).toEqual([
      [1, 'delivered', 'om_delivered_a', true],
      [2, 'delivered', 'om_delivered_b', true],
      [3, 'delivered', lines2[2]!.messageId, false],
    ]);
    expect(lines2[2]!.uuid).toBe(oldThird);
    // The journal goes on in its own scheme: a third run resumes all three.
    const after = await journal();
    expect((after[0] as { uuids?: number }).uuids ?? 2).toBe(2);
    expect(after.slice(1)).toContainEqual([3, 0, oldThird, lines2[2]!.messageId]);
    const again = await write();
    expect(again.code).toBe(0);
    expect(emulator.stats().delivered).toBe(1);
  });

  it('a new journal records scheme 3, and its resume derives scheme 3 uuids', async () => {
    const first = await write();
    expect(first.code).toBe(0);
    expect(emulator.stats().delivered).toBe(3);
    const v3 = new UuidDeriver({ scheme: 3 });
    const uuids = input.map((m) => v3.uuidFor(m));
    const recorded = await journal();
    expect(recorded[0]).toEqual({ kind: 'lark-im-write-state', version: 2, uuids: 3 });
    expect(recorded.slice(1).map((e) => (e as unknown[])[2]).sort()).toEqual([...uuids].sort());
    const again = await write();
    expect(again.code).toBe(0);
    expect(emulator.stats().delivered).toBe(3);
    expect((await report()).map((l) => l.resumed)).toEqual([true, true, true]);
  });
});
