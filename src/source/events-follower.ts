/**
 * The source's `events` follower: the long connection for seconds of latency, polls for completeness.
 *
 * - Every connect (the first and each reconnect) is followed by a poll from the offset: events Lark pushed
 *   while no client was connected are not pushed again, the poll reads them.
 * - A reconcile poll runs every reconcileEveryMs while connected: the poll is what moves the offset forward
 *   (events only add to its seen set). Edits have no event: the edit sweep, when due, reads them.
 * - Changes and polls run one at a time (one offset, one writer); an event is acked once applied, or at the
 *   ack deadline when a poll holds the queue (the poll after a restart covers it then).
 * - The endpoint refusing events for the app (no event subscription) ends the follower with `fallback`: the
 *   caller warns and polls instead. Credentials and other hard errors are thrown.
 */
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { ConnectorError, isAppLevel } from '../core/errors.js';
import { LongConnection, type LongConnectionNotice, type LongConnectionOptions } from './long-connection/client.js';
import { changeFromEvent, type EventChange } from './long-connection/event-item.js';

export interface EventsFollowerOptions {
  connection: Omit<LongConnectionOptions, 'handler' | 'onNotice' | 'clock'>;
  clock?: Clock;
  /** Chats to keep; 'all' keeps every chat the events come from. */
  chats: ReadonlySet<string> | 'all';
  /** Applies one change (emit its record, update the offset). */
  apply(change: EventChange): Promise<void>;
  /** Polls every chat from the offset to now. */
  poll(reason: 'connected' | 'reconnected' | 'reconcile'): Promise<void>;
  /** Default 5 minutes. */
  reconcileEveryMs?: number;
  /** The edit sweep (it knows when it is due), asked every sweepCheckEveryMs while connected. */
  sweep?: () => Promise<void>;
  sweepCheckEveryMs?: number;
  /** A poll that failed with a retryable error is tried again after this (events wait behind it). Default 10 s. */
  pollRetryMs?: number;
  onNotice?: (notice: LongConnectionNotice) => void;
}

export type FollowOutcome = { mode: 'stopped' } | { mode: 'fallback'; reason: ConnectorError };

/** isAppLevel without its type guard (a ConnectorError that is not app-level is still one). */
const appLevel = (err: unknown): boolean => isAppLevel(err);

/** Refusals that mean "this app gets no events this way": poll instead. */
const FALLBACK_CODES: ReadonlySet<string> = new Set(['EVENTS_UNAVAILABLE']);

export async function followEvents(opts: EventsFollowerOptions, signal: AbortSignal): Promise<FollowOutcome> {
  const clock = opts.clock ?? systemClock;
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort();
  // An abort that came before the call (a stop while the mode was loading) never fires its event again.
  if (signal.aborted) stop.abort();
  else signal.addEventListener('abort', onOuterAbort, { once: true });
  let failure: unknown;
  let queue: Promise<void> = Promise.resolve();
  /** One task at a time; the first failure stops everything. */
  const serial = (task: () => Promise<void>): Promise<void> => {
    const run = queue.then(async () => {
      if (failure !== undefined) throw failure;
      try {
        await task();
      } catch (err) {
        failure ??= err;
        stop.abort();
        throw err;
      }
    });
    queue = run.catch(() => undefined);
    return run;
  };
  const keeps = (chatId: string): boolean => opts.chats === 'all' || opts.chats.has(chatId);
  /**
   * A poll is retried until it succeeds before anything else is applied: events move the offset forward, so
   * applying them over a gap that was not read yet would skip the gap for good.
   */
  const pollUntilDone = async (reason: 'connected' | 'reconnected' | 'reconcile'): Promise<void> => {
    for (;;) {
      try {
        return await opts.poll(reason);
      } catch (err) {
        if (!(err instanceof ConnectorError) || !err.retryable || stop.signal.aborted) throw err;
        const retryMs = opts.pollRetryMs ?? 10_000;
        opts.onNotice?.({ type: 'warning', message: `the poll after ${reason === 'reconcile' ? 'a reconcile period' : 'connecting'} failed (${err.message}); trying again in ${Math.round(retryMs / 1000)} s` });
        await clock.sleep(retryMs, stop.signal);
        if (stop.signal.aborted) return;
      }
    }
  };

  /** The edit sweep's loop, from the first connect on. */
  const sweepLoop = async (sweep: () => Promise<void>): Promise<void> => {
    const every = opts.sweepCheckEveryMs ?? 10_000;
    for (;;) {
      await clock.sleep(every, stop.signal);
      if (stop.signal.aborted) return;
      if (connection.state !== 'connected') continue;
      await serial(async () => {
        try {
          await sweep();
        } catch (err) {
          // A network blip or Lark busy: the next sweep tries again; anything else stops the follow.
          if (!(err instanceof ConnectorError) || !err.retryable || appLevel(err) || stop.signal.aborted) throw err;
          opts.onNotice?.({ type: 'warning', message: `the edit sweep failed (${err.message}); trying again later` });
        }
      }).catch(() => undefined);
    }
  };
  let sweeping: Promise<void> | undefined;

  const connection = new LongConnection({
    ...opts.connection,
    clock,
    handler: async (event) => {
      const change = changeFromEvent(event);
      if (!change) return;
      const chatId = change.kind === 'message' ? change.item.chat_id : change.chatId;
      if (!keeps(chatId)) return;
      await serial(() => opts.apply(change));
    },
    onNotice: (notice) => {
      opts.onNotice?.(notice);
      if (notice.type === 'state' && notice.state === 'connected') {
        if (opts.sweep) sweeping ??= sweepLoop(opts.sweep);
        void serial(() => pollUntilDone(notice.reconnected ? 'reconnected' : 'connected')).catch(() => undefined);
      }
    },
  });

  const reconcile = (async () => {
    const every = opts.reconcileEveryMs ?? 300_000;
    for (;;) {
      await clock.sleep(every, stop.signal);
      if (stop.signal.aborted) return;
      if (connection.state === 'connected') await serial(() => pollUntilDone('reconcile')).catch(() => undefined);
    }
  })();

  try {
    await connection.run(stop.signal);
  } catch (err) {
    if (err instanceof ConnectorError && FALLBACK_CODES.has(err.code) && failure === undefined) {
      stop.abort();
      await reconcile;
      await sweeping;
      await queue;
      return { mode: 'fallback', reason: err };
    }
    failure ??= err;
  } finally {
    signal.removeEventListener('abort', onOuterAbort);
  }
  stop.abort();
  await reconcile;
  await sweeping;
  await queue;
  if (failure !== undefined) throw failure;
  return { mode: 'stopped' };
}
