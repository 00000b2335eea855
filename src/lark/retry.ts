/**
 * Retries on p-retry: exponential backoff with jitter on the injected clock and random source, Lark's
 * x-ogw-ratelimit-reset / Retry-After as the least wait, time queued for a pacer slot outside the budget, and
 * a backoff sleep that ends at once on abort.
 */
import pRetry from 'p-retry';
import { systemClock, type Clock } from '../core/clock.js';
import { ConnectorError, interruptedError, isRetryable, type ErrorCode } from '../core/errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
  factor: number;
  /**
   * Give up once this much time has passed since the first attempt (a planned wait that would cross it is not
   * taken). Time spent queued for a pacer slot does not count (see RetryContext.exclude).
   */
  maxRetryTimeMs: number;
  /** 'equal' (default): half fixed + half random; 'full': 0..backoff. */
  jitter?: 'full' | 'equal';
}

export const retryPolicies: { standard: RetryPolicy; probe: RetryPolicy; fast: RetryPolicy; none: RetryPolicy } = {
  /** Production: 6 retries, 0.5 s .. 30 s, at most 2 minutes in all. */
  standard: { retries: 6, minTimeoutMs: 500, maxTimeoutMs: 30_000, factor: 2, maxRetryTimeMs: 120_000, jitter: 'equal' },
  /** Connection tests: one quick retry, so a dead host is reported in seconds, not minutes. */
  probe: { retries: 1, minTimeoutMs: 300, maxTimeoutMs: 1000, factor: 2, maxRetryTimeMs: 3000, jitter: 'equal' },
  /** Tests: same shape, milliseconds. */
  fast: { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 5, factor: 2, maxRetryTimeMs: 5_000, jitter: 'equal' },
  none: { retries: 0, minTimeoutMs: 0, maxTimeoutMs: 0, factor: 1, maxRetryTimeMs: 0, jitter: 'equal' },
};

export interface RetryInfo {
  /** The attempt that just failed (1 = first). */
  attempt: number;
  code: ErrorCode;
  delayMs: number;
  error: ConnectorError;
}

/** Handed to each attempt. */
export interface RetryContext {
  /** This much of the attempt was spent waiting in a queue (a pacer slot): it does not count against maxRetryTimeMs. */
  exclude(ms: number): void;
}

export interface RetryOptions {
  policy: RetryPolicy;
  clock?: Clock;
  random?: () => number;
  /** Called before each wait. */
  onRetry?: (info: RetryInfo) => void;
  /**
   * Abort ends a backoff sleep at once and rejects: with the signal's reason when it is a ConnectorError (e.g.
   * ENDPOINT_UNREACHABLE), else with INTERRUPTED. Only read when a retry is due, so it costs nothing on success.
   */
  signals?: () => Array<AbortSignal | undefined>;
  /**
   * When policy.retries are used up: ms to wait for one more attempt, or undefined to give up. While the whole
   * endpoint looks down, a message waits for the verdict (see EndpointHealth) instead of failing on its own
   * count. The wait must still fit in maxRetryTimeMs.
   */
  lastChance?: (error: ConnectorError) => number | undefined;
}

/**
 * Delay before retry number `retry` (1-based): exponential backoff with jitter;
 * never shorter than the server's retryAfterMs (plus a little jitter so workers don't wake together).
 */
export function computeDelay(policy: RetryPolicy, retry: number, random: () => number, retryAfterMs?: number): number {
  const base = Math.min(policy.maxTimeoutMs, policy.minTimeoutMs * policy.factor ** Math.max(0, retry - 1));
  const r = clamp01(random());
  const backoff = policy.jitter === 'full' ? base * r : base / 2 + (base / 2) * r;
  const floor = retryAfterMs === undefined ? 0 : retryAfterMs + policy.minTimeoutMs * clamp01(random());
  return Math.round(Math.max(backoff, floor));
}

/**
 * Runs fn until it succeeds, a non-retryable error occurs, retries run out or the time budget would be crossed.
 * p-retry drives the attempts; it is set to wait nothing itself (minTimeout 0): onFailedAttempt plans the
 * retry (backoff, Lark's reset header, the budget without queue time, the endpoint's last chance) and sleeps
 * it on the injected clock, ending at once on abort; shouldRetry then says whether a retry was planned.
 */
export async function withRetry<T>(fn: (attempt: number, ctx: RetryContext) => Promise<T>, opts: RetryOptions): Promise<T> {
  const { policy } = opts;
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const start = clock.now();
  let excluded = 0;
  const ctx: RetryContext = {
    exclude: (ms) => {
      if (ms > 0) excluded += ms;
    },
  };
  let retrying = false;
  return pRetry((attempt) => fn(attempt, ctx), {
    // One more than the policy's: the endpoint's last chance (lastChance) may take it.
    retries: policy.retries + 1,
    minTimeout: 0,
    maxTimeout: 0,
    factor: 1,
    randomize: false,
    onFailedAttempt: async ({ error, attemptNumber: attempt }) => {
      retrying = false;
      if (!isRetryable(error)) return;
      const err = error as ConnectorError;
      const extra = attempt > policy.retries ? opts.lastChance?.(err) : 0;
      if (extra === undefined || attempt > policy.retries + 1) return;
      const delayMs = attempt > policy.retries ? Math.max(1, Math.ceil(extra)) : computeDelay(policy, attempt, random, err.retryAfterMs);
      if (clock.now() - start - excluded + delayMs > policy.maxRetryTimeMs) return;
      const signals = (opts.signals?.() ?? []).filter((x): x is AbortSignal => x !== undefined);
      throwIfAborted(signals);
      opts.onRetry?.({ attempt, code: err.code, delayMs, error: err });
      await sleepUnlessAborted(clock, delayMs, signals);
      throwIfAborted(signals);
      retrying = true;
    },
    shouldRetry: () => retrying,
  });
}

/** Sleeps on the clock; any of the signals aborting ends the sleep at once. Listeners are removed after. */
async function sleepUnlessAborted(clock: Clock, ms: number, signals: AbortSignal[]): Promise<void> {
  if (signals.length === 0) return clock.sleep(ms);
  const ctl = new AbortController();
  const onAbort = (): void => ctl.abort();
  for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  try {
    await clock.sleep(ms, ctl.signal);
  } finally {
    for (const s of signals) s.removeEventListener('abort', onAbort);
  }
}

function throwIfAborted(signals: AbortSignal[]): void {
  const aborted = signals.find((s) => s.aborted);
  if (!aborted) return;
  if (aborted.reason instanceof ConnectorError) throw aborted.reason;
  throw interruptedError('the run was stopped while this message waited to be retried');
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
