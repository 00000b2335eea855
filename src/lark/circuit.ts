/**
 * One circuit per Lark host: while the host gives no answer (refused, reset, timeout: never an HTTP answer,
 * whatever its status), it is open and only one probe at a time goes to the host, each after a backoff (250 ms
 * doubling to a cap, with jitter); every other request waits at pass() without spending a retry attempt or a
 * pacer slot. Any answer closes it and every waiter goes at once: sending resumes at full pace.
 *
 * The engine asks pass() before a request takes its pacer slot, asks admits() again once it has the slot (the
 * circuit may have opened meanwhile: the slot is given back), and tells answered() / failed() of every request
 * to the host. A failure counts as a probe's only when the request started under that probe (see sending()):
 * a request that was on the wire when the circuit opened fails late without moving the backoff on, and its
 * answer, if it gets one, does not close the circuit (it was on its way before the host went).
 * How long an outage may last is not the circuit's business: EndpointHealth gives the verdict, and the engine
 * then rejects the waiters (failAll); a follower carries on probing at the capped backoff.
 */
import { setMaxListeners } from 'node:events';
import type { Clock } from '../core/clock.js';
import { interruptedError } from '../core/errors.js';

export const PROBE_FIRST_DELAY_MS = 250;
export const PROBE_MAX_DELAY_MS = 4000;

export interface CircuitOptions {
  clock: Clock;
  /** Jitter of the probes' backoff (0..1). */
  random: () => number;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** ms until the host's verdict is due (EndpointHealth): no probe is planned after it, so the verdict is on time. */
  verdictInMs?: () => number | undefined;
  /** The circuit opened (at `since`), or closed after being open for openMs. */
  onChange?: (change: CircuitChange) => void;
}

export type CircuitChange = { state: 'open'; since: number } | { state: 'closed'; openMs: number };

/** Leave to send: a probe's (the one request let through while open) or anybody's (closed). */
export interface CircuitPass {
  readonly probe: boolean;
  /** Done with the pass (call it in a finally): a probe that ended with no word from the host lets the next one go. */
  release(): void;
}

interface Waiter {
  resolve: (pass: CircuitPass) => void;
  reject: (err: unknown) => void;
}

const CLOSED_PASS: CircuitPass = Object.freeze({ probe: false, release: () => undefined });

/** The n-th probe's wait (0-based): first * 2^n up to max, then +-20% jitter (random 0.5 = none). */
export function probeDelayMs(n: number, random: () => number, firstMs = PROBE_FIRST_DELAY_MS, maxMs = PROBE_MAX_DELAY_MS): number {
  const base = Math.min(maxMs, firstMs * 2 ** Math.min(n, 30));
  const r = random();
  const jitter = Number.isFinite(r) ? Math.min(1, Math.max(0, r)) : 0.5;
  return Math.round(base * (0.8 + 0.4 * jitter));
}

export class HostCircuit {
  private readonly opts: CircuitOptions;
  private openedAt: number | undefined;
  /** Failed probes since the circuit opened: the next wait's exponent. */
  private failedProbes = 0;
  private nextProbeAt = 0;
  /** The probe out now and its epoch, if any. */
  private currentProbe: CircuitPass | undefined;
  private probeEpoch: number | undefined;
  /** Moves on at every change: a request's failure is its probe's only if it started in the probe's epoch. */
  private epoch = 0;
  /** The epoch the circuit opened in. */
  private openedInEpoch = 0;
  private readonly waiters: Waiter[] = [];
  private timer: AbortController | undefined;

  constructor(opts: CircuitOptions) {
    this.opts = opts;
  }

  get open(): boolean {
    return this.openedAt !== undefined;
  }

  /** Since when the host has given no answer, while open. */
  get openSince(): number | undefined {
    return this.openedAt;
  }

  /** Requests waiting for the circuit (not the probe). */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Leave for a request to go to the host: at once (not a promise: the hot path) while closed; while open, a
   * promise of it, when this caller is the next probe or when the circuit closes. Rejects on abort
   * (INTERRUPTED) and on failAll.
   */
  pass(signal?: AbortSignal): CircuitPass | Promise<CircuitPass> {
    if (!this.open) return CLOSED_PASS;
    return new Promise<CircuitPass>((resolve, reject) => {
      if (signal?.aborted) return reject(interruptedError());
      const onAbort = (): void => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(interruptedError());
      };
      const waiter: Waiter = {
        resolve: (p) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(p);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.schedule();
    });
  }

  /** Whether a pass still lets its holder send now (the circuit may have opened since it was given). */
  admits(pass: CircuitPass): boolean {
    return !this.open || (pass.probe && pass === this.currentProbe);
  }

  /** Taken when a request starts; handed back to failed() if it gets no answer. */
  sending(): number {
    return this.epoch;
  }

  /**
   * A request that started at `startedIn` (sending()) got an answer (any HTTP status): closed, every waiter
   * goes. An answer to a request sent before the circuit opened says nothing of the host since: it does not
   * close it (the probe will tell).
   */
  answered(startedIn: number): void {
    if (!this.open || startedIn < this.openedInEpoch) return;
    const openMs = this.opts.clock.now() - (this.openedAt as number);
    this.openedAt = undefined;
    this.probeEpoch = undefined;
    this.currentProbe = undefined;
    this.failedProbes = 0;
    this.epoch++;
    this.cancelTimer();
    for (const w of this.waiters.splice(0)) w.resolve(CLOSED_PASS);
    this.opts.onChange?.({ state: 'closed', openMs });
  }

  /** A request that started at `startedIn` (sending()) got no answer. */
  failed(startedIn: number): void {
    const now = this.opts.clock.now();
    if (!this.open) {
      this.openedAt = now;
      this.failedProbes = 0;
      this.openedInEpoch = ++this.epoch;
      this.plan(now);
      this.opts.onChange?.({ state: 'open', since: now });
      this.schedule();
      return;
    }
    if (this.probeEpoch === undefined || startedIn !== this.probeEpoch) return;
    this.endProbe();
    this.failedProbes++;
    this.plan(now);
    this.schedule();
  }

  /** The host is given up on (or the run stops): every waiter rejects with err; the circuit stays open. */
  failAll(err: unknown): void {
    this.cancelTimer();
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private plan(now: number): void {
    const delay = probeDelayMs(this.failedProbes, this.opts.random, this.opts.firstDelayMs, this.opts.maxDelayMs);
    const verdict = this.opts.verdictInMs?.();
    this.nextProbeAt = now + (verdict === undefined ? delay : Math.min(delay, verdict));
  }

  private endProbe(): void {
    this.probeEpoch = undefined;
    this.currentProbe = undefined;
    this.epoch++;
  }

  /** Lets the first waiter probe when it is time, or sleeps until then. */
  private schedule(): void {
    if (!this.open || this.probeEpoch !== undefined || this.waiters.length === 0 || this.timer) return;
    const waitMs = this.nextProbeAt - this.opts.clock.now();
    if (waitMs > 0) {
      const ctl = new AbortController();
      setMaxListeners(0, ctl.signal);
      this.timer = ctl;
      void this.opts.clock.sleep(waitMs, ctl.signal).then(() => {
        if (this.timer !== ctl) return;
        this.timer = undefined;
        this.schedule();
      });
      return;
    }
    const waiter = this.waiters.shift() as Waiter;
    const epoch = ++this.epoch;
    this.probeEpoch = epoch;
    const probe: CircuitPass = {
      probe: true,
      release: () => {
        // Still out with nothing heard (aborted, or failed before it reached the wire): the next waiter probes.
        if (this.probeEpoch !== epoch) return;
        this.endProbe();
        this.schedule();
      },
    };
    this.currentProbe = probe;
    waiter.resolve(probe);
  }

  private cancelTimer(): void {
    const t = this.timer;
    this.timer = undefined;
    t?.abort();
  }
}
