/**
 * The source lifecycle behind LarkImConnector.batchRead / streamRead: node options (and run overrides) ->
 * a MessageReader on the offset -> one pass over the history (batchRead), or the follow mode (streamRead).
 */
import type { Clock } from '../core/clock.js';
import { followerFor, type FollowerDeps, type SourceMode } from './follower.js';
import { DEFAULT_OVERLAP_MS, initialOffset, parseOffset, type SourceOffset } from './offset.js';
import { parseTimeArg, type SourceNodeOptions } from './options.js';
import { MessageReader, type EmitBatch, type ReaderClient } from './reader.js';

/** Per-run overrides of the node options (the CLI's flags), and what only a run has. */
export interface SourceRunOptions {
  chats?: 'all' | readonly string[];
  /** Used when there is no offset yet (ms). Default: the node option `since`, else the whole history. */
  sinceMs?: number;
  /** Messages created at or after this (ms) are not read. */
  untilMs?: number;
  includeThreads?: boolean;
  mode?: SourceMode;
  pollIntervalMs?: number;
  overlapMs?: number;
  maxThreadsPerChat?: number;
  /** Overrides node.editLookbackMs (0 = no edit sweep). */
  editLookbackMs?: number;
  /** Stop: the page in hand is emitted with its offset, then the call resolves. */
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
  /** Called with the reader once it exists (its chatsRead / chatsFailed, for a summary). */
  onReader?: (reader: MessageReader) => void;
}

/** A fresh offset that starts reading at `ms` (TapData's timestampToStreamOffset). */
export function timestampToStreamOffset(ms: number): SourceOffset {
  return initialOffset(ms);
}

/** The offset to start from: the one handed back, else one at `since` (run option, then node option). */
export function startOffset(offset: unknown, node: SourceNodeOptions, run: SourceRunOptions = {}): SourceOffset {
  if (offset !== undefined && offset !== null) return parseOffset(offset);
  const since = run.sinceMs ?? (node.since !== undefined ? parseTimeArg(node.since) : undefined) ?? 0;
  return initialOffset(since);
}

function reader(
  client: ReaderClient,
  node: SourceNodeOptions,
  offset: SourceOffset,
  run: SourceRunOptions,
  pageSize?: number,
  follow?: { clock: Clock },
): MessageReader {
  const r = new MessageReader(
    client,
    {
      // Only a follow sweeps for edits; a batch read reads each message once, as it is now.
      ...(follow ? { editLookbackMs: run.editLookbackMs ?? node.editLookbackMs, clock: follow.clock } : {}),
      chats: run.chats ?? node.chats,
      includeThreads: run.includeThreads ?? node.includeThreads,
      overlapMs: run.overlapMs ?? DEFAULT_OVERLAP_MS,
      ...(pageSize !== undefined ? { pageSize } : {}),
      ...(run.untilMs !== undefined ? { untilMs: run.untilMs } : {}),
      ...(run.maxThreadsPerChat !== undefined ? { maxThreadsPerChat: run.maxThreadsPerChat } : {}),
      ...(run.onWarning ? { onWarning: run.onWarning } : {}),
    },
    offset,
  );
  run.onReader?.(r);
  return r;
}

/** Reads the history up to now, page by page (batchSize = messages per request, 1..50). Resolves with the offset. */
export async function batchRead(
  client: ReaderClient,
  node: SourceNodeOptions,
  offset: unknown,
  batchSize: number,
  emit: EmitBatch,
  run: SourceRunOptions = {},
): Promise<SourceOffset> {
  const r = reader(client, node, startOffset(offset, node, run), run, batchSize);
  await r.pass(emit, run.signal);
  return r.offset();
}

/** Follows new messages (poll or events) until run.signal aborts. Resolves with the offset. */
export async function streamRead(
  client: ReaderClient,
  node: SourceNodeOptions,
  offset: unknown,
  emit: EmitBatch,
  deps: Omit<FollowerDeps, 'clock'> & { clock: Clock },
  run: SourceRunOptions = {},
): Promise<SourceOffset> {
  const r = reader(client, node, startOffset(offset, node, run), run, undefined, { clock: deps.clock });
  const warn = run.onWarning ?? (() => undefined);
  const follower = followerFor(run.mode ?? node.mode, deps, warn);
  const signal = run.signal ?? new AbortController().signal;
  await follower.run({ reader: r, emit, signal, clock: deps.clock, pollIntervalMs: run.pollIntervalMs ?? node.pollIntervalMs, warn });
  return r.offset();
}
