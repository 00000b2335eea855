/**
 * Receiver -> Lark (receive_id_type, receive_id).
 * user/email/chat map directly; a phone needs batch_get_id. Phone lookups are coalesced (all resolve()
 * calls made before the next macrotask share one lookup of <= batchSize numbers), de-duplicated while in
 * flight, and cached with a TTL: hits for ttlMs (10 min), misses for missTtlMs (1 min) so that a user
 * added to the app's visible range is picked up soon, and an unknown number is not looked up per message.
 */
import { ConnectorError, ValidationError } from '../lark/errors.js';
import { systemClock, type Clock } from '../lark/clock.js';
import type { ReceiveIdType } from '../lark/client.js';
import type { MessageBody } from './schema.js';

export type { ReceiveIdType };

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
  /** Cache entries kept at most (oldest dropped first). Default 50 000. */
  maxEntries?: number;
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

interface CacheEntry { openId: string | undefined; expiresAt: number }
interface Waiter { resolve: (openId: string | undefined) => void; reject: (e: unknown) => void }

const DIRECT_ID_TYPES: Partial<Record<string, ReceiveIdType>> = { user: 'open_id', email: 'email', chat: 'chat_id' };

/** The receivers Lark takes as they are (user, email, chat); undefined for a phone, which needs a lookup. */
export function directReceiver(message: Pick<MessageBody, 'receiveType' | 'receiveId'>): ResolvedReceiver | undefined {
  const receiveIdType = DIRECT_ID_TYPES[message.receiveType];
  return receiveIdType ? { receiveIdType, receiveId: message.receiveId.trim() } : undefined;
}

export class ReceiverResolver {
  private readonly lookup: PhoneLookup;
  private readonly ttlMs: number;
  private readonly missTtlMs: number;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly batchSize: number;
  private readonly maxEntries: number;
  private readonly schedule: (fn: () => void) => void;

  private readonly cache = new Map<string, CacheEntry>();
  /** Numbers waiting for the next flush, with everyone waiting on them. */
  private queued = new Map<string, Waiter[]>();
  /** Numbers whose lookup is running: later callers join it instead of asking again. */
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private flushScheduled = false;

  constructor(opts: ReceiverResolverOptions) {
    this.lookup = opts.lookup;
    this.ttlMs = opts.ttlMs ?? DEFAULT_RECEIVER_TTL_MS;
    this.missTtlMs = opts.missTtlMs ?? Math.min(DEFAULT_RECEIVER_MISS_TTL_MS, this.ttlMs);
    this.clock = opts.clock ?? systemClock;
    this.batchSize = Math.max(1, Math.min(opts.batchSize ?? LOOKUP_BATCH_SIZE, LOOKUP_BATCH_SIZE));
    this.maxEntries = opts.maxEntries ?? 50_000;
    this.schedule = opts.schedule ?? ((fn) => void setImmediate(fn));
  }

  /** user->open_id, email->email, chat->chat_id, phone->open_id via the (batched, cached) lookup. */
  async resolve(message: Pick<MessageBody, 'receiveType' | 'receiveId'>): Promise<ResolvedReceiver> {
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
      message: `receiveType: ${JSON.stringify(message.receiveType)} is not allowed; use one of user, email, phone, chat`,
    });
  }

  /**
   * Looks up all given phones (in batches of <= 50) so that later resolve() calls hit the cache.
   * Never rejects: misses are cached; a failed lookup is not, so resolve() asks again and reports the
   * error on each message. Invalid numbers are skipped (resolve() reports them).
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

  /** Drops cached lookups (e.g. after the user changed the app's visible range). */
  clear(): void {
    this.cache.clear();
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
    const hit = this.cache.get(phone);
    if (hit) {
      if (hit.expiresAt > this.clock.now()) return Promise.resolve(hit.openId);
      this.cache.delete(phone);
    }
    const running = this.inFlight.get(phone);
    if (running) return running;
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
    const result = Promise.resolve().then(() => this.lookup(batch));
    for (const phone of batch) {
      const p = result.then((found) => found.get(phone));
      // Swallow here: the rejection is delivered to the waiters below.
      p.catch(() => undefined);
      this.inFlight.set(phone, p);
    }
    result.then(
      (found) => {
        const now = this.clock.now();
        for (const phone of batch) {
          const openId = found.get(phone);
          this.remember(phone, openId, now);
          this.inFlight.delete(phone);
          for (const w of queued.get(phone) ?? []) w.resolve(openId);
        }
      },
      (err: unknown) => {
        for (const phone of batch) {
          this.inFlight.delete(phone);
          for (const w of queued.get(phone) ?? []) w.reject(err);
        }
      },
    );
  }

  private remember(phone: string, openId: string | undefined, now: number): void {
    this.cache.delete(phone); // re-insert at the end: Map order = age order
    this.cache.set(phone, { openId, expiresAt: now + (openId === undefined ? this.missTtlMs : this.ttlMs) });
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
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
