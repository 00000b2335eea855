/**
 * Client-side pacing so we stay under Lark's limits instead of collecting 429s:
 * sliding windows (app 50/s + 1000/min, 5/s per receiver) plus a bound on requests in flight.
 * Waiters are served in arrival order, skipping only those whose own receiver is full, and the
 * pump sleeps exactly until the next window slot frees (no polling).
 */
import { systemClock, type Clock } from './clock.js';
import { safeEmit, type EventSink } from './events.js';
import { interruptedError } from './errors.js';

export interface PacingOptions {
  appPerSecond?: number;
  appPerMinute?: number;
  perReceiverPerSecond?: number;
  maxInFlight?: number;
  /**
   * Extra length given to each 1 s window (20x that to the minute window), for the rounding of Lark's own
   * clock. Slots already count until each request is answered (see LimiterStore), which covers the wire.
   * 10 ms costs 1% of the per-second quota.
   */
  windowMarginMs?: number;
}

export const DEFAULT_PACING: Required<PacingOptions> = {
  appPerSecond: 50,
  appPerMinute: 1000,
  perReceiverPerSecond: 5,
  maxInFlight: 16,
  windowMarginMs: 10,
};

/** One sliding window: at most `limit` acquisitions in any `windowMs`. */
export interface WindowKey {
  key: string;
  limit: number;
  windowMs: number;
}

export type TryAcquireResult = { ok: true; slot?: string } | { ok: false; retryInMs: number; blockedKey?: string };

/**
 * Shared counter state; an external implementation (e.g. Redis) lets several workers share the limits.
 *
 * Lark counts a request when it arrives, which is some time between our grant and Lark's answer. So a slot
 * counts from the grant, without expiring, until the answer (settle), and then for a whole window from the
 * answer: never a window from the grant, which would let the next burst land in the same Lark second as a
 * slow request of the previous one.
 */
export interface LimiterStore {
  /** Takes one slot in every window, or none (all or nothing). When refused, retryInMs says when to try again. */
  tryAcquire(keys: WindowKey[], now: number): TryAcquireResult | Promise<TryAcquireResult>;
  /** The request holding `slot` was answered at `now`. A store without it counts slots from the grant. */
  settle?(keys: WindowKey[], slot: string, now: number): void | Promise<void>;
}

/** A slot's time: Infinity while its request is in flight, then when it was answered. */
interface Slot {
  t: number;
}

/** Sliding-window log in memory. */
export class InMemoryLimiterStore implements LimiterStore {
  private readonly log = new Map<string, Slot[]>();
  private readonly open = new Map<string, Slot>();
  private nextSlot = 0;
  private calls = 0;

  tryAcquire(keys: WindowKey[], now: number): TryAcquireResult {
    let retryInMs = 0;
    let blockedKey: string | undefined;
    for (const k of keys) {
      const wait = this.waitFor(k, now);
      if (wait > retryInMs) {
        retryInMs = wait;
        blockedKey = k.key;
      }
    }
    if (blockedKey !== undefined) return { ok: false, retryInMs, blockedKey };
    const slot: Slot = { t: Number.POSITIVE_INFINITY };
    const id = String(this.nextSlot++);
    this.open.set(id, slot);
    for (const k of keys) this.entries(k.key).push(slot);
    if (++this.calls % 1000 === 0) this.sweep(now, keys);
    return { ok: true, slot: id };
  }

  settle(_keys: WindowKey[], slot: string, now: number): void {
    const s = this.open.get(slot);
    if (!s) return;
    s.t = now;
    this.open.delete(slot);
  }

  /** 0 if a slot is free now, else ms until enough entries leave the window. */
  private waitFor(k: WindowKey, now: number): number {
    const entries = this.entries(k.key);
    // An entry at t counts while now - t < windowMs (an unanswered one, t = Infinity, always counts).
    while (entries.length > 0 && now - (entries[0] as Slot).t >= k.windowMs) entries.shift();
    let counted = 0;
    for (const e of entries) if (now - e.t < k.windowMs) counted++;
    if (counted < k.limit) return 0;
    // The (counted - limit + 1)-th oldest must leave; answers come back roughly in order, so sort a copy.
    const times = entries.map((e) => e.t).filter((t) => now - t < k.windowMs).sort((a, b) => a - b);
    const frees = times[counted - k.limit] as number;
    // Waiting on an unanswered request: its answer wakes the pacer; the window length is only a backstop.
    if (!Number.isFinite(frees)) return k.windowMs;
    return Math.max(1, frees + k.windowMs - now);
  }

  private entries(key: string): Slot[] {
    let e = this.log.get(key);
    if (!e) this.log.set(key, (e = []));
    return e;
  }

  /** Forget idle keys (e.g. receivers not seen for a while) so memory stays bounded. */
  private sweep(now: number, keys: WindowKey[]): void {
    const longest = Math.max(60_000, ...keys.map((k) => k.windowMs));
    for (const [key, entries] of this.log) {
      const last = entries[entries.length - 1];
      if (last === undefined || now - last.t >= longest) this.log.delete(key);
    }
  }
}

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
  clock?: Clock;
  store?: LimiterStore;
  onEvent?: EventSink;
}

export type Release = () => void;

interface Waiter {
  receiverKey: string | undefined;
  resolve: (release: Release) => void;
}

export class Pacer {
  private readonly opts: PacerOptions;
  private readonly clock: Clock;
  private readonly store: LimiterStore;
  private readonly appKeys: WindowKey[];
  private readonly queue: Waiter[] = [];
  private active = 0;
  private pumping = false;
  /** Set by wake(): something changed while the pump was busy, so re-scan before sleeping. */
  private dirty = false;
  private wakeCtl: AbortController | undefined;

  constructor(opts: PacerOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.store = opts.store ?? new InMemoryLimiterStore();
    const prefix = `${opts.name}:${opts.scope ?? 'app'}`;
    this.appKeys = opts.appWindows.map((w) => ({ key: `${prefix}:${w.limit}/${w.windowMs}ms`, ...w }));
  }

  /** Requests running now (acquired, not yet released). */
  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Waits for a slot; call the returned release() when the request is done (success or not). Aborting the
   * signal while still queued leaves the queue and rejects with an INTERRUPTED error.
   */
  acquire(receiverKey?: string, signal?: AbortSignal): Promise<Release> {
    return new Promise<Release>((resolve, reject) => {
      if (signal?.aborted) return reject(interruptedError());
      const onAbort = () => {
        const at = this.queue.indexOf(waiter);
        if (at < 0) return;
        this.queue.splice(at, 1);
        reject(interruptedError());
      };
      const waiter: Waiter = {
        receiverKey,
        resolve: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.wake();
      if (!this.pumping) void this.pump();
    });
  }

  private keysFor(receiverKey: string | undefined): WindowKey[] {
    const per = this.opts.perReceiver;
    if (!per || receiverKey === undefined) return this.appKeys;
    return [...this.appKeys, { key: `${this.opts.name}:rcv:${receiverKey}`, ...per }];
  }

  private wake(): void {
    this.dirty = true;
    this.wakeCtl?.abort();
  }

  /** One pump at a time: admit what fits, then sleep until a window frees or something wakes us. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        this.dirty = false;
        const wait = await this.admitReady();
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
    const fullReceivers = new Set<string>();
    let next: { ms?: number; blockedKey?: string } = {};
    for (let i = 0; i < this.queue.length; ) {
      if (this.active >= this.opts.maxInFlight) return {}; // woken by a release
      const w = this.queue[i] as Waiter;
      if (w.receiverKey !== undefined && fullReceivers.has(w.receiverKey)) {
        i++;
        continue;
      }
      const keys = this.keysFor(w.receiverKey);
      const res = await this.store.tryAcquire(keys, now);
      if (res.ok) {
        this.queue.splice(i, 1);
        this.grant(w, keys, res.slot);
        continue;
      }
      if (next.ms === undefined || res.retryInMs < next.ms) next = { ms: res.retryInMs, ...(res.blockedKey ? { blockedKey: res.blockedKey } : {}) };
      // Blocked by an app window: nobody behind can pass either.
      if (w.receiverKey === undefined || !res.blockedKey?.startsWith(`${this.opts.name}:rcv:`)) return next;
      fullReceivers.add(w.receiverKey);
      i++;
    }
    return next;
  }

  private grant(w: Waiter, keys: WindowKey[], slot: string | undefined): void {
    this.active++;
    let released = false;
    w.resolve(() => {
      if (released) return; // release() is idempotent
      released = true;
      this.active--;
      // The answer is in: from now on the slot ages like any other (see LimiterStore).
      if (slot !== undefined && this.store.settle) {
        void Promise.resolve(this.store.settle(keys, slot, this.clock.now())).catch(() => undefined).then(() => this.wake());
      } else {
        this.wake();
      }
    });
  }

  /** Sleeps ms (or until woken, if ms is undefined: waiting for a release). */
  private async idle(wait: { ms?: number; blockedKey?: string }): Promise<void> {
    const ctl = new AbortController();
    this.wakeCtl = ctl;
    const woken = new Promise<void>((resolve) => ctl.signal.addEventListener('abort', () => resolve(), { once: true }));
    if (wait.ms !== undefined) {
      safeEmit(this.opts.onEvent, {
        type: 'pacer.wait',
        pacer: this.opts.name,
        waitMs: wait.ms,
        queued: this.queue.length,
        ...(wait.blockedKey ? { blockedKey: wait.blockedKey } : {}),
      });
      await Promise.race([this.clock.sleep(wait.ms, ctl.signal), woken]);
    } else {
      await woken;
    }
    this.wakeCtl = undefined;
    if (!ctl.signal.aborted) ctl.abort(); // cancels the sleep timer when woken by time
  }
}

/** The pacer for sends: app 50/s + 1000/min, 5/s per receive_id, bounded in flight. */
export function createSendPacer(opts: PacingOptions, deps: { scope?: string; clock?: Clock; store?: LimiterStore; onEvent?: EventSink } = {}): Pacer {
  const o = { ...DEFAULT_PACING, ...stripUndefined(opts) };
  return new Pacer({
    name: 'send',
    appWindows: [
      { limit: o.appPerSecond, windowMs: 1000 + o.windowMarginMs },
      { limit: o.appPerMinute, windowMs: 60_000 + 20 * o.windowMarginMs },
    ],
    perReceiver: { limit: o.perReceiverPerSecond, windowMs: 1000 + o.windowMarginMs },
    maxInFlight: o.maxInFlight,
    ...deps,
  });
}

/** batch_get_id has its own app windows (50/s, 1000/min). */
export function createLookupPacer(opts: PacingOptions, deps: { scope?: string; clock?: Clock; store?: LimiterStore; onEvent?: EventSink } = {}): Pacer {
  const o = { ...DEFAULT_PACING, ...stripUndefined(opts) };
  return new Pacer({
    name: 'batch_get_id',
    appWindows: [
      { limit: 50, windowMs: 1000 + o.windowMarginMs },
      { limit: 1000, windowMs: 60_000 + 20 * o.windowMarginMs },
    ],
    maxInFlight: o.maxInFlight,
    ...deps,
  });
}

/** GET im/v1/messages and im/v1/chats (the source's reads): app windows of 50/s and 1000/min. */
export function createListPacer(opts: PacingOptions, deps: { scope?: string; clock?: Clock; store?: LimiterStore; onEvent?: EventSink } = {}): Pacer {
  const o = { ...DEFAULT_PACING, ...stripUndefined(opts) };
  return new Pacer({
    name: 'list',
    appWindows: [
      { limit: 50, windowMs: 1000 + o.windowMarginMs },
      { limit: 1000, windowMs: 60_000 + 20 * o.windowMarginMs },
    ],
    maxInFlight: o.maxInFlight,
    ...deps,
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
