/**
 * Fault injection for the send endpoint (POST /open-apis/im/v1/messages).
 *
 * Faults apply to AUTHENTICATED send requests only (a request rejected for its token never consumes one),
 * checked in this order: the queue of one-shot faults from failNext(), then the random ratios.
 *
 * Kinds:
 * - '5xx'  : HTTP 500 (or opts.status) `{code: 1500, msg: "internal error ..."}`; nothing is delivered.
 * - '429'  : HTTP 429 `{code: 99991400}` with x-ogw-ratelimit-limit / x-ogw-ratelimit-reset (opts.resetSeconds,
 *            default 1); nothing is delivered and no rate-limit window is consumed.
 * - 'lost' : the request is processed normally (the message IS delivered, uuid recorded), then the socket is
 *            destroyed without a response: the client sees a reset / "socket hang up". A retry with the same uuid
 *            is answered with the same message_id and counted in stats().duplicatesSuppressed.
 * - 'slow' : the request is processed normally (delivered), then the response is held back opts.delayMs
 *            (default EmulatorOptions.slowDelayMs = 15000): longer than a client timeout.
 *
 * Examples:
 *   emu.faults.failNext(2, '5xx').failNext(1, 'lost');   // next 2 sends 500, the third is delivered but lost
 *   emu.faults.ratios({ serverError: 0.05, rateLimited: 0.05, lostResponse: 0.03 });  // seeded random
 *   emu.faults.invalidateTokens();                        // every issued token -> 99991663
 *   emu.faults.latency(150);                              // every request: 75 ms before Lark sees it, 75 ms back
 *   emu.faults.clear();                                   // no more queued or random faults
 */
export type FaultKind = '5xx' | '429' | 'lost' | 'slow';

export interface FaultOptions {
  /** '5xx': HTTP status, default 500. */
  status?: number;
  /** '429': x-ogw-ratelimit-reset seconds, default 1. */
  resetSeconds?: number;
  /** 'slow': response delay in ms. */
  delayMs?: number;
}

/** Probabilities (0..1, summed <= 1) of a random fault on each send. */
export interface FaultRatios {
  serverError?: number;
  rateLimited?: number;
  lostResponse?: number;
  slow?: number;
}

export interface Fault extends FaultOptions {
  kind: FaultKind;
}

export class FaultController {
  private readonly queue: Array<{ fault: Fault; remaining: number }> = [];
  private current: Required<FaultRatios> = { serverError: 0, rateLimited: 0, lostResponse: 0, slow: 0 };
  private roundTripMs = 0;

  constructor(
    private readonly random: () => number,
    private readonly tokenHooks: { invalidate(): void; expire(): void },
  ) {}

  /** The next n authenticated send requests fail with `kind` (queued after earlier failNext calls). */
  failNext(n: number, kind: FaultKind, opts: FaultOptions = {}): this {
    if (!Number.isInteger(n) || n < 0) throw new Error(`failNext: n must be a non-negative integer, got ${n}`);
    if (n > 0) this.queue.push({ fault: { ...opts, kind }, remaining: n });
    return this;
  }

  /** Random faults on every send, drawn from the emulator's seeded random. Replaces earlier ratios. */
  ratios(r: FaultRatios): this {
    const next = { serverError: r.serverError ?? 0, rateLimited: r.rateLimited ?? 0, lostResponse: r.lostResponse ?? 0, slow: r.slow ?? 0 };
    const sum = next.serverError + next.rateLimited + next.lostResponse + next.slow;
    if (Object.values(next).some((v) => !(v >= 0)) || sum > 1) throw new Error('fault ratios must be >= 0 and sum to <= 1');
    this.current = next;
    return this;
  }

  /** Every token issued so far answers 99991663; the token endpoint issues a fresh one. */
  invalidateTokens(): void {
    this.tokenHooks.invalidate();
  }

  /** Every token issued so far answers 99991677 (expired), as if the clock passed their expiry. */
  expireTokens(): void {
    this.tokenHooks.expire();
  }

  /**
   * An emulated network round trip for every request (any endpoint), in real time: half of it passes before
   * the emulator handles the request (so rate windows count it on arrival, as Lark does), half before the
   * answer is written. 0 turns it off. Not cleared by clear().
   */
  latency(roundTripMs: number): this {
    if (!(roundTripMs >= 0) || !Number.isFinite(roundTripMs)) throw new Error(`latency must be a finite number >= 0, got ${roundTripMs}`);
    this.roundTripMs = roundTripMs;
    return this;
  }

  /** The emulated round trip in ms (0 = none). */
  get roundTrip(): number {
    return this.roundTripMs;
  }

  /** One-shot faults still queued. */
  pending(): number {
    return this.queue.reduce((n, q) => n + q.remaining, 0);
  }

  /** Drops queued faults and zeroes the ratios (tokens already invalidated stay invalid). */
  clear(): void {
    this.queue.length = 0;
    this.current = { serverError: 0, rateLimited: 0, lostResponse: 0, slow: 0 };
  }

  /** @internal Called once per authenticated send: the fault to apply, if any. */
  take(): Fault | undefined {
    const head = this.queue[0];
    if (head) {
      if (--head.remaining <= 0) this.queue.shift();
      return head.fault;
    }
    const { serverError, rateLimited, lostResponse, slow } = this.current;
    if (serverError + rateLimited + lostResponse + slow === 0) return undefined;
    const r = this.random();
    if (r < serverError) return { kind: '5xx' };
    if (r < serverError + rateLimited) return { kind: '429' };
    if (r < serverError + rateLimited + lostResponse) return { kind: 'lost' };
    if (r < serverError + rateLimited + lostResponse + slow) return { kind: 'slow' };
    return undefined;
  }
}

/** Small deterministic PRNG (mulberry32) so ratio faults repeat run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
