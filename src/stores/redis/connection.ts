/**
 * One ioredis connection shared by the limiter, token and lookup stores of a run, with the failure policy:
 * unreachable at start -> STORE_UNAVAILABLE at once (the CLI exits 2); lost mid-run -> the stores refuse
 * (sends pause), ioredis reconnects with backoff, and after `maxDownMs` the stores give up with
 * STORE_UNAVAILABLE (app-level: the run stops, the rest is reported).
 */
import { Redis } from 'ioredis';
import { ConnectorError, errorMessage } from '../../core/errors.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { maskRedisUrl } from '../config.js';

export const DEFAULT_MAX_DOWN_MS = 30_000;
/** Reconnect backoff: 50 ms doubling up to 2 s. */
const backoffMs = (attempt: number): number => Math.min(2_000, 50 * 2 ** Math.min(attempt, 6));

export interface RedisConnectionOptions {
  url: string;
  /** How long a lost connection may stay lost before the stores give up. Default 30 s. */
  maxDownMs?: number;
  /** Per-command timeout, so a hung server counts as down. Default 2 s. */
  commandTimeoutMs?: number;
  /** Start-up connect timeout. Default 3 s. */
  connectTimeoutMs?: number;
  clock?: Pick<Clock, 'now'>;
}

/** The answer a store gives while the connection is down: not now, try again in retryInMs. */
export interface Unavailable {
  retryInMs: number;
}

export class RedisConnection {
  readonly client: Redis;
  readonly maskedUrl: string;
  private readonly maxDownMs: number;
  private readonly clock: Pick<Clock, 'now'>;
  private everReady = false;
  private downSince: number | undefined;
  private attempt = 0;
  private closed = false;
  /** The socket's own error (ECONNREFUSED...), which says more than the "Connection is closed" a command gets. */
  private lastError: unknown;
  /** The last error Redis answered (not an outage), for the give-up message. */
  private lastAnswer: string | undefined;

  private constructor(opts: RedisConnectionOptions) {
    this.maskedUrl = maskRedisUrl(opts.url);
    this.maxDownMs = opts.maxDownMs ?? DEFAULT_MAX_DOWN_MS;
    this.clock = opts.clock ?? systemClock;
    this.client = new Redis(opts.url, {
      lazyConnect: true,
      // Fail fast rather than queue: a command waiting in a queue would be an admission nobody controls.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 2_000,
      connectTimeout: opts.connectTimeoutMs ?? 3_000,
      // A socket left by an outage never closes by itself: ioredis's default 2 s wait kept the process alive.
      disconnectTimeout: 0,
      // Before the first connection: no retry (start-up failure is reported at once). After: back off.
      retryStrategy: (times) => {
        if (!this.everReady || this.closed) return null;
        this.attempt = times;
        return backoffMs(times);
      },
    });
    this.client.on('ready', () => {
      this.everReady = true;
      this.downSince = undefined;
      this.attempt = 0;
    });
    this.client.on('close', () => {
      if (this.everReady) this.downSince ??= this.clock.now();
    });
    // Errors surface through the commands and the state above; an unhandled 'error' event would crash.
    this.client.on('error', (err) => {
      this.lastError = err;
    });
  }

  /** Connects (and checks with PING); unreachable -> ConnectorError STORE_UNAVAILABLE naming the masked URL. */
  static async open(opts: RedisConnectionOptions): Promise<RedisConnection> {
    const conn = new RedisConnection(opts);
    try {
      await conn.client.connect();
      await conn.client.ping();
    } catch (err) {
      conn.client.disconnect();
      throw new ConnectorError({
        code: 'STORE_UNAVAILABLE',
        retryable: false,
        message: `cannot reach Redis at ${conn.maskedUrl} (${reason(conn.lastError ?? err)}): start it, or fix LARK_IM_REDIS_URL / --redis / the config's store.redis`,
        advice: 'start Redis or fix its URL',
      });
    }
    return conn;
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Called by a store when a command failed or the connection is not ready: returns when to try again, or
   * throws STORE_UNAVAILABLE once Redis has been unusable for maxDownMs. An error answer (OOM, READONLY after a
   * failover, NOAUTH) counts like a lost connection: the quota cannot be checked either way.
   */
  unavailable(err?: unknown): Unavailable {
    if (err !== undefined && !isConnectionError(err)) this.lastAnswer = reason(err);
    const now = this.clock.now();
    const since = (this.downSince ??= now);
    const downFor = now - since;
    if (downFor >= this.maxDownMs || this.closed || this.client.status === 'end') {
      throw storeUnavailable(this.maskedUrl, downFor, this.lastAnswer);
    }
    return { retryInMs: Math.max(1, Math.min(backoffMs(this.attempt + 1), this.maxDownMs - downFor)) };
  }

  /** A command worked: Redis is usable again (an error answer does not close the connection). */
  answered(): void {
    if (this.downSince !== undefined && this.ready) {
      this.downSince = undefined;
      this.lastAnswer = undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }
}

export function storeUnavailable(maskedUrl: string, downForMs: number, answer?: string): ConnectorError {
  return new ConnectorError({
    code: 'STORE_UNAVAILABLE',
    retryable: false,
    message: `lost the shared store (Redis at ${maskedUrl}${answer ? `, answering ${answer}` : ''}) for ${(downForMs / 1000).toFixed(1)} s: sending stopped so the app's quota is not exceeded blindly; bring Redis back and run again`,
    advice: 'bring Redis back and run again',
  });
}

function reason(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  const msg = errorMessage(err);
  // ioredis messages may quote the URL (with its password): keep only the first words.
  return msg.replace(/rediss?:\/\/\S+/g, '').slice(0, 80);
}

/** An outage (socket closed, timeout, not writable) rather than an answer from the server. */
function isConnectionError(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : '';
  return /Connection is closed|Stream isn't writeable|Command timed out|ECONNRESET|ECONNREFUSED|EPIPE|MaxRetriesPerRequest|reconnect/i.test(msg);
}
