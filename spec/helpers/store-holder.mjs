// A worker that takes the token fetch lock or window slots through the built stores, says "held", and
// waits to be killed (the specs SIGKILL it to prove nothing stalls beyond the lock's expiry / the window).
// Usage: node store-holder.mjs lock|slots URL PREFIX KEY TTL_OR_WINDOW_MS [LIMIT]
import { RedisConnection } from '../../dist/stores/redis/connection.js';
import { RedisLimiterStore } from '../../dist/stores/redis/limiter.js';
import { RedisTokenStore } from '../../dist/stores/redis/token.js';

const [mode, url, prefix, key, ms, limit] = process.argv.slice(2);
const conn = await RedisConnection.open({ url });
if (mode === 'lock') {
  if (!(await new RedisTokenStore(conn, { prefix }).lock(key, Number(ms)))) throw new Error('lock not taken');
} else {
  const store = new RedisLimiterStore(conn, { prefix });
  for (let i = 0; i < Number(limit); i++) {
    const r = await store.tryAcquire([{ key, limit: Number(limit), windowMs: Number(ms) }], 0);
    if (!r.ok) throw new Error('slot not taken');
  }
}
process.stdout.write('held\n');
setInterval(() => undefined, 60_000);
