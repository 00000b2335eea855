/**
 * The resumable-run state file (`lark-im write --state FILE`).
 *
 * It records which input messages were delivered (position, uuid, message id). A run started again with
 * the same input and state file skips those and sends the rest; the final report still lists every message.
 * Because a skipped message is skipped by the state, not by Lark's one-hour uuid window, nothing is
 * delivered twice even when the second run comes days later. What was in flight when a run died is sent
 * again with the same uuid, which Lark de-duplicates within the hour.
 *
 * Each checkpoint writes a whole new file next to the old one, fsyncs it and renames it over the old one,
 * so a kill at any instant leaves either the previous state or the new one, never a torn file.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { ConnectorError } from '../lark/errors.js';
import type { MessageOutcome } from './outcome.js';

const KIND = 'lark-im-write-state';
const VERSION = 1;

/** [line, index, uuid, messageId] */
type DeliveredEntry = [number, number, string, string];

interface StateFileShape {
  kind: typeof KIND;
  version: number;
  updatedAt: string;
  delivered: DeliveredEntry[];
}

export interface RunStateOptions {
  /** Minimum time between two checkpoints; a slow disk stretches it (see checkpointDue). */
  minIntervalMs?: number;
  now?: () => number;
}

export class RunState {
  private readonly delivered = new Map<string, DeliveredEntry>();
  private dirty = false;
  private lastWrite = 0;
  private lastWriteCost = 0;
  private writing: Promise<void> | undefined;
  private failure: unknown;
  private readonly now: () => number;
  private readonly minIntervalMs: number;

  private constructor(
    readonly path: string,
    entries: DeliveredEntry[],
    options: RunStateOptions,
  ) {
    for (const e of entries) this.delivered.set(key(e[0], e[1]), e);
    this.now = options.now ?? Date.now;
    this.minIntervalMs = options.minIntervalMs ?? 200;
  }

  /** Opens an existing state file, or starts an empty one when the file does not exist. */
  static async open(path: string, options: RunStateOptions = {}): Promise<RunState> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        await mkdir(dirname(path), { recursive: true });
        return new RunState(path, [], options);
      }
      throw err;
    }
    return new RunState(path, parseState(path, text), options);
  }

  get deliveredCount(): number {
    return this.delivered.size;
  }

  /**
   * The message id when this message was delivered by an earlier run. The uuid must match: a different
   * one at the same position means the input changed, and sending by position would be wrong.
   */
  deliveredBefore(line: number, index: number, uuid: string): string | undefined {
    const entry = this.delivered.get(key(line, index));
    if (!entry) return undefined;
    if (entry[2] !== uuid) {
      throw new ConnectorError({
        code: 'INPUT_INVALID',
        message:
          `the input differs from the run recorded in ${this.path} (line ${line}[${index}] is not the message that was delivered there): ` +
          'use the same input file, or a new state file for a new input',
      });
    }
    return entry[3];
  }

  private record(outcome: MessageOutcome): void {
    if (outcome.status !== 'delivered') return;
    const k = key(outcome.line, outcome.index);
    if (this.delivered.has(k)) return;
    this.delivered.set(k, [outcome.line, outcome.index, outcome.uuid, outcome.messageId]);
    this.dirty = true;
  }

  /**
   * Records a delivery the moment it is confirmed (not when the ordered report reaches it) and writes the
   * file when enough time has passed, without making the caller wait. A slow disk stretches the interval
   * so checkpoints cost at most ~10% of the run. A write error is kept and thrown by the next checkpoint().
   */
  recordSoon(outcome: MessageOutcome): void {
    this.record(outcome);
    const interval = Math.max(this.minIntervalMs, this.lastWriteCost * 10);
    if (!this.dirty || this.writing || this.now() - this.lastWrite < interval) return;
    this.checkpoint().catch((err: unknown) => (this.failure ??= err));
  }

  /** Writes now (waits for a write already under way first). */
  async checkpoint(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure) throw this.failure;
    if (!this.dirty && this.lastWrite > 0) return;
    this.writing = this.writeAtomically().finally(() => (this.writing = undefined));
    await this.writing;
  }

  /** A failed write names the user's path and the cause, not the temporary file's name. */
  private async writeAtomically(): Promise<void> {
    try {
      await this.replaceFile();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new ConnectorError({
        code: 'INPUT_INVALID',
        message: `cannot write the state file ${this.path}${e.code ? ` (${e.code})` : ''}: ${e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`,
      });
    }
  }

  private async replaceFile(): Promise<void> {
    const started = this.now();
    this.dirty = false;
    const shape: StateFileShape = {
      kind: KIND,
      version: VERSION,
      updatedAt: new Date().toISOString(),
      delivered: [...this.delivered.values()],
    };
    const tmp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.tmp`);
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(JSON.stringify(shape));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.path);
    await syncDirectory(dirname(this.path));
    this.lastWrite = this.now();
    this.lastWriteCost = this.lastWrite - started;
  }
}

function key(line: number, index: number): string {
  return `${line}:${index}`;
}

function parseState(path: string, text: string): DeliveredEntry[] {
  let shape: Partial<StateFileShape>;
  try {
    shape = JSON.parse(text) as Partial<StateFileShape>;
  } catch {
    throw new ConnectorError({ code: 'INPUT_INVALID', message: `state file ${path} is not valid JSON: delete it to start over` });
  }
  if (shape.kind !== KIND || shape.version !== VERSION || !Array.isArray(shape.delivered)) {
    throw new ConnectorError({
      code: 'INPUT_INVALID',
      message: `${path} is not a lark-im state file (version ${VERSION}): pass another --state path`,
    });
  }
  return shape.delivered;
}

/** Makes the rename itself durable (POSIX: the directory entry lives in the directory's data). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}
