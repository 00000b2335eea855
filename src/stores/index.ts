/**
 * Where a run keeps its limiter windows, tenant token and phone lookups: in memory (one process, the
 * default) or in Redis (shared by every worker of the app). See docs/scaling.md.
 */
import type { LimiterStore, LookupStore, TokenStore } from '../core/stores.js';
import type { StoreConfig } from './config.js';
import type { UploadKeyStore } from '../pipeline/media/upload-keys.js';
import type { KeyMap } from '../pipeline/lifecycle/key-map.js';

export { storeConfigSchema, parseStoreConfig, redactStoreConfig, REDIS_URL_ENV, DEFAULT_STORE_PREFIX, type StoreConfig } from './config.js';

export interface SharedStores {
  limiterStore: LimiterStore;
  tokenStore: TokenStore;
  lookupStore: LookupStore;
  /** Keys of uploaded images and files (src/pipeline/media/). */
  uploadKeyStore: UploadKeyStore;
  /** The record lifecycle's key map (key -> message ids), shared by the workers; entries live lifetimeMs. */
  keyMap(lifetimeMs: number): KeyMap;
  /** Closes the connection (at the end of a run). */
  close(): void;
}

/**
 * Keys of one Lark host and app: `<prefix>:{<host>|<appId>}:`. Two apps (or one app id on two hosts) never
 * share a window; the braces make every key of an app one Redis Cluster hash slot, as a multi-key script needs.
 */
export function storeScope(prefix: string, baseUrl: string, appId: string): string {
  let host: string;
  try {
    host = new URL(baseUrl).host;
  } catch {
    host = baseUrl;
  }
  return `${prefix}:{${host}|${appId}}:`;
}

/** Connects to Redis and builds the three stores; unreachable -> ConnectorError STORE_UNAVAILABLE. */
export async function openRedisStores(config: StoreConfig, scope: { baseUrl: string; appId: string }): Promise<SharedStores> {
  // Loaded only when asked for: a run without Redis never loads ioredis.
  const [{ RedisConnection }, { RedisLimiterStore }, { RedisTokenStore }, { RedisLookupStore }, { RedisUploadKeyStore }, { RedisKeyMap }] =
    await Promise.all([
    import('./redis/connection.js'),
    import('./redis/limiter.js'),
    import('./redis/token.js'),
    import('./redis/lookup.js'),
    import('./redis/upload-keys.js'),
    import('./redis/key-map.js'),
  ]);
  const conn = await RedisConnection.open({ url: config.redis, ...(config.maxDownMs !== undefined ? { maxDownMs: config.maxDownMs } : {}) });
  const prefix = storeScope(config.prefix, scope.baseUrl, scope.appId);
  return {
    limiterStore: new RedisLimiterStore(conn, { prefix }),
    tokenStore: new RedisTokenStore(conn, { prefix }),
    lookupStore: new RedisLookupStore(conn, { prefix }),
    uploadKeyStore: new RedisUploadKeyStore(conn, { prefix }),
    keyMap: (lifetimeMs) => new RedisKeyMap(conn, { prefix, lifetimeMs }),
    close: () => void conn.close(),
  };
}
