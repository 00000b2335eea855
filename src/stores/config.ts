/**
 * The config's `store` part: where the limiter, token and lookup stores live. Absent = in memory (one
 * process). `{"redis": "redis://127.0.0.1:6379/0", "prefix": "lark-im"}` = shared by every worker using
 * the same Redis and prefix. LARK_IM_REDIS_URL fills `redis` when the config has none; `--redis` overrides.
 */
import { z } from 'zod';
import { ConnectorError } from '../core/errors.js';
import { wholeNumber } from '../core/whole-number.js';

export const REDIS_URL_ENV = 'LARK_IM_REDIS_URL';
export const DEFAULT_STORE_PREFIX = 'lark-im';

function isRedisUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
  } catch {
    return false;
  }
}

// Messages never quote the value: a Redis URL may carry a password.
export const storeConfigSchema = z.object({
  redis: z
    .string({ error: 'must be a redis:// or rediss:// URL' })
    .trim()
    .refine(isRedisUrl, { error: 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0' }),
  prefix: z
    .string({ error: 'must be a string' })
    .trim()
    .regex(/^[\w.:-]{1,64}$/, { error: 'must be 1-64 letters, digits, or . _ : -' })
    .default(DEFAULT_STORE_PREFIX),
  /** How long Redis may stay lost mid-run before the run stops (STORE_UNAVAILABLE). */
  maxDownMs: wholeNumber({ min: 1_000, max: 600_000, unit: 'ms' }).optional(),
});

export type StoreConfig = z.infer<typeof storeConfigSchema>;

/**
 * The raw `store` part with the env fallback applied; undefined when nothing asks for Redis. Validation
 * problems come back as zod issues for parseConfig to report with the others.
 */
export function parseStoreConfig(raw: unknown, env: NodeJS.ProcessEnv): z.ZodSafeParseResult<StoreConfig | undefined> {
  const fromEnv = env[REDIS_URL_ENV]?.trim();
  // No Redis URL anywhere (no store part, or one without `redis`): in memory.
  const noUrl = raw === undefined || raw === null || (typeof raw === 'object' && (raw as Record<string, unknown>).redis === undefined);
  if (noUrl && !fromEnv) return { success: true, data: undefined };
  const src = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : raw;
  if (src !== undefined && src !== null && typeof src === 'object' && !Array.isArray(src) && (src as Record<string, unknown>).redis === undefined && fromEnv) {
    (src as Record<string, unknown>).redis = fromEnv;
  }
  return storeConfigSchema.optional().safeParse(src ?? { redis: fromEnv });
}

/** A copy safe to print: the URL's password masked. */
export function redactStoreConfig(store: StoreConfig): StoreConfig {
  return { ...store, redis: maskRedisUrl(store.redis) };
}

/**
 * redis://user:secret@host:6379/0 -> redis://user:****@host:6379/0 (never print a password). ioredis also takes
 * options from the query (?password=..., ?sentinelPassword=...): those are masked too.
 */
export function maskRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    for (const name of [...u.searchParams.keys()]) if (/pass|secret|token|auth/i.test(name)) u.searchParams.set(name, '****');
    return u.toString();
  } catch {
    return 'the configured Redis URL';
  }
}

/** `--redis URL` over the config's store part (and LARK_IM_REDIS_URL); a bad URL is CONFIG_INVALID. */
export function withRedisUrl(store: StoreConfig | undefined, url: string): StoreConfig {
  const parsed = storeConfigSchema.safeParse({ ...store, redis: url });
  if (!parsed.success) {
    throw new ConnectorError({ code: 'CONFIG_INVALID', retryable: false, field: 'store.redis', message: `--redis ${parsed.error.issues[0]?.message ?? 'is not valid'}` });
  }
  return parsed.data;
}
