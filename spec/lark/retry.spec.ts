import { describe, expect, it } from 'vitest';
import { LarkError } from '../../src/lark/errors.js';
import { ValidationError } from '../../src/core/errors.js';
import { computeDelay, retryPolicies, withRetry, type RetryInfo, type RetryPolicy } from '../../src/lark/retry.js';
import { FAKE_EPOCH, FakeClock } from '../helpers/fake-clock.js';

const P: RetryPolicy = { retries: 5, minTimeoutMs: 100, maxTimeoutMs: 1000, factor: 2, maxRetryTimeMs: 60_000, jitter: 'equal' };
const retryable = (extra: Partial<ConstructorParameters<typeof LarkError>[0]> = {}) =>
  new LarkError({ code: 'SERVER_ERROR', message: 'boom', retryable: true, ...extra });

/** fn failing `failures` times with err(), then returning 'ok'. */
function flaky(failures: number, err: () => Error = () => retryable()) {
  const calls: number[] = [];
  const fn = async (attempt: number) => {
    calls.push(attempt);
    if (calls.length <= failures) throw err();
    return 'ok';
  };
  return { fn, calls };
}

describe('computeDelay', () => {
  it('equal jitter: half fixed, half random, exponential, capped', () => {
    expect(computeDelay(P, 1, () => 0)).toBe(50);
    expect(computeDelay(P, 1, () => 1)).toBe(100);
    expect(computeDelay(P, 2, () => 0.5)).toBe(150);
    expect(computeDelay(P, 3, () => 1)).toBe(400);
    expect(computeDelay(P, 10, () => 1)).toBe(1000);
  });
  it('full jitter: 0..backoff', () => {
    const full = { ...P, jitter: 'full' as const };
    expect(computeDelay(full, 1, () => 0)).toBe(0);
    expect(computeDelay(full, 3, () => 0.5)).toBe(200);
  });
  it('waits at least retryAfterMs (plus a little jitter), even above maxTimeout', () => {
    expect(computeDelay(P, 1, () => 0, 2000)).toBe(2000);
    expect(computeDelay(P, 1, () => 1, 2000)).toBe(2100);
    expect(computeDelay(P, 5, () => 1, 10)).toBe(1000);
  });
});

describe('withRetry', () => {
  it('retries retryable errors, sleeping the computed delays on the injected clock', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    const { fn, calls } = flaky(3);
    const infos: RetryInfo[] = [];
    const started = Date.now();
    const out = await withRetry(fn, { policy: P, clock, random: () => 1, onRetry: (i) => infos.push(i) });
    expect(out).toBe('ok');
    expect(calls).toEqual([1, 2, 3, 4]);
    expect(clock.sleeps).toEqual([100, 200, 400]);
    expect(infos.map(({ attempt, code, delayMs }) => ({ attempt, code, delayMs }))).toEqual([
      { attempt: 1, code: 'SERVER_ERROR', delayMs: 100 },
      { attempt: 2, code: 'SERVER_ERROR', delayMs: 200 },
      { attempt: 3, code: 'SERVER_ERROR', delayMs: 400 },
    ]);
    // The loop added no real delay of its own.
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('never retries a non-retryable error', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    const { fn, calls } = flaky(1, () => new LarkError({ code: 'OUTSIDE_VISIBLE_RANGE', message: 'no', retryable: false }));
    await expect(withRetry(fn, { policy: P, clock })).rejects.toMatchObject({ code: 'OUTSIDE_VISIBLE_RANGE' });
    expect(calls).toEqual([1]);
    expect(clock.sleeps).toEqual([]);
  });

  it('never retries plain errors or ValidationErrors', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    const a = flaky(1, () => new Error('bug'));
    await expect(withRetry(a.fn, { policy: P, clock })).rejects.toThrow('bug');
    expect(a.calls).toEqual([1]);
    const b = flaky(1, () => new ValidationError({ code: 'MESSAGE_INVALID', message: 'bad' }));
    await expect(withRetry(b.fn, { policy: P, clock })).rejects.toBeInstanceOf(ValidationError);
    expect(b.calls).toEqual([1]);
  });

  it('gives up after policy.retries and rethrows the last error', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    const { fn, calls } = flaky(100);
    await expect(withRetry(fn, { policy: { ...P, retries: 2 }, clock, random: () => 0 })).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    expect(calls).toEqual([1, 2, 3]);
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it('honours retryAfterMs (429) as a minimum wait', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    const { fn } = flaky(1, () => retryable({ code: 'RATE_LIMITED', retryAfterMs: 3000 }));
    await withRetry(fn, { policy: P, clock, random: () => 0 });
    expect(clock.sleeps).toEqual([3000]);
  });

  it('does not start a wait that would cross maxRetryTimeMs (fake time)', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    const { fn, calls } = flaky(100);
    const policy = { ...P, retries: 100, maxRetryTimeMs: 1000 };
    await expect(withRetry(fn, { policy, clock, random: () => 1 })).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    // 100 + 200 + 400 = 700; the next (800) would end at 1500 > 1000.
    expect(clock.sleeps).toEqual([100, 200, 400]);
    expect(calls).toHaveLength(4);
  });

  it('policy none = one attempt', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    const { fn, calls } = flaky(1);
    await expect(withRetry(fn, { policy: retryPolicies.none, clock })).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    expect(calls).toEqual([1]);
  });

  it('named policies have the documented shape', () => {
    expect(retryPolicies.standard).toMatchObject({ retries: 6, minTimeoutMs: 500, maxTimeoutMs: 30_000, maxRetryTimeMs: 120_000 });
    expect(retryPolicies.fast.maxTimeoutMs).toBeLessThanOrEqual(10);
    expect(retryPolicies.none.retries).toBe(0);
  });

  it('standard policy with a real-time-free clock finishes all retries instantly', async () => {
    const instant = { now: () => 0, sleep: async () => {} };
    const { fn, calls } = flaky(6);
    const started = Date.now();
    expect(await withRetry(fn, { policy: retryPolicies.standard, clock: instant })).toBe('ok');
    expect(calls).toHaveLength(7);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('an abort ends a backoff sleep at once: INTERRUPTED, or the signal\'s ConnectorError reason', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    const { fn, calls } = flaky(100);
    const slow = { ...P, minTimeoutMs: 30_000, maxTimeoutMs: 60_000, maxRetryTimeMs: 600_000 };
    const out = withRetry(fn, { policy: slow, clock, signals: () => [undefined, stop.signal] }).catch((e: unknown) => e);
    while (clock.pendingTimers === 0) await new Promise((r) => setTimeout(r, 1));
    stop.abort();
    expect(await out).toMatchObject({ code: 'INTERRUPTED' });
    expect(calls).toEqual([1]);
    expect(clock.now()).toBe(FAKE_EPOCH);

    const down = new AbortController();
    const reason = new LarkError({ code: 'ENDPOINT_UNREACHABLE', message: 'gone' });
    const second = withRetry(flaky(100).fn, { policy: slow, clock, signals: () => [down.signal] }).catch((e: unknown) => e);
    while (clock.pendingTimers === 0) await new Promise((r) => setTimeout(r, 1));
    down.abort(reason);
    expect(await second).toBe(reason);
  });

  it('time excluded by the attempt (queued for a slot) does not count against maxRetryTimeMs', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    let n = 0;
    const fn = async (_attempt: number, ctx: { exclude(ms: number): void }) => {
      // Each attempt first waits 2 s "in a queue": far past the 1 s budget if it counted.
      await clock.sleep(2000);
      ctx.exclude(2000);
      if (++n < 3) throw retryable();
      return 'ok';
    };
    expect(await withRetry(fn, { policy: { ...P, maxRetryTimeMs: 1000 }, clock, random: () => 1 })).toBe('ok');
    expect(n).toBe(3);
  });

  it('lastChance: retries used up, one more attempt after the wait it names (if within the budget)', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    const a = flaky(100);
    await expect(withRetry(a.fn, { policy: { ...P, retries: 1 }, clock, random: () => 1, lastChance: () => 5000 })).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    expect(a.calls).toEqual([1, 2, 3]);
    expect(clock.sleeps).toEqual([100, 5000]);
    const b = flaky(100);
    await withRetry(b.fn, { policy: { ...P, retries: 1, maxRetryTimeMs: 1000 }, clock, random: () => 1, lastChance: () => 5000 }).catch(() => undefined);
    expect(b.calls).toEqual([1, 2]);
  });
});
