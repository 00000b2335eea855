/** vitest globalSetup: one redis-server for the whole run (see redis-server.ts); specs get its URL by inject('redisUrl'). */
import type { TestProject } from 'vitest/node';
import { startRedisServer, type RedisServer } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The suite's redis-server, or '' when it could not start (redisError says why). */
    redisUrl: string;
    redisError: string;
  }
}

let server: RedisServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  try {
    server = await startRedisServer();
    project.provide('redisUrl', server.url);
    project.provide('redisError', '');
  } catch (err) {
    // Not thrown: only the Redis specs fail (saying why); the rest of the suite still runs.
    project.provide('redisUrl', '');
    project.provide('redisError', err instanceof Error ? err.message : String(err));
  }
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
