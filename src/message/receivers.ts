/**
 * Receiver -> Lark (receive_id_type, receive_id).
 * user/email/chat map directly; a phone needs batch_get_id. Phone lookups are coalesced (all resolve()
 * calls made before the next macrotask share one lookup of <= batchSize numbers), de-duplicated while in
 * flight, and remembered in a LookupStore with a TTL: hits for ttlMs (10 min), misses for missTtlMs (1 min)
 * so that a user added to the app's visible range is picked up soon, and an unknown number is not looked up
 * per message. A lookup refused for scope or permission is remembered for missTtlMs too (for every phone).
 */
import { ConnectorError, ValidationError } from '../core/errors.js';
import { systemClock, type Clock } from '../core/clock.js';
import { RECEIVE_TYPE_NAMES, type ReceiveIdType, type ReceiveType } from '../core/vocabulary.js';
import type { LookupStore } from '../core/stores.js';
import { InMemoryLookupStore } from '../stores/memory/lookup.js';

/** A record's receiver, as its body gives it. */
export interface Receiver { receiveType: ReceiveType; receiveId: string }
export interface ResolvedReceiver { receiveIdType: ReceiveIdType; receiveId: string }

export type PhoneLookup = (mobiles: string[]) => Promise<Map<string, string>>;

export interface ReceiverResolverOptions {
  /** batch_get_id: normalised mobiles in, mobile -> open_id out (misses absent). */
  lookup: PhoneLookup;
  /** How long a found open_id is reused. Default 10 minutes. */
  ttlMs?: number;
  /** How long a miss is remembered. Default 1 minute. */
  missTtlMs?: number;
  clock?: Pick<Clock, 'now'>;
  /** Numbers per lookup call; Lark allows 50. */
  batchSize?: number;
  /** Cache entries kept at most by the default in-memory store (oldest dropped first). Default 50 000. */
  maxEntries?: number;
  /** Where answers are remembered; default in memory (a shared Redis store lets workers share them). */
  store?: LookupStore;
  /** When queued lookups run. Default setImmediate: after the current tick and its promise jobs. */
  schedule?: (fn: () => void) => void;
}

export const DEFAULT_RECEIVER_TTL_MS = 10 * 60_000;
export const DEFAULT_RECEIVER_MISS_TTL_MS = 60_000;
export const LOOKUP_BATCH_SIZE = 50;

/** A mobile number once separators are removed: optional "+" and 5..20 digits. */
export const PHONE_SHAPE = /^\+?\d{5,20}$/;

/**
 * Strips spaces, dashes, dots and parentheses. Chinese mainland numbers given as "+86…", "0086…" or
 * "86…" with 11 digits become the bare 11 digits (Lark reads numbers without a country code as +86);
 * other country codes are kept as "+CC…" ("00CC…" becomes "+CC…").
 */
export function normalizePhone(raw: string): string {
  let s = raw.trim().replace(/[\s\u00a0\-().]/g, '');
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  const cn = /^\+?86(1\d{10})$/.exec(s);
  if (cn?.[1]) return cn[1];
  return s;
}

/** "+86 138****0000" style: enough to recognise a number in a report, not enough to leak it. */
export function maskPhone(phone: string): string {
  const n = normalizePhone(phone);
  if (/^1\d{10}$/.test(n)) return `+86 ${n.slice(0, 3)}****${n.slice(-4)}`;
  const plus = n.startsWith('+') ? '+' : '';
  const digits = plus ? n.slice(1) : n;
  if (digits.length <= 6) return `${plus}${'*'.repeat(Math.max(0, digits.length - 2))}${digits.slice(-2)}`;
  return `${plus}${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

interface Waiter { resolve: (openId: string | undefined) => void; reject: (e: unknown) => void }

/** The receive_id_type each receiveType is sent with; a phone has none (it is looked up to an open_id). */
const DIRECT_ID_TYPES: Readonly<Record<ReceiveType, ReceiveIdType | undefined>> = {
  user: 'open_id', email: 'email', chat: 'chat_id', user_id: 'user_id', union_id: 'union_id', phone: undefined,
};

/** The receivers Lark takes as they are (all but phone); undefined for a phone, which needs a lookup. */
export function directReceiver(message: Receiver): ResolvedReceiver | undefined {
  const known = Object.hasOwn(DIRECT_ID_TYPES, message.receiveType);
  const receiveIdType = known ? DIRECT_ID_TYPES[message.receiveType] : undefined;
  return receiveIdType ? { receiveIdType, receiveId: message.receiveId.trim() } : undefined;
}

/** A lookup refused for the app itself (scope, permission): every phone would get the same answer. */
function refusesEveryPhone(err: unknown): err is ConnectorError {
  return err instanceof ConnectorError && (err.code === 'PERMISSION_DENIED' || err.code === 'APP_UNAVAILABLE');
}

export class ReceiverResolver {
  private readonly lookup: PhoneLookup;
  private readonly ttlMs: number;
  private readonly missTtlMs: number;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly batchSize: number;
  private readonly schedule: (fn: () => void) => void;
  private readonly store: LookupStore;

  /** Numbers waiting for the next flush, with everyone waiting on them. */
  private queued = new Map<string, Waiter[]>();
  /** Numbers whose lookup is running: later callers join it instead of asking again. */
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private flushScheduled = false;
  /** A lookup refused for scope or permission, remembered for missTtlMs so each phone does not repeat it. */
  private refused: { error: ConnectorError; until: number } | undefined;
  /** batch_get_id calls made (for specs and --verbose figures). */
  lookupCalls = 0;

  constructor(opts: ReceiverResolverOptions) {
    this.lookup = opts.lookup;
    this.ttlMs = opts.ttlMs ?? DEFAULT_RECEIVER_TTL_MS;
    this.missTtlMs = opts.missTtlMs ?? Math.min(DEFAULT_RECEIVER_MISS_TTL_MS, this.ttlMs);
    this.clock = opts.clock ?? systemClock;
    this.batchSize = Math.max(1, Math.min(opts.batchSize ?? LOOKUP_BATCH_SIZE, LOOKUP_BATCH_SIZE));
    this.schedule = opts.schedule ?? ((fn) => void setImmediate(fn));
    this.store = opts.store ?? new InMemoryLookupStore({ clock: this.clock, ...(opts.maxEntries !== undefined ? { maxEntries: opts.maxEntries } : {}) });
  }

  /** user->open_id, chat->chat_id, email/user_id/union_id as they are, phone->open_id (batched, cached lookup). */
  async resolve(message: Receiver): Promise<ResolvedReceiver> {
    const direct = directReceiver(message);
    if (direct) return direct;
    if (message.receiveType === 'phone') {
      const phone = this.checkedPhone(message.receiveId.trim());
      const openId = await this.openIdFor(phone);
      if (openId === undefined) throw notFound(phone);
      return { receiveIdType: 'open_id', receiveId: openId };
    }
    throw new ValidationError({
      code: 'MESSAGE_INVALID',
      field: 'receiveType',
      message:
        `receiveType: ${JSON.stringify(message.receiveType)} is not allowed; use one of ${RECEIVE_TYPE_NAMES.join(', ')}`,
    });
  }

  /**
   * Looks up all given phones (in batches of <= 50) so that later resolve() calls find them. Never
   * rejects: misses are remembered; a failed lookup is not (resolve() asks again and reports the error on
   * each message), except a refusal for scope or permission. Invalid numbers are skipped (resolve() reports them).
   */
  async prefetch(phones: Iterable<string>): Promise<void> {
    const pending: Array<Promise<unknown>> = [];
    for (const raw of phones) {
      const phone = normalizePhone(raw);
      if (!PHONE_SHAPE.test(phone)) continue;
      pending.push(this.openIdFor(phone).catch(() => undefined));
    }
    await Promise.all(pending);
  }

  /**
   * True when resolve() needs no new lookup for this (normalised) phone: a lookup is queued or running for
   * it, the store answers it at once, or lookups are refused for now. An asynchronous store is not asked here.
   */
  knows(phone: string): boolean {
    if (this.refused || this.inFlight.has(phone) || this.queued.has(phone)) return true;
    return this.answerAtOnce(phone) !== undefined;
  }

  /** Drops what the in-memory store remembers (e.g. after the user changed the app's visible range). */
  clear(): void {
    if (this.store instanceof InMemoryLookupStore) this.store.clear();
    this.refused = undefined;
  }

  private checkedPhone(raw: string): string {
    const phone = normalizePhone(raw);
    if (!PHONE_SHAPE.test(phone)) {
      throw new ValidationError({
        code: 'MESSAGE_INVALID',
        field: 'receiveId',
        message: `receiveId: ${maskPhone(raw)} is not a mobile number: digits, optionally with +country code (e.g. 13800000000)`,
      });
    }
    return phone;
  }

  private openIdFor(phone: string): Promise<string | undefined> {
    if (this.refused) {
      if (this.refused.until > this.clock.now()) return Promise.reject(this.refused.error);
      this.refused = undefined;
    }
    const running = this.inFlight.get(phone);
    if (running) return running;
    // The in-memory store is asked here: a known phone costs no turn of the loop (a shared store, in the batch).
    const known = this.answerAtOnce(phone);
    if (known !== undefined) return Promise.resolve(known ?? undefined);
    return new Promise<string | undefined>((resolve, reject) => {
      const waiters = this.queued.get(phone);
      if (waiters) waiters.push({ resolve, reject });
      else this.queued.set(phone, [{ resolve, reject }]);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.schedule(() => this.flush());
      }
    });
  }

  /** The in-memory store's answer (open_id, or null for a known miss); undefined when unknown or not in memory. */
  private answerAtOnce(phone: string): string | null | undefined {
    if (!(this.store instanceof InMemoryLookupStore)) return undefined;
    return this.store.getMany([phone]).get(phone);
  }

  private flush(): void {
    this.flushScheduled = false;
    const queued = this.queued;
    this.queued = new Map();
    const phones = [...queued.keys()];
    for (let i = 0; i < phones.length; i += this.batchSize) {
      this.runBatch(phones.slice(i, i + this.batchSize), queued);
    }
  }

  private runBatch(batch: string[], queued: Map<string, Waiter[]>): void {
    const result = this.answers(batch);
    for (const phone of batch) {
      const p = result.then((found) => found.get(phone) ?? undefined);
      // Swallow here: the rejection is delivered to the waiters below.
      p.catch(() => undefined);
      this.inFlight.set(phone, p);
    }
    result.then(
      (found) => {
        for (const phone of batch) {
          this.inFlight.delete(phone);
          const openId = found.get(phone) ?? undefined;
          for (const w of queued.get(phone) ?? []) w.resolve(openId);
        }
      },
      (err: unknown) => {
        if (refusesEveryPhone(err)) this.refused = { error: err, until: this.clock.now() + this.missTtlMs };
        for (const phone of batch) {
          this.inFlight.delete(phone);
          for (const w of queued.get(phone) ?? []) w.reject(err);
        }
      },
    );
  }

  /** The store's answers, then batch_get_id for the phones it does not know (remembered in the store). */
  private async answers(batch: string[]): Promise<Map<string, string | null>> {
    const known = new Map(await this.store.getMany(batch));
    const unknown = batch.filter((p) => !known.has(p));
    if (unknown.length === 0) return known;
    this.lookupCalls += 1;
    const found = await this.lookup(unknown);
    const entries = unknown.map((phone) => {
      const openId = found.get(phone) ?? null;
      known.set(phone, openId);
      return { phone, openId, ttlMs: openId === null ? this.missTtlMs : this.ttlMs };
    });
    await this.store.setMany(entries);
    return known;
  }
}

function notFound(phone: string): ConnectorError {
  return new ConnectorError({
    code: 'RECEIVER_NOT_FOUND',
    retryable: false,
    field: 'receiveId',
    message:
      `phone ${maskPhone(phone)} was not found, or the user is outside the app's visible range: check the number ` +
      'is the one registered in Lark, and add the user to the app\'s availability (developer console > Version Management & Release)',
  });
}
