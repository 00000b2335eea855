/**
 * tenant_access_token provider: cached in a (shareable) store, fetched single-flight,
 * refreshed 5 minutes before expiry and dropped when Lark rejects it.
 */
import { systemClock, type Clock } from '../core/clock.js';
import { LARK_PATHS } from '../core/vocabulary.js';
import { LarkError } from './errors.js';
import { safeEmit, type EventSink } from './events.js';
import type { LarkHttp } from './http.js';
import type { CachedToken, TokenStore } from '../core/stores.js';
import { InMemoryTokenStore } from '../stores/memory/token.js';

/** A token and when its fetch started (-Infinity when the store does not know). */
export interface TokenEntry {
  token: string;
  fetchedAt: number;
}

/** How long a worker may hold the fetch lock (a fetch that outlives it lets another worker fetch too). */
export const TOKEN_LOCK_MS = 5_000;

export const REFRESH_BEFORE_MS = 5 * 60_000;

export interface TokenProviderOptions {
  http: Pick<LarkHttp, 'request'>;
  baseUrl: string;
  appId: string;
  appSecret: string;
  store?: TokenStore;
  clock?: Clock;
  /** Reuse a token until this long before its expiry; default 5 min. */
  refreshBeforeMs?: number;
  onEvent?: EventSink;
}

interface TokenBody {
  tenant_access_token?: unknown;
  expire?: unknown;
}

export class TokenProvider {
  /** Store key: one token per (host, app). */
  readonly key: string;
  private readonly opts: TokenProviderOptions;
  private readonly store: TokenStore;
  private readonly clock: Clock;
  private readonly refreshBeforeMs: number;
  /** The single in-flight fetch for this key; every waiter shares it. */
  private inflight: Promise<TokenEntry> | undefined;
  private invalidatedSinceFetch = false;

  constructor(opts: TokenProviderOptions) {
    this.opts = opts;
    this.key = `${opts.baseUrl.replace(/\/+$/, '')}|${opts.appId}`;
    this.store = opts.store ?? new InMemoryTokenStore();
    this.clock = opts.clock ?? systemClock;
    this.refreshBeforeMs = opts.refreshBeforeMs ?? REFRESH_BEFORE_MS;
  }

  /** A usable token: the cached one if fresh, else the result of the one shared fetch. */
  async getToken(opts: { timeoutMs?: number } = {}): Promise<string> {
    return (await this.getTokenEntry(opts)).token;
  }

  /** getToken, with when the token's fetch started. */
  async getTokenEntry(opts: { timeoutMs?: number } = {}): Promise<TokenEntry> {
    const cached = await this.store.get(this.key);
    if (cached && this.freshToken(cached) !== undefined) return { token: cached.token, fetchedAt: cached.fetchedAt ?? Number.NEGATIVE_INFINITY };
    this.inflight ??= this.singleFetch(() => this.refresh(opts)).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Drops `token` if it is still the cached one, so N concurrent failures cause one refresh. */
  async invalidate(token: string): Promise<void> {
    const cached = await this.store.get(this.key);
    if (cached?.token !== token) return;
    this.invalidatedSinceFetch = true;
    await this.store.delete(this.key, token);
  }

  private freshToken(cached: CachedToken | undefined): string | undefined {
    if (!cached) return undefined;
    const refreshAt = cached.refreshAt ?? cached.expiresAt - this.refreshBeforeMs;
    return this.clock.now() < refreshAt ? cached.token : undefined;
  }

  /**
   * Across processes: with a store that locks, only the lock holder fetches; the others re-read the store
   * (backing off 20 ms to 250 ms) until the token is there or the lock is free (its holder died: it expires).
   * refresh() re-reads the store first, so a waiter that finds the token fresh does not fetch.
   */
  private async singleFetch<T>(refresh: () => Promise<T>): Promise<T> {
    const store = this.store;
    if (!store.lock || !store.unlock) return refresh();
    for (let waitMs = 20; ; waitMs = Math.min(waitMs * 2, 250)) {
      if (await store.lock(this.key, TOKEN_LOCK_MS)) {
        try {
          return await refresh();
        } finally {
          await store.unlock(this.key);
        }
      }
      await this.clock.sleep(waitMs);
      if (this.freshToken(await store.get(this.key)) !== undefined) return refresh();
    }
  }

  private async refresh(opts: { timeoutMs?: number }): Promise<TokenEntry> {
    // Double check: another provider sharing the store (or a caller that raced us) may have refreshed it.
    const cached = await this.store.get(this.key);
    const fresh = this.freshToken(cached);
    if (cached && fresh !== undefined) return { token: fresh, fetchedAt: cached.fetchedAt ?? Number.NEGATIVE_INFINITY };
    const reason = this.invalidatedSinceFetch ? 'invalidated' : cached ? 'expiring' : 'cold';
    const fetchedAt = this.clock.now();
    const { token, expiresInMs, logId } = await this.fetchToken(opts);
    this.invalidatedSinceFetch = false;
    // A short-lived token (a gateway that issues minutes, not hours) is still reused for half its life.
    const now = this.clock.now();
    const margin = Math.min(this.refreshBeforeMs, expiresInMs / 2);
    await this.store.set(this.key, { token, expiresAt: now + expiresInMs, refreshAt: now + expiresInMs - margin, fetchedAt });
    safeEmit(this.opts.onEvent, { type: 'token.fetched', reason, expiresInMs, ...(logId ? { logId } : {}) });
    return { token, fetchedAt };
  }

  private async fetchToken(opts: { timeoutMs?: number }): Promise<{ token: string; expiresInMs: number; logId?: string }> {
    const res = await this.opts.http.request<TokenBody>({
      method: 'POST',
      path: LARK_PATHS.token,
      body: { app_id: this.opts.appId, app_secret: this.opts.appSecret },
      redact: [this.opts.appSecret],
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
    const { tenant_access_token: token, expire } = res.body;
    if (typeof token !== 'string' || token === '' || typeof expire !== 'number') {
      throw new LarkError({
        code: 'LARK_API_ERROR',
        message: `the token endpoint answered code 0 without tenant_access_token/expire: check the domain / base URL${res.logId ? ` [log id: ${res.logId}]` : ''}`,
        httpStatus: res.status,
        logId: res.logId,
      });
    }
    return { token, expiresInMs: expire * 1000, ...(res.logId ? { logId: res.logId } : {}) };
  }
}
