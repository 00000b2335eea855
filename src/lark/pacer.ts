/**
 * Client-side pacing so we stay under Lark's limits instead of collecting 429s:
 * sliding windows (app 50/s + 1000/min, 5/s per receiver) plus a bound on requests in flight.
 * Waiters are served in arrival order, skipping only those whose own receiver is full, and the
 * pump sleeps exactly until the next window slot frees (no polling). A retried request keeps the place of
 * its first arrival (its ticket): queued behind every later message to the same receiver, one refused
 * request would be sent last, out of order, and hold the in-order report back for the whole run.
 */
import { systemClock, Wake, type Clock } from '../core/clock.js';
import { safeEmit, type EventSink } from './events.js';
import { interruptedError } from '../core/errors.js';
import type { LimiterStore, WindowKey } from '../core/stores.js';
import { InMemoryLimiterStore } from '../stores/memory/limiter.js';

export interface PacingOptions {
  appPerSecond?: number;
  appPerMinute?: number;
  perReceiverPerSecond?: number;
  maxInFlight?: number;
  /**
   * Extra length given to each 1 s window (20x that to the minute window). Lark counts a request when it
   * arrives; we count it when we admit it, so two bursts a window apart arrive a window apart give or take the
   * difference of their trips (network jitter) and the rounding of Lark's clock: the margin covers that. The
   * trip itself does not matter (both bursts take it). 10 ms (for Lark's clock) costs 1% of the per-second
   * quota; on top of it, every window grows by the spread of the recent requests' times, which bounds how much
   * two trips can differ (see PacerOptions.adaptiveMargin).
   */
  windowMarginMs?: number;
  /** Grow the windows by the spread of recent request times (default true; see PacerOptions.adaptiveMargin). */
  adaptiveMargin?: boolean;
}

export const DEFAULT_PACING: Required<PacingOptions> = {
  appPerSecond: 50,
  appPerMinute: 1000,
  perReceiverPerSecond: 5,
  maxInFlight: 16,
  windowMarginMs: 10,
  adaptiveMargin: true,
};

export interface PacerOptions {
  /** Name used in key prefixes and events, e.g. "send". */
  name: string;
  /** Windows every acquisition counts against. */
  appWindows: Array<{ limit: number; windowMs: number }>;
  /** Window per receiver key, if any. */
  perReceiver?: { limit: number; windowMs: number };
  maxInFlight: number;
  /** Prefix for app keys in a shared store (e.g. the app id). */
  scope?: string;
  /**
   * Grow every window by the recent spread of request times (admission to release: p95 - fastest, capped at
   * 250 ms), since a request's arrival at Lark varies by at most that. Default true; a link with a steady trip
   * keeps the fixed margin only.
   */
  adaptiveMargin?: boolean;
  clock?: Clock;
  store?: LimiterStore;
  onEvent?: EventSink;
}

/**
 * Ends a request's hold on the pacer. unsent: it never reached Lark (the connection was refused, the host's
 * circuit opened before it went): its entries leave the windows, as Lark never counted it.
 */
export type Release = (unsent?: boolean) => void;

interface Waiter {
  /** Arrival order of the request (kept across its retries); the queue is sorted by it. */
  ticket: number;
  receiverKey: string | undefined;
  /** Aborting it takes the waiter out of the queue (see Pacer.watch). */
  signal: AbortSignal | undefined;
  /** Its windows, built on the first try and kept while the app's keys stay the same (see keysFor). */
  keys?: WindowKey[];
  keysBase?: WindowKey[];
  resolve: (release: Release) => void;
  reject: (err: unknown) => void;
}

const DURATION_SAMPLES = 64;
const MAX_ADAPTIVE_MARGIN_MS = 250;

export class Pacer {
  private readonly opts: PacerOptions;
  private readonly clock: Clock;
  private readonly store: LimiterStore;
  private appKeys: WindowKey[];
  private perReceiverWindow: { limit: number; windowMs: number } | undefined;
  /** Recent request times (admission to release), a ring; the adaptive margin is their spread. */
  private readonly durations = new Float64Array(DURATION_SAMPLES);
  private observed = 0;
  private extraMs = 0;
  private readonly queue: Waiter[] = [];
  private active = 0;
  private pumping = false;
  /** Set by wake(): something changed while the pump was busy, so re-scan before sleeping. */
  private dirty = false;
  /** Ends the pump's sleep: set while it sleeps. */
  private wakeUp: Wake | undefined;
  private tickets = 0;
  /** Start of this pacer's per-receiver window keys. */
  private readonly receiverPrefix: string;
  /** Signals with this pacer's abort listener on them (see watch). */
  private readonly watched = new WeakSet<AbortSignal>();

  constructor(opts: PacerOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.store = opts.store ?? new InMemoryLimiterStore();
    const prefix = `${opts.name}:${opts.scope ?? 'app'}`;
    this.appKeys = opts.appWindows.map((w) => ({ key: `${prefix}:${w.limit}/${w.windowMs}ms`, ...w }));
    this.perReceiverWindow = opts.perReceiver;
    this.receiverPrefix = `${opts.name}:rcv:`;
  }

  /** The adaptive part of the window margin now (ms added to every window). */
  get adaptiveMarginMs(): number {
    return this.extraMs;
  }

  /** Requests running now (acquired, not yet released). */
  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** A place in the queue for one request: pass it to every acquire() of that request (its retries). */
  ticket(): number {
    return this.tickets++;
  }

  /**
   * Waits for a slot; call the returned release() when the request is done (success or not; release(true) when
   * it never reached Lark). Aborting the
   * signal while still queued leaves the queue and rejects with an INTERRUPTED error. `ticket` (from
   * ticket()) queues a retry where the request first arrived; without one the waiter queues last.
   */
  acquire(receiverKey?: string, signal?: AbortSignal, ticket: number = this.ticket()): Promise<Release> {
    return new Promise<Release>((resolve, reject) => {
      if (signal?.aborted) return reject(interruptedError());
      if (signal) this.watch(signal);
      this.enqueue({ ticket, receiverKey, signal, resolve, reject });
      this.wake();
      if (!this.pumping) void this.pump();
    });
  }

  /**
   * One abort listener per signal, not one per waiter: a run's messages share its stop signal, and adding and
   * removing an EventTarget listener for each of them costs more than the pacing itself. On abort, every waiter
   * queued with that signal leaves the queue.
   */
  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener('abort', () => this.dropAborted(signal), { once: true });
  }

  private dropAborted(signal: AbortSignal): void {
    const dropped: Waiter[] = [];
    let kept = 0;
    for (const w of this.queue) {
      if (w.signal === signal) dropped.push(w);
      else this.queue[kept++] = w;
    }
    if (dropped.length === 0) return;
    this.queue.length = kept;
    for (const w of dropped) w.reject(interruptedError());
    // The pump may be asleep on a window with nobody left to admit: let it end (and drop its timer).
    this.wake();
  }

  /**
   * Lark answered 429: nobody is admitted on the app's windows for forMs (every waiter of every pacer sharing
   * the store), not just the request that got it.
   */
  async pause(forMs: number): Promise<void> {
    const now = this.clock.now();
    try {
      for (const k of this.appKeys) await this.store.pause(k.key, forMs, now);
    } finally {
      this.wake();
    }
  }

  /** Rejects every queued acquisition with err (the endpoint is down, the shared store gave up). */
  failAll(err: unknown): void {
    for (const w of this.queue.splice(0)) w.reject(err);
    this.wake();
  }

  /** In ticket order: a new request goes last (O(1)); a retry goes before every later arrival. */
  private enqueue(waiter: Waiter): void {
    const q = this.queue;
    if (q.length === 0 || (q[q.length - 1] as Waiter).ticket < waiter.ticket) {
      q.push(waiter);
      return;
    }
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((q[mid] as Waiter).ticket < waiter.ticket) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, waiter);
  }

  /** A waiter at the head is tried at every wake until it passes: its keys are built once, not per try. */
  private keysFor(w: Waiter): WindowKey[] {
    const per = this.perReceiverWindow;
    if (!per || w.receiverKey === undefined) return this.appKeys;
    // observe() replaces appKeys (and the receiver window with them) when the margin moves.
    if (w.keys && w.keysBase === this.appKeys) return w.keys;
    w.keysBase = this.appKeys;
    w.keys = [...this.appKeys, { key: this.receiverPrefix + w.receiverKey, ...per }];
    return w.keys;
  }

  private wake(): void {
    this.dirty = true;
    this.wakeUp?.fire();
  }

  /** One pump at a time: admit what fits, then sleep until a window frees or something wakes us. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        this.dirty = false;
        let wait: { ms?: number; blockedKey?: string };
        try {
          wait = await this.admitReady();
        } catch (err) {
          // The store gave up (STORE_UNAVAILABLE): nobody waiting can be admitted.
          this.failAll(err);
          break;
        }
        if (this.queue.length === 0 || this.dirty) continue;
        await this.idle(wait);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Grants every waiter that fits now, in queue order. A waiter whose receiver is full is skipped
   * (and so are later waiters for that receiver, keeping per-receiver order). Returns what to wait for.
   */
  private async admitReady(): Promise<{ ms?: number; blockedKey?: string }> {
    const now = this.clock.now();
    let fullReceivers: Set<string> | undefined;
    let next: { ms?: number; blockedKey?: string } = {};
    for (let i = 0; i < this.queue.length; ) {
      if (this.active >= this.opts.maxInFlight) return {}; // woken by a release
      const w = this.queue[i] as Waiter;
      if (w.receiverKey !== undefined && fullReceivers?.has(w.receiverKey)) {
        i++;
        continue;
      }
      const keys = this.keysFor(w);
      // An in-memory store answers at once: no await (a microtask and a promise) per try.
      const tried = this.store.tryAcquire(keys, now);
      const res = tried instanceof Promise ? await tried : tried;
      if (res.ok) {
        // The queue may have changed during the await (an abort): take out this very waiter.
        const at = this.queue[i] === w ? i : this.queue.indexOf(w);
        if (at >= 0) {
          this.queue.splice(at, 1);
          this.grant(w, keys, res.admitted);
        }
        continue;
      }
      if (next.ms === undefined || res.retryInMs < next.ms) next = { ms: res.retryInMs, ...(res.blockedKey ? { blockedKey: res.blockedKey } : {}) };
      // Blocked by an app window: nobody behind can pass either.
      if (w.receiverKey === undefined || !res.blockedKey?.startsWith(this.receiverPrefix)) return next;
      (fullReceivers ??= new Set()).add(w.receiverKey);
      i++;
    }
    return next;
  }

  private grant(w: Waiter, keys: WindowKey[], admitted: string | number | undefined): void {
    this.active++;
    let released = false;
    const grantedAt = this.clock.now();
    w.resolve((unsent) => {
      if (released) return; // release() is idempotent
      released = true;
      this.active--;
      if (unsent) {
        // A slot given back frees the window itself: wake the pump once the store has it back. The store's
        // answer does not hold the pump up: a store that cannot take it back lets the entries expire.
        void Promise.resolve()
          .then(() => this.store.giveBack(keys, admitted))
          .catch(() => undefined)
          .finally(() => this.wake());
      } else if (this.opts.adaptiveMargin !== false) this.observe(this.clock.now() - grantedAt);
      this.wake();
    });
  }

  /** Records one request's time; every 16, the windows grow (or shrink back) by the recent spread. */
  private observe(ms: number): void {
    this.durations[this.observed++ % DURATION_SAMPLES] = ms;
    if (this.observed % 16 !== 0) return;
    const n = Math.min(this.observed, DURATION_SAMPLES);
    const sorted = Array.from(this.durations.subarray(0, n)).sort((a, b) => a - b);
    const spread = (sorted[Math.floor(0.95 * (n - 1))] as number) - (sorted[0] as number);
    // Steps of 5 ms, so the keys are rebuilt only when the spread really moves.
    const extra = Math.min(MAX_ADAPTIVE_MARGIN_MS, Math.ceil(spread / 5) * 5);
    if (extra === this.extraMs) return;
    const grow = <T extends { windowMs: number }>(w: T, base: { windowMs: number }): T => ({ ...w, windowMs: base.windowMs + extra });
    this.appKeys = this.appKeys.map((k, i) => grow(k, this.opts.appWindows[i] as { windowMs: number }));
    if (this.opts.perReceiver) this.perReceiverWindow = grow(this.opts.perReceiver, this.opts.perReceiver);
    this.extraMs = extra;
  }

  /** Sleeps ms (or until woken, if ms is undefined: waiting for a release). */
  private async idle(wait: { ms?: number; blockedKey?: string }): Promise<void> {
    const wake = new Wake();
    this.wakeUp = wake;
    if (wait.ms !== undefined) {
      if (this.opts.onEvent) safeEmit(this.opts.onEvent, {
        type: 'pacer.wait',
        pacer: this.opts.name,
        waitMs: wait.ms,
        queued: this.queue.length,
        ...(wait.blockedKey ? { blockedKey: wait.blockedKey } : {}),
      });
      // A wake ends the sleep early and drops its timer.
      await this.clock.sleep(wait.ms, wake);
    } else {
      await new Promise<void>((resolve) => wake.addEventListener('abort', resolve));
    }
    this.wakeUp = undefined;
  }
}

type PacerDeps = { scope?: string; clock?: Clock; store?: LimiterStore; onEvent?: EventSink };

/** The pacer for sends: app 50/s + 1000/min, 5/s per receive_id, bounded in flight. */
export function createSendPacer(opts: PacingOptions, deps: PacerDeps = {}): Pacer {
  const o = { ...DEFAULT_PACING, ...stripUndefined(opts) };
  return new Pacer({
    name: 'send',
    appWindows: [
      { limit: o.appPerSecond, windowMs: 1000 + o.windowMarginMs },
      { limit: o.appPerMinute, windowMs: 60_000 + 20 * o.windowMarginMs },
    ],
    perReceiver: { limit: o.perReceiverPerSecond, windowMs: 1000 + o.windowMarginMs },
    maxInFlight: o.maxInFlight,
    adaptiveMargin: o.adaptiveMargin,
    ...deps,
  });
}

/** batch_get_id has its own app windows (50/s, 1000/min). */
export function createLookupPacer(opts: PacingOptions, deps: PacerDeps = {}): Pacer {
  return fiftyPerSecondPacer('batch_get_id', opts, deps);
}

/** GET im/v1/messages and im/v1/chats (the source's reads): app windows of 50/s and 1000/min. */
export function createListPacer(opts: PacingOptions, deps: PacerDeps = {}): Pacer {
  return fiftyPerSecondPacer('list', opts, deps);
}

/** POST im/v1/images and im/v1/files (uploads): app windows of 50/s and 1000/min of their own. */
export function createUploadPacer(opts: PacingOptions, deps: PacerDeps = {}): Pacer {
  return fiftyPerSecondPacer('upload', opts, deps);
}

/**
 * PUT (edit), PATCH (card update) and DELETE (recall) of im/v1/messages/:message_id: each API its own app
 * windows of 50/s and 1000/min, and 5/s per message (the receiver key is the message id).
 */
export function createMessageChangePacer(name: 'edit' | 'update_card' | 'recall', opts: PacingOptions, deps: PacerDeps = {}): Pacer {
  const o = { ...DEFAULT_PACING, ...stripUndefined(opts) };
  return fiftyPerSecondPacer(name, opts, deps, { limit: o.perReceiverPerSecond, windowMs: 1000 + o.windowMarginMs });
}

/** An API with Lark's 50/s + 1000/min per app (and maybe a per-key limit); each such API has windows of its own. */
function fiftyPerSecondPacer(name: string, opts: PacingOptions, deps: PacerDeps, perReceiver?: { limit: number; windowMs: number }): Pacer {
  const o = { ...DEFAULT_PACING, ...stripUndefined(opts) };
  return new Pacer({
    name,
    appWindows: [
      { limit: 50, windowMs: 1000 + o.windowMarginMs },
      { limit: 1000, windowMs: 60_000 + 20 * o.windowMarginMs },
    ],
    ...(perReceiver ? { perReceiver } : {}),
    maxInFlight: o.maxInFlight,
    adaptiveMargin: o.adaptiveMargin,
    ...deps,
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
