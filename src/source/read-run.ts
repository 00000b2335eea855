/**
 * A resumable read into JSON Lines (`lark-im read --state FILE --output FILE`): each page's lines are written
 * first, then the state (offset + how many bytes of the output they fill). A run killed between the two
 * leaves lines the state does not cover; the next run cuts the output back to the recorded size before
 * reading on, so across runs every message is in the output exactly once. (On stdout nothing can be cut
 * back: at most the last page may come again, and a consumer de-duplicates by messageId + updateTime.)
 */
import { open, readFile, stat, truncate, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { writeFileAtomically } from '../core/atomic-file.js';
import { ConnectorError } from '../core/errors.js';
import { isRecord } from '../core/is-record.js';
import { parseOffset, type SourceOffset } from './offset.js';
import type { SourceEvent, SourceOp } from './record.js';

const KIND = 'lark-im-read-state';

export interface ReadStateShape {
  kind: typeof KIND;
  version: 1;
  offset: SourceOffset;
  /** The output file and its size when this offset was reached (absent for stdout). */
  output?: { path: string; bytes: number };
}

/** The state file's offset (undefined when the file does not exist yet). */
export async function loadReadState(path: string): Promise<ReadStateShape | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw stateError(`state file ${path} is not valid JSON: delete it to start over`);
  }
  if (!isRecord(raw) || raw.kind !== KIND || raw.version !== 1) throw stateError(`${path} is not a lark-im read state file: pass another --state path`);
  const offset = parseOffset(raw.offset, `state file ${path}`);
  const out = raw.output;
  const output = isRecord(out) && typeof out.path === 'string' && typeof out.bytes === 'number' ? { path: out.path, bytes: out.bytes } : undefined;
  return { kind: KIND, version: 1, offset, ...(output ? { output } : {}) };
}

/** One JSON line per event: op first, then the record's fields. */
export function eventLine(e: SourceEvent): string {
  return JSON.stringify({ op: e.op, ...e.record }) + '\n';
}

export type OpCounts = Record<SourceOp, number>;

/** Where the lines go and how each page is made durable. */
export class JsonlReadOutput {
  readonly counts: OpCounts = { insert: 0, update: 0, delete: 0 };
  private constructor(
    private readonly file: FileHandle | undefined,
    private readonly filePath: string | undefined,
    private bytes: number,
    private readonly stdout: Writable,
    private readonly statePath: string | undefined,
  ) {}

  /**
   * Opens the output ('-' = stdout). With a state: the output the state last recorded is cut back to its
   * recorded size first, and a file output is appended to (a re-run continues it).
   */
  static async open(output: string, statePath: string | undefined, prior: ReadStateShape | undefined, stdout: Writable = process.stdout): Promise<JsonlReadOutput> {
    if (prior?.output) await cutBack(prior.output.path, prior.output.bytes);
    if (output === '-') return new JsonlReadOutput(undefined, undefined, 0, stdout, statePath);
    const path = resolve(output);
    const file = await open(path, statePath ? 'a' : 'w');
    const bytes = (await file.stat()).size;
    return new JsonlReadOutput(file, path, bytes, stdout, statePath);
  }

  /** Writes the page's lines, then (with --state) the offset after them. */
  async page(events: readonly SourceEvent[], offset: SourceOffset): Promise<void> {
    if (events.length > 0) {
      const buf = Buffer.from(events.map(eventLine).join(''), 'utf8');
      if (this.file) {
        await this.file.write(buf);
        this.bytes += buf.length;
      } else {
        await new Promise<void>((ok, fail) => this.stdout.write(buf, (err) => (err ? fail(err) : ok())));
      }
      for (const e of events) this.counts[e.op] += 1;
    }
    if (this.statePath) {
      const shape: ReadStateShape = {
        kind: KIND,
        version: 1,
        offset,
        ...(this.filePath ? { output: { path: this.filePath, bytes: this.bytes } } : {}),
      };
      await writeFileAtomically(this.statePath, JSON.stringify(shape));
    }
  }

  async close(): Promise<void> {
    await this.file?.close();
  }
}

/** Drops the lines a killed run wrote after its last state (only ever shrinks the file). */
async function cutBack(path: string, bytes: number): Promise<void> {
  try {
    if ((await stat(path)).size > bytes) await truncate(path, bytes);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function stateError(message: string): ConnectorError {
  return new ConnectorError({ code: 'INPUT_INVALID', retryable: false, message });
}
