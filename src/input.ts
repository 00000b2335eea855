/**
 * Reads records from JSON Lines or from one JSON array, as a stream: the input is never held whole, so a
 * file of millions of records runs in constant memory.
 *
 * Each yielded record carries its position (`line`: the line of a JSON Lines file, or the 1-based element
 * number of a JSON array) and either the parsed value or the reason it could not be parsed. A bad line is
 * one failed record, never the end of the run.
 */
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { errorMessage } from './core/errors.js';

export interface InputRecord {
  /** 1-based line (JSON Lines) or element number (JSON array). */
  line: number;
  value?: unknown;
  parseError?: string;
  /** Set when the record is deliberately not acted on (e.g. a delete event): reported as skipped. */
  skipReason?: string;
}

/**
 * Bytes per read of an input file (FileChunks reads the next piece while this one is parsed, so the thread
 * pool's round trip is not waited for). It is also the block of a dry-run on worker threads: 64 KB blocks
 * hold 2 to 3 MB less in flight than 128 KB ones, in the same time (docs/BENCHMARKS.md, 2026-12-03).
 */
export const INPUT_READ_BYTES = 64 * 1024;

/**
 * Opens a file, or standard input for '-', as the pieces readRecords takes. Fails early (before anything is
 * sent) when it cannot be read. A file's pieces are only valid until the next one is asked for (see FileChunks).
 */
export async function openInput(path: string): Promise<AsyncIterable<Buffer | string>> {
  if (path === '-') return process.stdin;
  // A folder opens fine and fails on the first read, far from here and without its path.
  if ((await stat(path)).isDirectory()) {
    throw Object.assign(new Error(`EISDIR: illegal operation on a directory, open '${path}'`), { code: 'EISDIR', syscall: 'open', path });
  }
  return new FileChunks(await open(path, 'r'));
}

/**
 * A file read into two buffers that take turns: while one piece is being split into records, the next is
 * being read into the other. A read stream allocates a new buffer per read instead, and the read ones wait
 * for a garbage collection to be freed: megabytes of RSS over a long run. So a piece is valid only until the
 * next is asked for; readRecordBatches copies what it keeps (the start of a line a piece ends inside). The
 * file is closed at its end, or when the reader stops early.
 */
class FileChunks implements AsyncIterable<Buffer> {
  constructor(private readonly file: FileHandle) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    const buffers = [Buffer.allocUnsafeSlow(INPUT_READ_BYTES), Buffer.allocUnsafeSlow(INPUT_READ_BYTES)] as const;
    let turn = 0;
    let reading = this.file.read(buffers[0], 0, INPUT_READ_BYTES, null);
    try {
      for (;;) {
        const { bytesRead } = await reading;
        if (bytesRead === 0) return;
        const piece = buffers[turn]!.subarray(0, bytesRead);
        turn ^= 1;
        reading = this.file.read(buffers[turn]!, 0, INPUT_READ_BYTES, null);
        yield piece;
      }
    } finally {
      // A reader that stopped early leaves a read under way: it must end before the file closes.
      await reading.catch(() => undefined);
      await this.file.close();
    }
  }
}

/** Parses one text chunk of a record; a failure names the problem instead of throwing. */
export function toRecord(line: number, text: string): InputRecord {
  try {
    return { line, value: JSON.parse(text) };
  } catch (err) {
    const why = errorMessage(err);
    return { line, parseError: `not valid JSON (${why})` };
  }
}

/**
 * Splits a stream of text into records. The format is decided by the first non-blank line: when that line
 * is not valid JSON on its own and starts with '[', the input is one (pretty-printed) JSON array and its
 * top-level elements are the records; when it starts with '{', the input is pretty-printed JSON objects (a
 * .json file holding one message) and each object is a record; otherwise every non-blank line is a record.
 *
 * Bytes are split at '\n' before decoding, and about 4 KB of whole lines are decoded at a time ('\n' never
 * occurs inside a UTF-8 sequence, so each line decodes exactly as decoding the whole stream would, an unfinished
 * sequence at its end included). Decoding whole 64 KB chunks into one string keeps that string alive through
 * every young-generation GC of a long run, which makes V8 grow the young generation to its maximum (RSS).
 */
export async function* readRecords(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<InputRecord> {
  for await (const batch of readRecordBatches(source)) yield* batch;
}

/**
 * The longest line read (16 MiB): far above Lark's largest message (150 KB), so only a broken file or a
 * whole JSON array on one line gets there. Such a line is one failed record; the run goes on.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export function overlongMessage(line: number, bytes: number): string {
  return (
    `line ${line} is ${bytes} bytes, longer than the ${MAX_LINE_BYTES / 1024 / 1024} MB a line may have: ` +
    'put one message per line (JSON Lines), or one array element per line'
  );
}

interface Carry {
  parts: Buffer[];
  bytes: number;
  overlong: boolean;
}
const emptyCarry = (): Carry => ({ parts: [], bytes: 0, overlong: false });

/**
 * Input bytes decoded into one string at a time, whole lines, from which the lines are sliced (here and in a
 * dry-run's block renderer): a decoding per line is a native call each, and a whole 64 KB chunk's string
 * outlived young-generation GCs (a million-record dry-run: 98 MB peak instead of 87).
 */
export const DECODE_BYTES = 4096;

/** Records per batch of readRecordBatches: few enough that a batch is not worth keeping through a GC. */
const BATCH_RECORDS = 16;

/**
 * readRecords in small batches, for a consumer that takes them in bulk (MessageWriter): an async
 * generator step per record is a promise per record on the hot path. A batch never waits for more input:
 * what a chunk of input completes is yielded before the next chunk is read.
 */
export async function* readRecordBatches(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<InputRecord[]> {
  let lineNo = 0;
  let mode: 'unknown' | 'lines' | 'array' | 'objects' = 'unknown';
  let arraySplitter: ArraySplitter | undefined;
  let objectSplitter: ObjectSplitter | undefined;
  /** Bytes of a line that started in an earlier chunk. */
  let carry = emptyCarry();
  /** Records parsed and not yet yielded: a plain function call per line, no generator. */
  let out: InputRecord[] = [];

  const handleLine = (line: string): void => {
    lineNo += 1;
    if (mode === 'array') {
      arraySplitter!.push(line + '\n', out);
      return;
    }
    if (mode === 'objects') {
      objectSplitter!.push(line, lineNo, out);
      return;
    }
    const text = line.trim();
    if (text === '') return;
    if (mode === 'unknown') {
      const first = toRecord(lineNo, text);
      if (first.parseError && text.startsWith('[')) {
        mode = 'array';
        arraySplitter = new ArraySplitter();
        arraySplitter.push(line + '\n', out);
        return;
      }
      if (first.parseError && text.startsWith('{')) {
        mode = 'objects';
        objectSplitter = new ObjectSplitter();
        objectSplitter.push(line, lineNo, out);
        return;
      }
      mode = 'lines';
      out.push(first);
      return;
    }
    out.push(toRecord(lineNo, text));
  };

  /** A line longer than MAX_LINE_BYTES: its bytes are dropped as they come, and one failure reports it. */
  const handleOverlong = (bytes: number): void => {
    lineNo += 1;
    out.push({ line: lineNo, parseError: overlongMessage(lineNo, bytes) });
  };

  for await (const piece of source) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    let start = 0;
    let newline = chunk.indexOf(0x0a);
    if (carry.bytes > 0 && newline >= 0) {
      // Only the one line that straddles the boundary is copied, once.
      const bytes = carry.bytes + newline;
      if (carry.overlong || bytes > MAX_LINE_BYTES) handleOverlong(bytes);
      else handleLine(Buffer.concat([...carry.parts, chunk.subarray(0, newline)], bytes).toString('utf8'));
      carry = emptyCarry();
      start = newline + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    while (newline >= 0) {
      // The whole lines of about DECODE_BYTES, decoded at once (a decoding per line is a native call each).
      const far = start + DECODE_BYTES < chunk.length ? chunk.indexOf(0x0a, start + DECODE_BYTES) : -1;
      const groupEnd = far >= 0 ? far : chunk.lastIndexOf(0x0a);
      if (groupEnd - start > MAX_LINE_BYTES) {
        // One of its lines may be too long to be a record: each is measured in bytes and decoded alone.
        while (newline >= 0 && newline <= groupEnd) {
          if (out.length >= BATCH_RECORDS) {
            yield out;
            out = [];
          }
          if (newline - start > MAX_LINE_BYTES) handleOverlong(newline - start);
          else handleLine(chunk.toString('utf8', start, newline));
          start = newline + 1;
          newline = chunk.indexOf(0x0a, start);
        }
        continue;
      }
      const group = chunk.toString('utf8', start, groupEnd);
      for (let from = 0; ; ) {
        // Small batches, not a whole chunk's records (~100 KB of objects): those would outlive GCs.
        if (out.length >= BATCH_RECORDS) {
          yield out;
          out = [];
        }
        const end = group.indexOf('\n', from);
        handleLine(end < 0 ? group.slice(from) : group.slice(from, end));
        if (end < 0) break;
        from = end + 1;
      }
      start = groupEnd + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) {
      // The pieces of a long line are kept as a list and joined once at its end: joining at every chunk
      // copies the line again per chunk (quadratic in its length). Copied: a subarray would
      // pin the whole chunk (the stream hands out slices of a shared pool).
      carry.bytes += chunk.length - start;
      if (carry.bytes > MAX_LINE_BYTES) {
        carry.overlong = true;
        carry.parts = [];
      } else {
        carry.parts.push(Buffer.from(chunk.subarray(start)));
      }
    }
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  if (carry.overlong) handleOverlong(carry.bytes);
  else if (carry.bytes > 0) handleLine(Buffer.concat(carry.parts, carry.bytes).toString('utf8'));
  // `mode` is changed inside handleLine, which TypeScript's narrowing cannot see.
  if ((mode as string) === 'array') arraySplitter!.end(out);
  if ((mode as string) === 'objects') objectSplitter!.end(out);
  if (out.length > 0) yield out;
}

/**
 * Where a character-by-character scan of JSON text stands with respect to strings, for the splitters below:
 * their structure (brackets, commas) counts only outside strings.
 */
class StringTracker {
  private inString = false;
  private escaped = false;

  /** Takes the next character; true when it belongs to a string (its quotes included), not to the structure. */
  take(ch: string): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (ch === '\\') this.escaped = true;
      else if (ch === '"') this.inString = false;
      return true;
    }
    if (ch !== '"') return false;
    this.inString = true;
    return true;
  }
}

/**
 * Cuts the top-level elements out of a JSON array text fed in pieces, tracking only nesting depth and
 * strings (so it stays fast), and hands each element to JSON.parse.
 */
class ArraySplitter {
  private depth = 0;
  private readonly strings = new StringTracker();
  private element = '';
  private elementNo = 0;
  private closed = false;
  private trailing = '';

  push(text: string, out: InputRecord[]): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (this.closed) {
        if (ch !== undefined && !/\s/.test(ch)) this.trailing += ch;
        continue;
      }
      if (this.strings.take(ch!)) continue;
      if (ch === '[' || ch === '{') {
        this.depth += 1;
        if (this.depth === 1) start = i + 1; // just inside the outer array
      } else if (ch === ']' || ch === '}') {
        if (this.depth === 1 && ch === ']') {
          this.flush(text.slice(start, i), out);
          start = i + 1;
          this.closed = true;
        }
        this.depth -= 1;
      } else if (ch === ',' && this.depth === 1) {
        this.flush(text.slice(start, i), out);
        start = i + 1;
      }
    }
    if (!this.closed && this.depth >= 1) this.element += text.slice(start);
  }

  end(out: InputRecord[]): void {
    if (!this.closed) {
      if (this.element.trim() !== '') this.flush('', out);
      this.elementNo += 1;
      out.push({ line: this.elementNo, parseError: 'the JSON array is not closed: the input ends inside it' });
    } else if (this.trailing !== '') {
      this.elementNo += 1;
      out.push({ line: this.elementNo, parseError: 'unexpected text after the closing ] of the JSON array' });
    }
  }

  private flush(tail: string, out: InputRecord[]): void {
    const text = (this.element + tail).trim();
    this.element = '';
    if (text === '' && this.elementNo === 0 && this.closed === false) {
      // "[]" or the gap before the first element: nothing to yield.
      return;
    }
    this.elementNo += 1;
    if (text === '') {
      out.push({ line: this.elementNo, parseError: 'empty element in the JSON array (two commas in a row?)' });
      return;
    }
    out.push(toRecord(this.elementNo, text));
  }
}

/**
 * Pretty-printed JSON objects one after another (most often a .json file holding one message): each object,
 * however many lines it spans, is one record numbered by the line it starts on. Tracks nesting and strings only.
 */
class ObjectSplitter {
  private depth = 0;
  private readonly strings = new StringTracker();
  private text = '';
  private startLine = 0;

  push(line: string, lineNo: number, out: InputRecord[]): void {
    let start = 0;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (this.depth === 0) {
        if (ch === '{') {
          this.depth = 1;
          this.startLine = lineNo;
          this.text = '';
          start = i;
        } else if (!/\s/.test(ch)) {
          out.push({ line: lineNo, parseError: 'text outside the JSON objects: give one JSON object per message, or one message per line (JSON Lines)' });
          return;
        }
        continue;
      }
      if (this.strings.take(ch)) continue;
      if (ch === '{' || ch === '[') this.depth += 1;
      else if (ch === '}' || ch === ']') {
        this.depth -= 1;
        if (this.depth === 0) {
          out.push(toRecord(this.startLine, this.text + line.slice(start, i + 1)));
          this.text = '';
        }
      }
    }
    if (this.depth > 0) this.text += line.slice(start) + '\n';
  }

  end(out: InputRecord[]): void {
    if (this.depth > 0) out.push({ line: this.startLine, parseError: `the JSON object that starts on line ${this.startLine} is not closed: the input ends inside it` });
  }
}

/** Counts the non-blank lines of a file quickly, for a progress bar's total; undefined when unknown. */
export async function countLines(path: string): Promise<number | undefined> {
  if (path === '-') return undefined;
  let count = 0;
  let inLine = false;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 0x0a) {
        if (inLine) count += 1;
        inLine = false;
      } else if (b !== 0x20 && b !== 0x0d && b !== 0x09) inLine = true;
    }
  }
  return inLine ? count + 1 : count;
}
