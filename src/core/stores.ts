/**
 * The contracts of the state a run keeps: limiter windows, the tenant token, phone lookups. In memory for one
 * process (src/stores/memory/) or in Redis for every worker of an app (src/stores/redis/); the pacer, the token
 * provider and the receiver resolver take any implementation. See docs/scaling.md.
 */

/** One sliding window: at most `limit` acquisitions in any `windowMs`. */
export interface WindowKey {
  key: string;
  limit: number;
  windowMs: number;
}

/** admitted: what giveBack() needs to find the entries this admission added. */
export type TryAcquireResult = { ok: true; admitted?: string | number } | { ok: false; retryInMs: number; blockedKey?: string };

/**
 * Shared counter state; an external implementation (e.g. Redis) lets several workers share the limits.
 *
 * A slot counts from its admission for windowMs (Lark counts on arrival; the window already holds the
 * pacer's margin), whether or not the request has been answered.
 */
export interface LimiterStore {
  /**
   * Takes one slot in every window, or none (all or nothing). When refused, retryInMs says when to try again.
   * A store that cannot answer right now (reconnecting) refuses with a retryInMs; one that gives up throws a
   * ConnectorError STORE_UNAVAILABLE, and the pacer rejects every waiting acquisition with it.
   */
  tryAcquire(keys: WindowKey[], now: number): TryAcquireResult | Promise<TryAcquireResult>;
  /** Lark answered 429: no admission on `key` for forMs from now, for every user of the store. */
  pause(key: string, forMs: number, now: number): void | Promise<void>;
  /**
   * The admitted request never reached Lark (the connection was refused, the host's circuit opened before it
   * went): its entries leave the windows, as Lark never counted it. `admitted` is tryAcquire's.
   */
  giveBack(keys: WindowKey[], admitted: string | number | undefined): void | Promise<void>;
}

/** The tenant token as a store keeps it. */
export interface CachedToken {
  token: string;
  /** Epoch ms when Lark stops accepting it. */
  expiresAt: number;
  /** Epoch ms from which a new one is fetched (default: refreshBeforeMs before expiresAt). */
  refreshAt?: number;
  /** Epoch ms when the fetch that got it started: a token refused although fetched after an earlier refusal means the credentials are bad. */
  fetchedAt?: number;
}

/** Where tokens live; an external implementation lets several workers share one token. */
export interface TokenStore {
  get(key: string): Promise<CachedToken | undefined> | CachedToken | undefined;
  set(key: string, value: CachedToken): Promise<void> | void;
  /** Deletes only if `token` is still the stored one (a newer token must survive late failures of the old one). */
  delete(key: string, token: string): Promise<void> | void;
  /**
   * Shared stores: take a short lock before fetching, so one worker fetches while the others wait for the
   * stored token. false = someone else holds it. The lock must expire by itself after ttlMs.
   */
  lock?(key: string, ttlMs: number): Promise<boolean>;
  unlock?(key: string): Promise<void>;
}

/**
 * Where phone lookups are remembered (shared between workers when it is Redis). getMany gives the known
 * answers: an open_id, or null for a known miss; a phone that is absent is unknown (never asked, or expired).
 */
export interface LookupStore {
  /** Known answers: open_id, or null for a known miss; absent = unknown. */
  getMany(phones: readonly string[]): Map<string, string | null> | Promise<Map<string, string | null>>;
  setMany(entries: ReadonlyArray<{ phone: string; openId: string | null; ttlMs: number }>): void | Promise<void>;
}
