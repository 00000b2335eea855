/**
 * No head-of-line blocking, against the emulator: the first send's answer is held back (the 'slow' fault,
 * longer than the whole test), and every other message is still delivered and confirmed meanwhile. The
 * report, in input order, waits for line 1; stopping with no grace reports it as unconfirmed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import type { MessageOutcome } from '../../src/pipeline/report/outcome.js';
import { connectorFor, crowdSeed, records, startEmulator, text, UNPACED } from '../integration/helpers.js';

let emulator: LarkEmulator;
afterEach(async () => emulator?.close());

describe('one slow answer', () => {
  it('delays no other delivery: 299 of 300 are confirmed while the first is still unanswered', async () => {
    emulator = await startEmulator({ seed: crowdSeed(30), limits: false });
    emulator.faults.failNext(1, 'slow', { delayMs: 110_000 });
    const connector = connectorFor(emulator, { pacing: { ...UNPACED, maxInFlight: 16 } }, { timeoutMs: 120_000 });
    const values = Array.from({ length: 300 }, (_, i) => text('email', `crowd${i % 30}@example.com`, `m${i}`));
    const outcomes: MessageOutcome[] = [];
    const stop = new AbortController();
    let confirmed = 0;
    let allButOne!: () => void;
    const othersConfirmed = new Promise<void>((r) => (allButOne = r));
    const run = connector.writeStream(records(values), {
      signal: stop.signal,
      graceMs: 0,
      onOutcome: (o) => void outcomes.push(o),
      onDelivered: () => {
        if (++confirmed === 299) allButOne();
      },
    });
    await othersConfirmed;
    expect(emulator.stats().slowResponses).toBe(1);
    expect(outcomes).toHaveLength(0); // the report keeps input order: line 1 first
    stop.abort();
    const summary = await run;
    connector.close();
    expect(summary).toMatchObject({ total: 300, delivered: 299, failed: 1, interrupted: true });
    expect(outcomes[0]).toMatchObject({ line: 1, status: 'failed', error: { code: 'INTERRUPTED', message: expect.stringContaining('not confirmed') } });
    expect(outcomes.slice(1).every((o) => o.status === 'delivered')).toBe(true);
    expect(outcomes.map((o) => o.line)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });
});
