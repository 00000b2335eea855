/**
 * TokenStore on Redis: the tenant token as a string key living as long as the token, a compare-and-delete
 * so a late failure of an old token never drops a newer one, and a short lock so one worker fetches while
 * the others wait for the stored token.
 */
import { createHash, randomUUID } from 'node:crypto';
import { REFRESH_BEFORE_MS } from '../../lark/token.js';
import { type CachedToken, type TokenStore } from '../../core/stores.js';
import type { RedisConnection } from './connection.js';

/** KEYS: token key. ARGV: token. Deletes only if the stored token is still that one. */
const DELETE_IF = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local ok, cached = pcall(cjson.decode, v)
if ok and cached.token == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** KEYS: lock key. ARGV: owner. Releases the lock only if we still own it (it may have expired and been retaken). */
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export class RedisTokenStore implements TokenStore {
  private readonly owner: string;
  /**
   * The last token seen, per key: while Redis is unreachable the token is still good at Lark, so the run keeps
   * using it (sends are paused by the limiter anyway; lookups and the credentials check are not).
   */
  private readonly local = new Map<string, CachedToken>();

  constructor(
    private readonly conn: RedisConnection,
    private readonly opts: { prefix: string; now?: () => number; id?: string },
  ) {
    this.owner = opts.id ?? randomUUID();
    conn.client.defineCommand('larkImTokenDeleteIf', { numberOfKeys: 1, lua: DELETE_IF });
    conn.client.defineCommand('larkImUnlock', { numberOfKeys: 1, lua: UNLOCK });
  }

  /**
   * The local copy while it is fresh (before its refreshAt): the token is read before every request, and a
   * round trip to Redis there would sit between the send slot and the send. A token another worker dropped
   * reaches us as Lark's invalid-token answer, which drops it here too (delete) before a re-read.
   */
  async get(key: string): Promise<CachedToken | undefined> {
    const mine = this.local.get(key);
    if (mine && (this.opts.now ?? Date.now)() < (mine.refreshAt ?? mine.expiresAt - REFRESH_BEFORE_MS)) return mine;
    let raw: string | null;
    try {
      raw = await this.conn.client.get(this.tokenKey(key));
    } catch {
      return this.local.get(key);
    }
    const v = parseToken(raw);
    if (v) this.local.set(key, v);
    else this.local.delete(key);
    return v;
  }

  async set(key: string, value: CachedToken): Promise<void> {
    this.local.set(key, value);
    const ttl = Math.ceil(value.expiresAt - (this.opts.now ?? Date.now)());
    if (ttl <= 0) return;
    await this.conn.client.set(this.tokenKey(key), JSON.stringify(value), 'PX', ttl).catch(() => undefined);
  }

  async delete(key: string, token: string): Promise<void> {
    if (this.local.get(key)?.token === token) this.local.delete(key);
    await this.call('larkImTokenDeleteIf', this.tokenKey(key), token).catch(() => undefined);
  }

  /**
   * SET NX PX: true when this process may fetch; the lock frees itself after ttlMs if its holder dies. With
   * Redis unreachable every worker may fetch (a token fetch is not a send: it cannot exceed the send quota).
   */
  async lock(key: string, ttlMs: number): Promise<boolean> {
    try {
      return (await this.conn.client.set(this.lockKey(key), this.owner, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
    } catch {
      return true;
    }
  }

  async unlock(key: string): Promise<void> {
    await this.call('larkImUnlock', this.lockKey(key), this.owner).catch(() => undefined);
  }

  // The store key holds the base URL; hashing keeps Redis keys short and free of URL characters.
  private tokenKey(key: string): string {
    return `${this.opts.prefix}token:${digest(key)}`;
  }

  private lockKey(key: string): string {
    return `${this.opts.prefix}token-lock:${digest(key)}`;
  }

  private call(name: string, ...args: string[]): Promise<unknown> {
    const fn = (this.conn.client as unknown as Record<string, (...a: string[]) => Promise<unknown>>)[name];
    if (!fn) throw new Error(`redis command ${name} is not defined`);
    return fn.apply(this.conn.client, args);
  }
}

function parseToken(raw: string | null): CachedToken | undefined {
  if (raw === null) return undefined;
  try {
    const v = JSON.parse(raw) as CachedToken;
    return typeof v.token === 'string' && typeof v.expiresAt === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function digest(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 32);
}
