/** The suite's Redis URL (a spec fails, saying why, when there is no redis-server), and a clean slate per spec. */
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

export function suiteRedisUrl(): string {
  const url = inject('redisUrl');
  if (!url) throw new Error(`no redis-server for the Redis specs: ${inject('redisError')}`);
  return url;
}

/** A prefix no other spec (nor an earlier run) uses: specs run in parallel against one server. */
export function uniquePrefix(): string {
  return `spec-${randomUUID().slice(0, 8)}`;
}

/** A plain client for looking at keys from the outside. */
export function inspector(url: string): Redis {
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
}
