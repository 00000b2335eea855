import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FLUSH_DELAY_MS, ReportWriter, reportLine } from '../../src/pipeline/report/report-writer.js';
import { MessageWriter } from '../../src/pipeline/writer.js';
import { ValidOutcome } from '../../src/pipeline/render.js';
import type { MessageOutcome, RenderedRequest } from '../../src/pipeline/report/outcome.js';

const request = (over: Partial<RenderedRequest['body']> = {}, lookup?: { mobile: string }): RenderedRequest => ({
  method: 'POST',
  url: 'https://open.feishu.cn/open-apis/im/v1/messages?receive_id_type=open_id',
  body: { receive_id: 'ou_1', msg_type: 'text', content: '{"text":"say \\"hi\\"\\n 你好 \\u0001"}', uuid: 'u-1', ...over },
  ...(lookup ? { lookup } : {}),
});

function collect(): { stream: PassThrough; text: () => string; chunks: () => number } {
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  stream.on('data', (d: Buffer) => parts.push(d));
  return { stream, text: () => Buffer.concat(parts).toString('utf8'), chunks: () => parts.length };
}

describe('reportLine', () => {
  it("writes the writer's dry-run outcomes byte for byte as JSON.stringify does", () => {
    const direct = new ValidOutcome(12, 3, request());
    const phone = new ValidOutcome(1, 0, request({ receive_id: null }, { mobile: '+8613800000000' }));
    for (const o of [direct, phone] as MessageOutcome[]) {
      expect(reportLine(o)).toBe(JSON.stringify(o) + '\n');
      expect(JSON.parse(reportLine(o))).toEqual({ ...o });
    }
    expect(Object.keys(direct)).toEqual(['line', 'index', 'status', 'request']);
  });

  it('stringifies every other outcome', () => {
    const failed: MessageOutcome = { line: 2, index: 0, status: 'failed', error: { code: 'MESSAGE_INVALID', message: 'x', retryable: false } };
    expect(reportLine(failed)).toBe(JSON.stringify(failed) + '\n');
  });
});

describe('ReportWriter', () => {
  it('writes every line in order in chunks, the last one on close', async () => {
    const { stream, text } = collect();
    const writes: number[] = [];
    const spy = stream.write.bind(stream);
    stream.write = ((chunk: Buffer, ...rest: never[]) => {
      writes.push(chunk.length);
      return spy(chunk, ...rest);
    }) as typeof stream.write;
    const report = ReportWriter.to(stream);
    const outcomes = Array.from({ length: 2000 }, (_, i) => new ValidOutcome(i + 1, 0, request({ uuid: `u-${i}` })) as MessageOutcome);
    for (const o of outcomes) await report.add(o);
    await report.close();
    expect(text()).toBe(outcomes.map((o) => JSON.stringify(o) + '\n').join(''));
    // ~200 bytes a line: far fewer writes than lines, none over 64 KB.
    expect(writes.length).toBeLessThan(20);
    expect(Math.max(...writes)).toBeLessThanOrEqual(64 * 1024);
  });

  it('writes a partial chunk FLUSH_DELAY_MS after its first line, in one write, without close', async () => {
    const { stream, text, chunks } = collect();
    const report = ReportWriter.to(stream);
    const o: MessageOutcome = { line: 1, index: 0, status: 'skipped', reason: 'delete event' };
    const start = Date.now();
    expect(report.add(o)).toBeUndefined();
    await new Promise((r) => setImmediate(r));
    expect(report.add({ ...o, line: 2 })).toBeUndefined();
    expect(text()).toBe('');
    await new Promise((r) => setTimeout(r, FLUSH_DELAY_MS + 50));
    expect(Date.now() - start).toBeGreaterThanOrEqual(FLUSH_DELAY_MS);
    expect(text()).toBe(reportLine(o) + reportLine({ ...o, line: 2 }));
    expect(chunks()).toBe(1);
  });

  it('asks the caller to wait while the stream drains, and a line over a chunk still goes out whole', async () => {
    let release: (() => void) | undefined;
    const received: string[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        received.push(chunk.toString('utf8'));
        release = done;
      },
    });
    const report = ReportWriter.to(slow);
    const big: MessageOutcome = { line: 1, index: 0, status: 'skipped', reason: 'x'.repeat(70 * 1024) };
    const wait = report.add(big);
    expect(wait).toBeInstanceOf(Promise);
    let drained = false;
    void wait!.then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    release!();
    await wait;
    expect(received.join('')).toBe(reportLine(big));
  });
});

describe('MessageWriter outcomes', () => {
  it('emits dry-run outcomes in order, synchronously to a sync onOutcome, from records or batches', async () => {
    const body = (i: number) => ({ receiveType: 'user', receiveId: `ou_${i}`, content: `{"text":"m${i}"}` });
    const records = [
      { line: 1, value: body(1) },
      { line: 2, skipReason: 'delete event skipped' },
      { line: 3, value: [body(3), { receiveType: 'user' }] },
      { line: 4, parseError: 'not valid JSON (x)' },
      { line: 5, value: body(5) },
    ];
    const run = async (source: Parameters<MessageWriter['run']>[0]) => {
      const seen: string[] = [];
      const summary = await new MessageWriter({ baseUrl: 'https://x', dryRun: true, onOutcome: (o) => void seen.push(`${o.line}.${o.index}:${o.status}`) }).run(source);
      return { seen, summary };
    };
    const one = await run(records);
    expect(one.seen).toEqual(['1.0:valid', '2.0:skipped', '3.0:valid', '3.1:failed', '4.0:failed', '5.0:valid']);
    expect(one.summary).toMatchObject({ total: 6, valid: 3, failed: 2, skipped: 1 });
    const batched = await run([records.slice(0, 2), records.slice(2)]);
    expect(batched.seen).toEqual(one.seen);
  });

  it('waits for a promise onOutcome returns (report backpressure) before the next outcome', async () => {
    const order: string[] = [];
    const writer = new MessageWriter({
      baseUrl: 'https://x',
      dryRun: true,
      onOutcome: async (o) => {
        order.push(`start ${o.line}`);
        await new Promise((r) => setTimeout(r, 5));
        order.push(`end ${o.line}`);
      },
    });
    const value = { receiveType: 'user', receiveId: 'ou_1', content: '{"text":"a"}' };
    await writer.run([{ line: 1, value }, { line: 2, value }]);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });
});
