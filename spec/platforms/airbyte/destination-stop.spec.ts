/**
 * The destination stopped by the platform's signal while records wait for their STATE: they are not sent,
 * and the result and the log account for them (in process, a fake connector that delivers every record).
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AirbyteDestination } from '../../../src/platforms/airbyte/destination.js';
import { ProtocolOutput } from '../../../src/platforms/airbyte/output.js';
import type { LarkImConnector } from '../../../src/connector.js';
import type { InputRecord } from '../../../src/input.js';
import type { MessageOutcome } from '../../../src/pipeline/report/outcome.js';

const record = (n: number) => JSON.stringify({ type: 'RECORD', record: { stream: 's', data: { n }, emitted_at: 0 } });
const state = (n: number) => JSON.stringify({ type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: 's' }, stream_state: { n } } } });

describe('Airbyte destination stopped by a signal', () => {
  it('counts the records read after the last STATE as not sent, and says so', async () => {
    const sent: number[] = [];
    const connector = {
      async writeStream(records: InputRecord[], opts: { onOutcome?: (o: MessageOutcome) => void | Promise<void> }) {
        for (const r of records) {
          sent.push((r.value as { n: number }).n);
          await opts.onOutcome?.({ line: r.line, index: 0, status: 'delivered', messageId: `om_${r.line}`, uuid: `u${r.line}` });
        }
        return { total: records.length, delivered: records.length, failed: 0, notSent: 0, skipped: 0, valid: 0, durationMs: 0, interrupted: false };
      },
    } as unknown as LarkImConnector;
    const stop = new AbortController();
    let resume!: () => void;
    const held = new Promise<void>((r) => (resume = r));
    async function* lines(): AsyncGenerator<string> {
      yield record(1);
      yield record(2);
      yield state(2);
      yield record(3);
      yield record(4);
      stop.abort(); // the platform's SIGTERM, before the STATE of records 3 and 4
      await held;
    }
    const stdout = new PassThrough();
    const text: string[] = [];
    stdout.on('data', (d: Buffer) => text.push(d.toString()));
    const destination = new AirbyteDestination({ connector, out: new ProtocolOutput(stdout), lines: lines(), signal: stop.signal });
    const running = destination.run();
    resume();
    const result = await running;
    expect(sent).toEqual([1, 2]);
    expect(result.records).toBe(4);
    expect(result.delivered + result.failed + result.notSent + result.skipped).toBe(4);
    expect(result.notSent).toBe(2);
    expect(result.failed).toBe(0);
    expect(text.join('')).toMatch(/2 records .*not sent/);
  });
});
