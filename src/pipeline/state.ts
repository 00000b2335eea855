/**
 * The resumable-run state file (`lark-im write --state FILE`): which messages of one input were delivered.
 *
 * A run started again with the same input and state file skips those and sends the rest; the final report
 * still lists every message. Because a skipped message is skipped by the state, not by Lark's one-hour uuid
 * window, nothing is delivered twice even when the second run comes days later.
 *
 * The file is an append-only journal (JSON Lines): a header line, then one `[line, index, uuid, messageId]`
 * line per delivery. Deliveries are appended with group commit: one write + one fdatasync per batch, a batch
 * starting at most every `commitIntervalMs` (30 ms), so a delivery is on disk within that interval plus one
 * fsync of its confirmation, well inside the 100 ms promise. A checkpoint costs what it appends, never the
 * whole run (the previous design rewrote the whole file each time, which grew with the run).
 *
 * Other parts of a run keep their own lines in the same journal (JSON objects with a string `t`, e.g. the
 * record lifecycle's key map, src/pipeline/lifecycle/journal.ts): kept in order, handed back by extras(),
 * appended with the same group commit (so they are on disk as soon as the deliveries beside them).
 *
 * Compaction happens on open: a journal whose last line was torn by a kill, or a version 1 file (one JSON
 * object), is rewritten as a clean journal (temp file, fsync, rename), so a kill at any instant leaves a
 * file that opens.
 */
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { ConnectorError } from '../core/errors.js';
import type { MessageOutcome } from './report/outcome.js';
import { writeFileAtomically } from '../core/atomic-file.js';
import { UUID_SCHEME, type UuidScheme } from '../message/uuid.js';

const KIND = 'lark-im-write-state';
const VERSION = 2;
/** The whole-file format of earlier versions; still read (and compacted into a journal). */
const LEGACY_VERSION = 1;

/** [line, index, uuid, messageId] */
export type DeliveredEntry = [number, number, string, string];
/** A line another part of the run keeps in the journal: a JSON object whose `t` names its kind. */
export type ExtraEntry = { t: string } & Record<string, unknown>;

export interface RunStateOptions {
  /** Least time between the starts of two group commits. Default 30 ms. */
  commitIntervalMs?: number;
  now?: () => number;
  /** Timers of the group commit (injected in specs). */
  setTimer?: (fn: () => void, ms: number) => { unref?(): unknown };
  /** Extra lines to keep when the file is opened (the rest are dropped by compacting it): expired entries. */
  keepExtra?: (entry: ExtraEntry) => boolean;
}

export const DEFAULT_COMMIT_INTERVAL_MS = 30;

/** The state told a position holds another message than the one recorded: the input changed. */
export class StateMismatchError extends ConnectorError {}

export class RunState {
  private readonly delivered = new Map<string, DeliveredEntry>();
  private readonly extraEntries: ExtraEntry[];
  /** Journal lines waiting for the next group commit. */
  private queued: string[] = [];
  private file: FileHandle | undefined;
  private committing: Promise<void> | undefined;
  private timerSet = false;
  private lastCommitStart = -Infinity;
  private failure: unknown;
  private readonly now: () => number;
  private readonly commitIntervalMs: number;
  private readonly setTimer: NonNullable<RunStateOptions['setTimer']>;

  private constructor(
    readonly path: string,
    /**
     * How the recorded uuids were derived (the header's `uuids`; a journal without it is scheme 2): a resume
     * derives them the same way, or every recorded position would look like another message.
     */
    readonly uuidScheme: UuidScheme,
    entries: DeliveredEntry[],
    extras: ExtraEntry[],
    options: RunStateOptions,
  ) {
    for (const e of entries) this.delivered.set(key(e[0], e[1]), e);
    this.extraEntries = extras;
    this.now = options.now ?? Date.now;
    this.commitIntervalMs = options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  }

  /** Opens (and compacts when needed) an existing state file, or starts a new one when it does not exist. */
  static async open(path: string, options: RunStateOptions = {}): Promise<RunState> {
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      // Its folder is the caller's (the CLI proves it writable and makes it first).
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const parsed = text === undefined ? emptyState() : parseState(path, text);
    const keep = options.keepExtra;
    const extras = keep ? parsed.extras.filter((e) => keep(e)) : parsed.extras;
    const state = new RunState(path, parsed.uuidScheme, parsed.entries, extras, options);
    if (extras.length < parsed.extras.length) parsed.clean = false;
    if (!parsed.clean) await state.compact();
    state.file = await open(path, 'a');
    return state;
  }

  /**
   * The state as it is on disk, for reading only (a dry-run): nothing is compacted, created or appended
   * (what is appended stays in memory). A missing file is an empty state.
   */
  static async readOnly(path: string, options: RunStateOptions = {}): Promise<RunState> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      text = '';
    }
    const parsed = text === '' ? emptyState() : parseState(path, text);
    const keep = options.keepExtra;
    const extras = keep ? parsed.extras.filter((e) => keep(e)) : parsed.extras;
    return new RunState(path, parsed.uuidScheme, parsed.entries, extras, options);
  }

  get deliveredCount(): number {
    return this.delivered.size;
  }

  /** Every delivery recorded so far, in the order they were recorded. */
  entries(): DeliveredEntry[] {
    return [...this.delivered.values()];
  }

  /** The other parts' lines, in the order they were appended (those of earlier runs first). */
  extras(): readonly ExtraEntry[] {
    return this.extraEntries;
  }

  /** Appends another part's line with the next group commit (see recordSoon). */
  appendSoon(entry: ExtraEntry): void {
    this.extraEntries.push(entry);
    this.queued.push(JSON.stringify(entry));
    this.scheduleCommit();
  }

  /**
   * The message id when this message was delivered by an earlier run. The uuid must match: a different
   * one at the same position means the input changed, and sending by position would be wrong.
   */
  deliveredBefore(line: number, index: number, uuid: string): string | undefined {
    const entry = this.delivered.get(key(line, index));
    if (!entry) return undefined;
    if (entry[2] !== uuid) {
      throw new StateMismatchError({
        code: 'INPUT_INVALID',
        message:
          `the input differs from the run recorded in ${this.path} (line ${line}[${index}] is not the message that was delivered there): ` +
          'use the same input file, or a new state file for a new input',
      });
    }
    return entry[3];
  }

  /**
   * Records a delivery the moment it is confirmed and commits it with the next group commit (at most
   * commitIntervalMs away), without making the caller wait. A write error is kept and thrown by checkpoint().
   */
  recordSoon(outcome: MessageOutcome): void {
    if (outcome.status !== 'delivered') return;
    const k = key(outcome.line, outcome.index);
    if (this.delivered.has(k)) return;
    const entry: DeliveredEntry = [outcome.line, outcome.index, outcome.uuid, outcome.messageId];
    this.delivered.set(k, entry);
    this.queued.push(JSON.stringify(entry));
    this.scheduleCommit();
  }

  /**
   * Commits what is queued and waits for it (the end of a run). Also checks the journal is still the file
   * at its path: appends to a file removed or replaced mid-run would succeed and be lost.
   */
  async checkpoint(): Promise<void> {
    while (this.committing || (this.queued.length > 0 && this.file)) {
      if (this.committing) await this.committing;
      else await this.commit();
    }
    if (!this.failure && this.file) {
      const file = this.file;
      await Promise.all([file.stat(), stat(this.path)]).then(
        ([ours, there]) => {
          if (ours.ino !== there.ino || ours.dev !== there.dev) this.failure ??= replacedError(this.path);
        },
        (err: unknown) => (this.failure ??= writeError(this.path, err)),
      );
    }
    if (this.failure) throw this.failure;
  }

  /** Waits for a commit under way (starts none): what is queued stays for its due time. */
  async idle(): Promise<void> {
    while (this.committing) await this.committing;
  }

  /** Commits what is queued and closes the file. */
  async close(): Promise<void> {
    try {
      await this.checkpoint();
    } finally {
      const file = this.file;
      this.file = undefined;
      await file?.close();
    }
  }

  /** Trailing edge: a commit starts now if the last one started long enough ago, else when it is due. */
  private scheduleCommit(): void {
    if (this.committing || this.timerSet) return;
    const wait = this.lastCommitStart + this.commitIntervalMs - this.now();
    if (wait <= 0) {
      void this.commit();
      return;
    }
    this.timerSet = true;
    this.setTimer(() => {
      this.timerSet = false;
      if (!this.committing) void this.commit();
    }, wait).unref?.();
  }

  /** One group commit: everything queued so far, one write, one fdatasync. */
  private commit(): Promise<void> {
    const lines = this.queued;
    if (lines.length === 0 || !this.file) return Promise.resolve();
    this.queued = [];
    this.lastCommitStart = this.now();
    const file = this.file;
    this.committing = (async () => {
      try {
        await file.write(lines.join('\n') + '\n');
        await file.datasync();
      } catch (err) {
        this.failure ??= writeError(this.path, err);
      } finally {
        this.committing = undefined;
      }
      // Deliveries that came during this commit go in the next one, as soon as it is due.
      if (this.queued.length > 0) this.scheduleCommit();
    })();
    return this.committing;
  }

  /** Rewrites the file as a clean journal of what is known: temp file, fsync, rename, fsync of the directory. */
  private async compact(): Promise<void> {
    const lines = [
      JSON.stringify({ kind: KIND, version: VERSION, uuids: this.uuidScheme }),
      ...this.entries().map((e) => JSON.stringify(e)),
      ...this.extraEntries.map((e) => JSON.stringify(e)),
    ];
    await writeFileAtomically(this.path, lines.join('\n') + '\n');
  }
}

function key(line: number, index: number): string {
  return `${line}:${index}`;
}

/** A failed write names the user's path and the cause in words (never a temporary file's name). */
function writeError(path: string, err: unknown): ConnectorError {
  const e = err as NodeJS.ErrnoException;
  const why = String(e?.message ?? err).replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  return new ConnectorError({ code: 'INPUT_INVALID', message: `cannot write the state file ${path}${e?.code ? ` (${e.code})` : ''}: ${why}` });
}

function replacedError(path: string): ConnectorError {
  return new ConnectorError({
    code: 'INPUT_INVALID',
    message: `cannot write the state file ${path}: it was replaced during the run, so the deliveries recorded since are not in it`,
  });
}

function notAStateFile(path: string): ConnectorError {
  return new ConnectorError({
    code: 'INPUT_INVALID',
    message: `${path} is not a lark-im state file (version ${VERSION}): pass another --state path`,
  });
}

interface ParsedState {
  entries: DeliveredEntry[];
  extras: ExtraEntry[];
  clean: boolean;
  uuidScheme: UuidScheme;
}

/** A state file that does not exist yet (or is empty): the uuids of its run are derived the current way. */
function emptyState(): ParsedState {
  return { entries: [], extras: [], clean: false, uuidScheme: UUID_SCHEME };
}

/**
 * Entries of a journal (or of a version 1 file). `clean` is false when the file should be compacted: an
 * older format, or a last line torn by a kill (only the last line can be torn: lines are appended in order).
 */
function parseState(path: string, text: string): ParsedState {
  const newline = text.indexOf('\n');
  const first = newline < 0 ? text : text.slice(0, newline);
  let header: { kind?: unknown; version?: unknown; delivered?: unknown; uuids?: unknown };
  try {
    header = JSON.parse(newline < 0 ? text : first) as typeof header;
  } catch {
    if (text.trim() === '') return emptyState();
    throw new ConnectorError({ code: 'INPUT_INVALID', message: `state file ${path} is not valid JSON: delete it to start over` });
  }
  if (header.kind !== KIND) throw notAStateFile(path);
  if (header.version === LEGACY_VERSION) {
    if (!Array.isArray(header.delivered)) throw notAStateFile(path);
    return { entries: (header.delivered as unknown[]).filter(isEntry), extras: [], clean: false, uuidScheme: 2 };
  }
  if (header.version !== VERSION) throw notAStateFile(path);
  // Journals written before the scheme was recorded derived their uuids with scheme 2.
  const scheme = header.uuids ?? 2;
  const uuidScheme: UuidScheme = scheme === 2 || scheme === 3 ? scheme : unknownScheme(path, scheme);
  const entries: DeliveredEntry[] = [];
  const extras: ExtraEntry[] = [];
  const lines = text.slice(first.length + 1).split('\n');
  let clean = text.endsWith('\n');
  lines.forEach((line, i) => {
    if (line === '') return;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      entry = undefined;
    }
    if (isEntry(entry)) entries.push(entry);
    else if (isExtra(entry)) extras.push(entry);
    else if (i === lines.length - 1) clean = false; // torn by a kill mid-append: dropped, the file compacted
    else throw new ConnectorError({ code: 'INPUT_INVALID', message: `state file ${path} is damaged at line ${i + 2}: delete it to start over` });
  });
  return { entries, extras, clean, uuidScheme };
}

/** A journal from a newer version of the connector, whose uuids this one cannot derive. */
function unknownScheme(path: string, scheme: unknown): never {
  throw new ConnectorError({
    code: 'INPUT_INVALID',
    message:
      `state file ${path} records uuids of scheme ${JSON.stringify(scheme)}, which this version of lark-im ` +
      'cannot derive: upgrade lark-im, or pass another --state path',
  });
}

function isExtra(v: unknown): v is ExtraEntry {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { t?: unknown }).t === 'string';
}

function isEntry(v: unknown): v is DeliveredEntry {
  return (
    Array.isArray(v) && v.length === 4 && Number.isSafeInteger(v[0]) && Number.isSafeInteger(v[1]) &&
    typeof v[2] === 'string' && typeof v[3] === 'string'
  );
}
