/** The redis-server launcher lives with the bench (which needs one too); the specs use the same. */
export { freePort, startRedisServer, REDIS_SERVER, type RedisServer } from '../../src/bench/redis-server.js';
