/**
 * Is the Lark host there at all? Every request that gets no HTTP answer (refused, DNS, TLS, timeout, reset)
 * is a failure; any answer (even a 5xx) is a sign of life and starts the count over. When failures alone
 * have been seen for spanMs, the endpoint is down: one ENDPOINT_UNREACHABLE error, app-level, naming the host
 * and what was tried, so a run stops in seconds instead of retrying each message for minutes.
 * Down is final for this health: a run stops, a rerun (with --state) continues where it stopped; a follower
 * asks the client for a fresh one (AttemptEngine.probeAgain) and tries again.
 */
import { setMaxListeners } from 'node:events';
import type { Clock } from '../core/clock.js';
import { ConnectorError } from '../core/errors.js';
import { describeWireFailure, type WireError, type WireFailure } from './http.js';

export const DEFAULT_DOWN_AFTER_MS = 30_000;

export interface EndpointHealthOptions {
  /** host[:port], named in the error. */
  host: string;
  clock: Clock;
  /** Failures only, for this long: the endpoint is down. Default 30 s. */
  downAfterMs?: number;
  /** What the user should do when it is down; default: fix the network, then run again with --state. */
  advice?: string;
}

const DEFAULT_DOWN_ADVICE =
  'check the network / proxy, the domain and that Lark is reachable from this machine, then run again (with --state to continue where it stopped)';

export class EndpointHealth {
  private readonly opts: EndpointHealthOptions;
  private readonly downAfterMs: number;
  private readonly ctl = new AbortController();
  private firstFailureAt: number | undefined;
  private attempts = 0;
  private readonly failures = new Map<WireFailure, number>();

  constructor(opts: EndpointHealthOptions) {
    this.opts = opts;
    this.downAfterMs = opts.downAfterMs ?? DEFAULT_DOWN_AFTER_MS;
    // Every message in a backoff sleep listens here (hundreds at once when the host is gone).
    setMaxListeners(0, this.ctl.signal);
  }

  /** Aborted (reason: the ENDPOINT_UNREACHABLE error) once the endpoint is down: wakes backoff sleeps. */
  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  /** The error to fail with, once down. */
  get down(): ConnectorError | undefined {
    return this.ctl.signal.aborted ? (this.ctl.signal.reason as ConnectorError) : undefined;
  }

  /** While no answer has come since the first failure and no verdict is out: ms until the verdict is due. */
  msUntilVerdict(): number | undefined {
    if (this.firstFailureAt === undefined || this.down) return undefined;
    return Math.max(0, this.firstFailureAt + this.downAfterMs - this.opts.clock.now());
  }

  /** Lark answered (any HTTP status). */
  answered(): void {
    if (this.firstFailureAt === undefined || this.down) return;
    this.firstFailureAt = undefined;
    this.attempts = 0;
    this.failures.clear();
  }

  /** A request got no answer; returns the ENDPOINT_UNREACHABLE error when this makes the endpoint down. */
  failed(err: WireError): ConnectorError | undefined {
    if (this.down) return this.down;
    const now = this.opts.clock.now();
    this.firstFailureAt ??= now;
    this.attempts++;
    this.failures.set(err.failure, (this.failures.get(err.failure) ?? 0) + 1);
    if (now - this.firstFailureAt < this.downAfterMs) return undefined;
    const error = this.unreachable(now - this.firstFailureAt);
    this.ctl.abort(error);
    return error;
  }

  private unreachable(spanMs: number): ConnectorError {
    const tried = [...this.failures]
      .sort((a, b) => b[1] - a[1])
      .map(([failure, n]) => `${describeWireFailure(failure)} x${n}`)
      .join(', ');
    const advice = this.opts.advice ?? DEFAULT_DOWN_ADVICE;
    return new ConnectorError({
      code: 'ENDPOINT_UNREACHABLE',
      retryable: false,
      stops: 'app',
      advice,
      message: `Lark at ${this.opts.host} is unreachable: ${this.attempts} attempts over ${Math.round(spanMs / 1000)} s got no answer (${tried}): ${advice}`,
    });
  }
}
