/**
 * Reads records from JSON Lines or from one JSON array, as a stream: the input is never held whole, so a
 * file of millions of records runs in constant memory.
 *
 * Each yielded record carries its position (`line`: the line of a JSON Lines file, or the 1-based element
 * number of a JSON array) and either the parsed value or the reason it could not be parsed. A bad line is
 * one failed record, never the end of the run.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface InputRecord {
  /** 1-based line (JSON Lines) or element number (JSON array). */
  line: number;
  value?: unknown;
  parseError?: string;
  /** Set when the record is deliberately not acted on (e.g. a delete event): reported as skipped. */
  skipReason?: string;
}

/** Opens a file, or standard input for '-'. Fails early (before anything is sent) when it cannot be read. */
export async function openInput(path: string): Promise<Readable> {
  if (path === '-') return process.stdin;
  const stream = createReadStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return stream;
}

/** Parses one text chunk of a record; a failure names the problem instead of throwing. */
function toRecord(line: number, text: string): InputRecord {
  try {
    return { line, value: JSON.parse(text) };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { line, parseError: `not valid JSON (${why})` };
  }
}

/**
 * Splits a stream of text into records. The format is decided by the first non-blank line: when that line
 * is not valid JSON on its own and starts with '[', the input is one (pretty-printed) JSON array and its
 * top-level elements are the records; otherwise every non-blank line is a record.
 */
export async function* readRecords(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<InputRecord> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNo = 0;
  let mode: 'unknown' | 'lines' | 'array' = 'unknown';
  let arraySplitter: ArraySplitter | undefined;

  const handleLine = function* (line: string): Generator<InputRecord> {
    lineNo += 1;
    if (mode === 'array') {
      yield* arraySplitter!.push(line + '\n');
      return;
    }
    const text = line.trim();
    if (text === '') return;
    if (mode === 'unknown') {
      const first = toRecord(lineNo, text);
      if (first.parseError && text.startsWith('[')) {
        mode = 'array';
        arraySplitter = new ArraySplitter();
        yield* arraySplitter.push(line + '\n');
        return;
      }
      mode = 'lines';
      yield first;
      return;
    }
    yield toRecord(lineNo, text);
  };

  for await (const chunk of source) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      yield* handleLine(pending.slice(start, newline));
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  if (pending !== '') yield* handleLine(pending);
  // `mode` is changed inside handleLine, which TypeScript's narrowing cannot see.
  if ((mode as string) === 'array') yield* arraySplitter!.end();
}

/**
 * Cuts the top-level elements out of a JSON array text fed in pieces, tracking only nesting depth and
 * strings (so it stays fast), and hands each element to JSON.parse.
 */
class ArraySplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private element = '';
  private elementNo = 0;
  private closed = false;
  private trailing = '';

  *push(text: string): Generator<InputRecord> {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (this.closed) {
        if (ch !== undefined && !/\s/.test(ch)) this.trailing += ch;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.inString = false;
        continue;
      }
      if (ch === '"') this.inString = true;
      else if (ch === '[' || ch === '{') {
        this.depth += 1;
        if (this.depth === 1) start = i + 1; // just inside the outer array
      } else if (ch === ']' || ch === '}') {
        if (this.depth === 1 && ch === ']') {
          yield* this.flush(text.slice(start, i));
          start = i + 1;
          this.closed = true;
        }
        this.depth -= 1;
      } else if (ch === ',' && this.depth === 1) {
        yield* this.flush(text.slice(start, i));
        start = i + 1;
      }
    }
    if (!this.closed && this.depth >= 1) this.element += text.slice(start);
  }

  *end(): Generator<InputRecord> {
    if (!this.closed) {
      if (this.element.trim() !== '') yield* this.flush('');
      this.elementNo += 1;
      yield { line: this.elementNo, parseError: 'the JSON array is not closed: the input ends inside it' };
    } else if (this.trailing !== '') {
      this.elementNo += 1;
      yield { line: this.elementNo, parseError: 'unexpected text after the closing ] of the JSON array' };
    }
  }

  private *flush(tail: string): Generator<InputRecord> {
    const text = (this.element + tail).trim();
    this.element = '';
    if (text === '' && this.elementNo === 0 && this.closed === false) {
      // "[]" or the gap before the first element: nothing to yield.
      return;
    }
    this.elementNo += 1;
    if (text === '') {
      yield { line: this.elementNo, parseError: 'empty element in the JSON array (two commas in a row?)' };
      return;
    }
    yield toRecord(this.elementNo, text);
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
