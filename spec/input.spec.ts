import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES, readRecordBatches, readRecords, toRecord, type InputRecord } from '../src/input.js';

async function collect(chunks: Array<string | Buffer>): Promise<InputRecord[]> {
  const out: InputRecord[] = [];
  for await (const r of readRecords(chunks)) out.push(r);
  return out;
}

/** Feeds the text one byte at a time: the worst case for chunk boundaries. */
function byteChunks(text: string): Buffer[] {
  return [...Buffer.from(text, 'utf8')].map((b) => Buffer.from([b]));
}

describe('readRecords', () => {
  it('reads JSON Lines, skipping blank lines and keeping line numbers', async () => {
    const records = await collect(['{"a":1}\n\n  \n{"b":2}\r\n', '[{"c":3},{"d":4}]\n']);
    expect(records).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 4, value: { b: 2 } },
      { line: 5, value: [{ c: 3 }, { d: 4 }] },
    ]);
  });

  it('turns a line that is not JSON into one record with the reason, and goes on', async () => {
    const records = await collect(['{"a":1}\n{"broken": \n{"b":2}']);
    expect(records[0]).toEqual({ line: 1, value: { a: 1 } });
    expect(records[1]?.line).toBe(2);
    expect(records[1]?.parseError).toMatch(/^not valid JSON/);
    expect(records[2]).toEqual({ line: 3, value: { b: 2 } });
  });

  it('a file holding one pretty-printed object is one record (it was 7 junk INPUT_INVALID lines)', async () => {
    const body = { receiveType: 'user', receiveId: 'ou_1', contentType: 'text', content: '{"text":"a } { \\" b"}' };
    const text = JSON.stringify(body, null, 2) + '\n';
    expect(text.split('\n').length).toBeGreaterThan(6);
    expect(await collect([text])).toEqual([{ line: 1, value: body }]);
    expect(await collect(byteChunks(text))).toEqual([{ line: 1, value: body }]);
    // Two pretty-printed objects one after another: two records, each numbered by its first line.
    const two = await collect([`\n${JSON.stringify({ a: [1, { b: 2 }] }, null, 2)}\n${JSON.stringify({ c: 3 }, null, 2)}\n`]);
    expect(two).toEqual([{ line: 2, value: { a: [1, { b: 2 }] } }, { line: 10, value: { c: 3 } }]);
    const open = await collect(['{\n  "a": 1,\n']);
    expect(open).toEqual([{ line: 1, parseError: 'the JSON object that starts on line 1 is not closed: the input ends inside it' }]);
  });

  it('reads a pretty-printed JSON array element by element', async () => {
    const text = '[\n  {"text": "a, [b] {c}", "q": "say \\"hi\\""},\n  [ {"x": 1}, {"y": 2} ],\n  42\n]\n';
    const records = await collect([text]);
    expect(records).toEqual([
      { line: 1, value: { text: 'a, [b] {c}', q: 'say "hi"' } },
      { line: 2, value: [{ x: 1 }, { y: 2 }] },
      { line: 3, value: 42 },
    ]);
  });

  it('survives chunk boundaries inside multi-byte characters, for both formats', async () => {
    const lines = '{"t":"你好 👋"}\n{"t":"ok"}\n';
    expect(await collect(byteChunks(lines))).toEqual([
      { line: 1, value: { t: '你好 👋' } },
      { line: 2, value: { t: 'ok' } },
    ]);
    const array = '[\n{"t":"你好, ]"},\n{"t":"b"}\n]';
    expect(await collect(byteChunks(array))).toEqual([
      { line: 1, value: { t: '你好, ]' } },
      { line: 2, value: { t: 'b' } },
    ]);
  });

  it('reports an unclosed array, a bad element and an empty one without losing the good ones', async () => {
    const records = await collect(['[\n{"a":1},\n{bad},\n,\n{"b":2}\n']);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
    expect(records[0]?.value).toEqual({ a: 1 });
    expect(records[1]?.parseError).toMatch(/not valid JSON/);
    expect(records[2]?.parseError).toMatch(/empty element/);
    expect(records[3]?.value).toEqual({ b: 2 });
    expect(records[4]?.parseError).toMatch(/not closed/);
  });

  it('yields nothing for an empty input or an empty array', async () => {
    expect(await collect([''])).toEqual([]);
    expect(await collect(['\n\n'])).toEqual([]);
    expect(await collect(['[\n]\n'])).toEqual([]);
  });

  it('gives the same records in small batches (readRecordBatches), never waiting for more input', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => (i === 40 ? '{bad' : i % 7 === 0 ? '' : JSON.stringify({ n: i, t: '你好' })));
    const text = lines.join('\n') + '\n';
    const pieces = [text.slice(0, 1000), text.slice(1000, 1001), text.slice(1001)];
    const batches: InputRecord[][] = [];
    for await (const b of readRecordBatches(pieces)) batches.push(b);
    expect(batches.flat()).toEqual(await collect(pieces));
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(32);
    // What a piece completes is yielded before the next piece is read.
    const seen: number[] = [];
    async function* slow() {
      yield '{"a":1}\n{"a":2}\n{"a"';
      seen.push(-1);
      yield ':3}\n';
    }
    for await (const b of readRecordBatches(slow())) seen.push(...b.map((r) => r.line));
    expect(seen).toEqual([1, 2, -1, 3]);
  });
});

describe('decoding', () => {
  /** What each line decodes to alone: the reference, whatever the reader groups. */
  function linesAlone(bytes: Buffer): InputRecord[] {
    const out: InputRecord[] = [];
    let start = 0;
    for (let line = 1; start < bytes.length; line++) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      const text = bytes.toString('utf8', start, end).trim();
      if (text !== '') out.push(toRecord(line, text));
      start = end + 1;
    }
    return out;
  }

  it('reads ~4 KB of lines at a time exactly as each line alone: multi-byte text, CRLF, blank lines, bytes that are not UTF-8', async () => {
    const parts: Buffer[] = [];
    for (let i = 0; i < 600; i++) {
      const text = i % 3 === 0 ? `飞书 ${i} 🚀` : `order ${i} shipped`;
      parts.push(Buffer.from(JSON.stringify({ receiveType: 'user', receiveId: `ou_${i}`, content: { text } }), 'utf8'));
      // A line ending inside a multi-byte sequence, a lone continuation byte, CRLF, a blank line (the first line
      // stays valid JSON: it decides the format).
      if (i % 97 === 5) parts.push(Buffer.from([0xe9, 0xa3]));
      if (i % 89 === 7) parts.push(Buffer.from([0x80]));
      parts.push(Buffer.from(i % 7 === 0 ? '\r\n' : i % 11 === 0 ? '\n\n' : '\n'));
    }
    const bytes = Buffer.concat(parts);
    expect(bytes.length).toBeGreaterThan(4 * 4096);
    const expected = linesAlone(bytes);
    expect(expected.filter((r) => r.parseError !== undefined).length).toBeGreaterThan(0);
    // One chunk, chunks cut anywhere (inside characters), and one byte at a time.
    const cuts = [[bytes], Array.from({ length: Math.ceil(bytes.length / 777) }, (_, k) => bytes.subarray(k * 777, (k + 1) * 777))];
    for (const chunks of cuts) expect(await collect(chunks)).toEqual(expected);
    expect(await collect([...bytes].map((b) => Buffer.from([b])))).toEqual(expected);
  });

  it('a line over the cap after many short ones in a single chunk is one failure; each short line is read once', async () => {
    const short = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ receiveType: 'user', receiveId: `ou_${i}`, content: '{}' }));
    const text = `${short.join('\n')}\n${'x'.repeat(MAX_LINE_BYTES + 1)}\n${short[0]}\n`;
    const started = Date.now();
    const out = await collect([text]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(out).toHaveLength(3002);
    expect(out[3000]!.parseError).toMatch(/^line 3001 is 16777217 bytes, longer than the 16 MB a line may have/);
    expect(out[3001]!.line).toBe(3002);
    expect(out.filter((r) => r.value !== undefined)).toHaveLength(3001);
  });
});

describe('long lines', () => {
  /** The text cut into 64 KB chunks, as a file stream hands it over. */
  function* chunks(text: string): Generator<Buffer> {
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < bytes.length; i += 64 * 1024) yield bytes.subarray(i, i + 64 * 1024);
  }
  const body = (t: string) => JSON.stringify({ receiveType: 'user', receiveId: 'ou_1', content: { text: t } });

  it('a line just under the cap, in many chunks, is read whole', async () => {
    const long = body('é'.repeat(4 * 1024 * 1024)); // 8 MB of UTF-8, cut inside characters
    const out = await collect([...chunks(`${long}\n${body('next')}\n`)]);
    expect(out).toHaveLength(2);
    expect(((out[0]!.value as { content: { text: string } }).content.text).length).toBe(4 * 1024 * 1024);
    expect(out[1]!.line).toBe(2);
  });

  it(`a line over ${MAX_LINE_BYTES} bytes is one failed record naming the cap, and the next line is read`, async () => {
    const tooLong = body('x'.repeat(MAX_LINE_BYTES));
    for (const ending of ['\n', '']) {
      const text = ending === '' ? `${body('first')}\n${tooLong}` : `${tooLong}\n${body('next')}\n`;
      const out = await collect([...chunks(text)]);
      const failed = out.find((r) => r.parseError !== undefined)!;
      expect(failed.parseError).toMatch(/^line \d is \d+ bytes, longer than the 16 MB a line may have/);
      expect(out.filter((r) => r.value !== undefined)).toHaveLength(1);
    }
  });
});
