/**
 * The read adapter over a paged source (in process, a fake source of numbered items): checkpoints every N
 * records at page boundaries and at the end, STREAM_STATUS traces, and a STATE fed back resumes with no gap
 * and no repeat. The real source over the emulator is exercised through the CLI in read.spec.ts.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { LarkImConnector } from '../../../src/connector.js';
import { ProtocolOutput } from '../../../src/platforms/airbyte/output.js';
import { runRead, type SourceStream } from '../../../src/platforms/airbyte/read.js';
import type { AirbyteMessage } from '../../../src/platforms/airbyte/protocol.js';
import { Workdir, parseLine } from './platform.js';

const connector = new LarkImConnector(parseConfig({ connection: { appId: 'cli_x', appSecret: 'y' } }, {}));
const catalog = {
  streams: [
    {
      stream: { name: 'items', json_schema: {}, supported_sync_modes: ['incremental' as const] },
      sync_mode: 'incremental' as const,
      destination_sync_mode: 'append' as const,
    },
  ],
};

/** Items 0..total-1 in pages of `pageSize`; the offset after a page is the next item to read. */
function fakeSource(total: number, pageSize: number, failAt?: number): SourceStream {
  return {
    stream: { name: 'items', json_schema: { type: 'object' }, supported_sync_modes: ['full_refresh', 'incremental'] },
    async read(offset, _signal, page) {
      for (let next = (offset?.['next'] as number | undefined) ?? 0; next < total; next += pageSize) {
        if (failAt !== undefined && next >= failAt) throw new Error('the source broke');
        const records = Array.from({ length: Math.min(pageSize, total - next) }, (_, i) => ({ n: next + i }));
        await page({ records, offset: { next: next + records.length } });
      }
    },
  };
}

async function read(source: SourceStream, statePath?: string) {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  const code = await runRead({
    connector,
    out: new ProtocolOutput(stream),
    catalog,
    streams: [source],
    checkpointEvery: 10,
    now: () => 1,
    ...(statePath ? { statePath } : {}),
  });
  const messages: AirbyteMessage[] = text.trim().split('\n').map(parseLine);
  return { code, messages };
}

const numbers = (ms: AirbyteMessage[]) => ms.flatMap((m) => (m.type === 'RECORD' ? [m.record.data['n'] as number] : []));
const states = (ms: AirbyteMessage[]) => ms.flatMap((m) => (m.type === 'STATE' ? [m.state] : []));
const statuses = (ms: AirbyteMessage[]) => ms.flatMap((m) => (m.type === 'TRACE' && m.trace.stream_status ? [m.trace.stream_status.status] : []));

describe('airbyte read (adapter)', () => {
  it('emits the records, a STATE at the first page boundary past every 10 records and at the end, and STARTED/RUNNING/COMPLETE', async () => {
    const { code, messages } = await read(fakeSource(47, 4));
    expect(code).toBe(0);
    expect(numbers(messages)).toEqual(Array.from({ length: 47 }, (_, i) => i));
    const s = states(messages);
    expect(s.map((x) => x.stream?.stream_state)).toEqual([{ next: 12 }, { next: 24 }, { next: 36 }, { next: 47 }]);
    expect(s.map((x) => x.sourceStats?.recordCount)).toEqual([12, 12, 12, 11]);
    expect(statuses(messages)).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
    // A STATE always comes after the records it covers.
    const lastRecordBefore = messages.findIndex((m) => m.type === 'STATE');
    expect(numbers(messages.slice(0, lastRecordBefore)).at(-1)).toBe(11);
  });

  it('a STATE fed back resumes after it: no gap, no repeat, across several interrupted syncs', async () => {
    const work = await Workdir.create();
    try {
      const seen: number[] = [];
      let state: unknown;
      // The source breaks at a different place in each sync; the platform keeps the last STATE each time.
      for (const failAt of [18, 33, undefined]) {
        const path = state ? await work.json('state.json', [state]) : undefined;
        const { code, messages } = await read(fakeSource(50, 3, failAt), path);
        const s = states(messages);
        // Records after the last STATE of a failed sync are read again by the next one; the platform only
        // commits up to that STATE, so count what it commits.
        const upTo = messages.lastIndexOf(messages.filter((m) => m.type === 'STATE').at(-1)!);
        seen.push(...numbers(messages.slice(0, upTo)));
        if (s.length > 0) state = s.at(-1);
        expect(code).toBe(failAt === undefined ? 0 : 1);
        if (failAt !== undefined) expect(statuses(messages).at(-1)).toBe('INCOMPLETE');
      }
      expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
    } finally {
      await work.remove();
    }
  });
});
