/** The state file's write errors name the user's path, never the temporary file it writes first. */
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunState } from '../../src/pipeline/state.js';

describe('RunState write errors', () => {
  it('a checkpoint that cannot write says which state file, and why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lark-im-state-'));
    const path = join(dir, 'run.state');
    const state = await RunState.open(path);
    await rm(dir, { recursive: true, force: true }); // the folder goes away mid-run
    const err = await state.checkpoint().then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toBe(`cannot write the state file ${path} (ENOENT): no such file or directory`);
    expect(err?.message).not.toMatch(/\.tmp/);
  });
});
