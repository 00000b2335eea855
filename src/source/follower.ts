/**
 * streamRead's follow modes. `poll` reads every container again each interval (the overlap and the offset's
 * seen set make that exactly once). `events` (Lark's long connection) plugs in through FOLLOWERS: until it
 * is registered, or when the app cannot use it, the source falls back to poll with a warning.
 */
import type { Clock } from '../core/clock.js';
import { ConnectorError, isAppLevel } from '../core/errors.js';
import type { EmitBatch, MessageReader } from './reader.js';
import { EventsFollower } from './events-mode.js';

export const SOURCE_MODES = ['poll', 'events'] as const;
export type SourceMode = (typeof SOURCE_MODES)[number];

export interface FollowContext {
  reader: MessageReader;
  emit: EmitBatch;
  /** Aborted = stop after the page in hand (its offset is emitted). */
  signal: AbortSignal;
  clock: Clock;
  pollIntervalMs: number;
  warn: (message: string) => void;
}

export interface Follower {
  readonly mode: SourceMode;
  /** Follows until ctx.signal aborts; rejects on an error that stops the run. */
  run(ctx: FollowContext): Promise<void>;
}

/** The app's credentials and endpoint, for a follower that opens its own connection (events). */
export interface FollowerDeps {
  appId: string;
  appSecret: string;
  baseUrl: string;
  clock: Clock;
  /** The config's proxy URL (the long connection goes through it too). */
  proxy?: string;
}

/**
 * A factory per mode: a Follower, or {unavailable: why} (the caller then falls back to poll and warns with
 * the reason). The events mode's factory replaces the placeholder in this table.
 */
export type FollowerFactory = (deps: FollowerDeps) => Follower | { unavailable: string };

export const FOLLOWERS: Record<SourceMode, FollowerFactory> = {
  poll: () => new PollFollower(),
  events: (deps) => {
    const events = new EventsFollower<EmitBatch>(deps);
    return { mode: 'events', run: (ctx) => events.run(ctx, (c) => new PollFollower().run(c)) };
  },
};

/** The follower for a mode, or poll with a warning when the mode is unavailable. */
export function followerFor(mode: SourceMode, deps: FollowerDeps, warn: (message: string) => void): Follower {
  const made = FOLLOWERS[mode](deps);
  if ('run' in made) return made;
  warn(`mode ${mode} unavailable (${made.unavailable}): falling back to poll`);
  return new PollFollower();
}

/** isAppLevel without its type guard (a ConnectorError that is not app-level is still one). */
const stopsTheRun = (err: unknown): boolean => isAppLevel(err);

/** The wait before the first probe of a host that stopped answering; doubled per probe up to the cap. */
export const OUTAGE_FIRST_WAIT_MS = 1000;
/** The longest wait between two probes of a host that does not answer. */
export const OUTAGE_MAX_WAIT_MS = 30_000;

/**
 * Reads again every interval, with the edit sweep when it is due. A pass that fails with a retryable error
 * that is not app-level (a network blip or Lark busy after the client's own retries) is reported and tried
 * again at the next interval.
 * A host that stopped answering (ENDPOINT_UNREACHABLE) does not end a follower: it says so once, probes
 * again with capped backoff for as long as it runs, and says when Lark is back; the next pass reads on from
 * the offset, so nothing posted meanwhile is skipped or repeated. Any other app-level error (credentials,
 * app disabled) or a non-retryable one ends the run.
 */
export class PollFollower implements Follower {
  readonly mode = 'poll' as const;

  async run(ctx: FollowContext): Promise<void> {
    let outage: { since: number; waitMs: number } | undefined;
    while (!ctx.signal.aborted) {
      let waitMs = ctx.pollIntervalMs;
      try {
        await ctx.reader.pass(ctx.emit, ctx.signal);
        if (outage) {
          const s = Math.round((ctx.clock.now() - outage.since) / 1000);
          ctx.warn(`Lark answers again (${s} s after it was found unreachable): reading on from where it was`);
          outage = undefined;
        }
        await ctx.reader.sweepIfDue(ctx.emit, ctx.signal);
      } catch (err) {
        if (ctx.signal.aborted || !(err instanceof ConnectorError)) throw err;
        if (err.code === 'ENDPOINT_UNREACHABLE') {
          if (outage) outage.waitMs = Math.min(outage.waitMs * 2, OUTAGE_MAX_WAIT_MS);
          else {
            outage = { since: ctx.clock.now(), waitMs: OUTAGE_FIRST_WAIT_MS };
            ctx.warn(`${err.message.split(': check')[0]}; still following: probing again with backoff up to ` +
              `${OUTAGE_MAX_WAIT_MS / 1000} s for as long as it runs`);
          }
          waitMs = outage.waitMs;
          ctx.reader.probeAgain();
        } else {
          if (!err.retryable || stopsTheRun(err)) throw err;
          ctx.warn(`poll failed (${err.code}: ${err.message}); trying again in ${ctx.pollIntervalMs} ms`);
        }
      }
      await ctx.clock.sleep(waitMs, ctx.signal);
    }
  }
}
