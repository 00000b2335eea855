/**
 * Retry loop: p-retry drives attempts / shouldRetry / maxRetryTime; the delay is computed and slept here
 * (injected random + clock) so it is exact in tests. p-retry itself is configured to add no delay.
 */
import pRetry from 'p-retry';
import { systemClock, type Clock } from './clock.js';
import { ConnectorError, isRetryable, type ErrorCode } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
  factor: number;
  /** Give up once this much time has passed since the first attempt (a planned wait that would cross it is not taken). */
  maxRetryTimeMs: number;
  /** 'equal' (default): half fixed + half random; 'full': 0..backoff. */
  jitter?: 'full' | 'equal';
}

export const retryPolicies: { standard: RetryPolicy; fast: RetryPolicy; none: RetryPolicy } = {
  /** Production: 6 retries, 0.5 s .. 30 s, at most 2 minutes in all. */
  standard: { retries: 6, minTimeoutMs: 500, maxTimeoutMs: 30_000, factor: 2, maxRetryTimeMs: 120_000, jitter: 'equal' },
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

export interface RetryOptions {
  policy: RetryPolicy;
  clock?: Clock;
  random?: () => number;
  /** Called before each wait. */
  onRetry?: (info: RetryInfo) => void;
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

/** Runs fn until it succeeds, a non-retryable error occurs, retries run out or the time budget would be crossed. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const { policy } = opts;
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const start = clock.now();
  return pRetry(fn, {
    retries: policy.retries,
    // p-retry must not wait by itself: we sleep in shouldRetry on the injected clock.
    minTimeout: 0,
    maxTimeout: 0,
    randomize: false,
    factor: 1,
    // Backstop in real time; the exact budget is checked on the injected clock below.
    maxRetryTime: policy.maxRetryTimeMs > 0 ? policy.maxRetryTimeMs : Number.POSITIVE_INFINITY,
    shouldRetry: async ({ error, attemptNumber }) => {
      if (!isRetryable(error)) return false;
      const err = error as ConnectorError;
      const delayMs = computeDelay(policy, attemptNumber, random, err.retryAfterMs);
      if (clock.now() + delayMs - start > policy.maxRetryTimeMs) return false;
      opts.onRetry?.({ attempt: attemptNumber, code: err.code, delayMs, error: err });
      await clock.sleep(delayMs);
      return true;
    },
  });
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
