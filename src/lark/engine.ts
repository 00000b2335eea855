/**
 * The attempt engine under LarkClient. Every call goes
 *   retry ( pacer slot -> token -> request -> classify )
 * in that order, so a token is never held across a queue wait (a fresh one is put in the store before
 * queueing, so that no token fetch sits between a slot and its request). On an invalid-token answer the token is
 * dropped (if still the stored one) and the attempt starts over: a new slot, then a token fetched afresh;
 * only when a token fetched after that refusal is refused too does the call fail with TOKEN_INVALID
 * (app-level). A 429 pauses the app's windows for every waiter until Lark's reset. Time queued for a slot
 * does not count against the retry budget, and backoff sleeps end at once on abort.
 * Before its slot, every attempt passes the host's circuit (circuit.ts): while the host gives no answer only
 * one probe at a time goes, the others wait there (no attempt, no slot spent); a slot taken just as the circuit
 * opened, or by a request that never reached Lark (refused), is given back to the pacer. When every request
 * gets no answer for a while (DEFAULT_DOWN_AFTER_MS), the endpoint is down: ENDPOINT_UNREACHABLE, app-level.
 */
import { systemClock, type Clock } from '../core/clock.js';
import { interruptedError, type ConnectorError } from '../core/errors.js';
import { HostCircuit, type CircuitPass } from './circuit.js';
import { EndpointHealth } from './endpoint-health.js';
import type { Endpoint, PacerName } from './endpoints/endpoint.js';
import { INVALID_TOKEN_CODES, LarkError } from './errors.js';
import { safeEmit, type ClientEvent } from './events.js';
import { proxyFor, type ProxyRoute } from './proxy-url.js';
import { LarkHttp, WireError, describeWireFailure, type LarkRequest, type LarkResponse } from './http.js';
import {
  createListPacer, createLookupPacer, createMessageChangePacer, createSendPacer, createUploadPacer,
  type Pacer, type PacingOptions, type Release,
} from './pacer.js';
import { retryPolicies, withRetry, type RetryContext, type RetryInfo, type RetryOptions, type RetryPolicy } from './retry.js';
import { TokenProvider, type TokenEntry } from './token.js';
import type { LimiterStore, TokenStore } from '../core/stores.js';
import type { Transport } from './transport.js';

export interface LarkClientOptions {
  appId: string;
  appSecret: string;
  /** e.g. https://open.feishu.cn or http://127.0.0.1:PORT */
  baseUrl: string;
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** false = no pacing (benchmarks only). */
  pacing?: PacingOptions | false;
  clock?: Clock;
  random?: () => number;
  tokenStore?: TokenStore;
  limiterStore?: LimiterStore;
  /** The wire (default: one axios instance with keep-alive agents on baseUrl). */
  transport?: Transport;
  /** The config's proxy URL; when absent HTTPS_PROXY / HTTP_PROXY / NO_PROXY decide (proxy-url.ts). */
  proxy?: string;
  /** No answer from the host for this long: ENDPOINT_UNREACHABLE (default 30 s). */
  endpointDownAfterMs?: number;
  /** The advice of that ENDPOINT_UNREACHABLE (default: fix the network, run again with --state). */
  endpointDownAdvice?: string;
  /** Retries, token refreshes, pacer waits. Never contains the secret or a token. */
  onEvent?: (e: ClientEvent) => void;
}

/** Connection tests pass probe: true: one quick retry and a short timeout instead of the full policy. */
export interface CallOptions {
  probe?: boolean;
  signal?: AbortSignal;
}

/** A connection test's per-request timeout: it answers in seconds, with the cause. */
export const PROBE_TIMEOUT_MS = 3000;
/** Bound on token refusals within one call (each one already fetched a new token). */
const MAX_TOKEN_REFUSALS = 3;

type AttemptContext = RetryContext & { ticket: number | undefined };

export class AttemptEngine {
  private readonly opts: LarkClientOptions;
  private readonly http: LarkHttp;
  private readonly tokens: TokenProvider;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly policy: RetryPolicy;
  private readonly pacers: Partial<Record<PacerName, Pacer>> = {};
  /** Replaced (not reset) by probeAgain(): sleeps of the old verdict keep their aborted signal. */
  private health: EndpointHealth;
  /** The host's circuit, shared by every call (sends, lookups, reads, uploads, the token). */
  private readonly circuit: HostCircuit;
  /** The proxy the requests go through, if any. */
  readonly proxy: ProxyRoute | undefined;

  constructor(opts: LarkClientOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.policy = opts.retry ?? retryPolicies.standard;
    this.proxy = opts.transport ? undefined : proxyFor(opts.baseUrl, opts.proxy);
    this.http = new LarkHttp({
      baseUrl: opts.baseUrl,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.transport ? { transport: opts.transport } : {}),
      ...(this.proxy ? { proxy: this.proxy } : {}),
      now: () => this.clock.now(),
    });
    this.health = this.newHealth();
    const host = this.http.hostName;
    this.circuit = new HostCircuit({
      clock: this.clock,
      random: this.random,
      verdictInMs: () => this.health.msUntilVerdict(),
      onChange: (c) =>
        this.emit(c.state === 'open' ? { type: 'circuit.open', host, since: c.since } : { type: 'circuit.closed', host, openMs: c.openMs }),
    });
    this.tokens = new TokenProvider({
      http: { request: (req) => this.send(req) },
      baseUrl: opts.baseUrl,
      appId: opts.appId,
      appSecret: opts.appSecret,
      store: opts.tokenStore,
      clock: this.clock,
      onEvent: opts.onEvent,
    });
    if (opts.pacing !== false) {
      const deps = { scope: opts.appId, clock: this.clock, store: opts.limiterStore, onEvent: opts.onEvent };
      this.pacers.send = createSendPacer(opts.pacing ?? {}, deps);
      this.pacers.lookup = createLookupPacer(opts.pacing ?? {}, deps);
      this.pacers.list = createListPacer(opts.pacing ?? {}, deps);
      this.pacers.upload = createUploadPacer(opts.pacing ?? {}, deps);
      for (const kind of ['edit', 'update_card', 'recall'] as const) this.pacers[kind] = createMessageChangePacer(kind, opts.pacing ?? {}, deps);
    }
  }

  /** Fetches (or reuses) the tenant token, retried like every call. */
  getTenantToken(options: CallOptions = {}): Promise<string> {
    const timeout = options.probe ? { timeoutMs: this.probeTimeoutMs() } : {};
    return withRetry(async (_attempt, ctx) => {
      this.throwIfDown();
      const open = this.circuit.pass(options.signal);
      const pass = open instanceof Promise ? await this.waitForCircuit(open, ctx) : open;
      try {
        return await this.tokens.getToken(timeout);
      } finally {
        pass.release();
      }
    }, this.retryOptions('token', options));
  }

  /** One endpoint call: retried attempts of a paced, token-authenticated request, the answer parsed. */
  async call<A, R>(endpoint: Endpoint<A, R>, args: A, options: CallOptions = {}): Promise<R> {
    const pacer = endpoint.pacer ? this.pacers[endpoint.pacer] : undefined;
    const receiverKey = endpoint.receiver?.(args);
    const req = endpoint.request(args);
    if (options.probe) req.timeoutMs = this.probeTimeoutMs();
    // One place in the pacer's queue for every attempt: a retry is not sent after the messages behind it.
    const ticket = pacer?.ticket();
    const res = await withRetry(
      (_attempt, ctx) => this.attempt(endpoint.op, pacer, receiverKey, req, options.signal, { exclude: ctx.exclude, ticket }),
      this.retryOptions(endpoint.op, options),
    );
    return endpoint.parse(res, args);
  }

  /** Destroys the keep-alive sockets. */
  close(): void {
    this.http.close();
  }

  private retryOptions(op: string, options: CallOptions): RetryOptions {
    const signal = options.signal;
    return {
      policy: options.probe ? retryPolicies.probe : this.policy,
      clock: this.clock,
      random: this.random,
      signals: () => [signal, this.health.signal],
      // While nothing at all answers, a message waits for the endpoint's verdict rather than failing alone.
      lastChance: (err: ConnectorError) => (err instanceof WireError ? this.health.msUntilVerdict() : undefined),
      onRetry: ({ attempt, code, delayMs, error }: RetryInfo) =>
        this.emit({
          type: 'retry',
          op,
          attempt,
          code,
          delayMs,
          ...(error.larkCode !== undefined ? { larkCode: error.larkCode } : {}),
          ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
          ...(error.logId ? { logId: error.logId } : {}),
        }),
    };
  }

  /**
   * One attempt: the circuit, then slot, then token, then request. An invalid-token answer drops the token and
   * starts over (new slot, new token); it fails only when a token fetched after an earlier refusal is refused
   * too. A slot taken as the circuit opened is given back and the attempt waits at the circuit again.
   */
  private async attempt(
    op: string,
    pacer: Pacer | undefined,
    receiverKey: string | undefined,
    req: LarkRequest,
    signal: AbortSignal | undefined,
    ctx: AttemptContext,
  ): Promise<LarkResponse> {
    let firstRefusalAt: number | undefined;
    for (let refusals = 0; ; ) {
      if (signal?.aborted) throw interruptedError();
      this.throwIfDown();
      const open = this.circuit.pass(signal);
      const pass = open instanceof Promise ? await this.waitForCircuit(open, ctx) : open;
      let release: Release | undefined;
      let entry: TokenEntry | undefined;
      let unsent = false;
      try {
        // Have a fresh token in the store before queueing (not held: it is read again after the slot), so a
        // token fetch does not sit between a slot's admission and its request: Lark counts on arrival.
        if (pacer) await this.tokens.getTokenEntry();
        release = pacer ? await this.slot(pacer, receiverKey, signal, ctx) : undefined;
        this.throwIfDown();
        if (!this.circuit.admits(pass)) {
          unsent = true;
          continue;
        }
        entry = await this.tokens.getTokenEntry();
        return await this.send({ ...req, token: entry.token });
      } catch (err) {
        unsent = err instanceof WireError && neverReachedLark(err);
        if (pacer && isRateLimit(err)) await pacer.pause(err.retryAfterMs ?? 1000).catch(() => undefined);
        if (!entry || !isInvalidToken(err)) throw err;
        this.emit({ type: 'token.invalidated', op, larkCode: err.larkCode, ...(err.logId ? { logId: err.logId } : {}) });
        await this.tokens.invalidate(entry.token);
        // A token fetched after this call's first refusal was refused too: the credentials themselves are bad.
        if ((firstRefusalAt !== undefined && entry.fetchedAt >= firstRefusalAt) || ++refusals >= MAX_TOKEN_REFUSALS) throw err;
        firstRefusalAt ??= this.clock.now();
      } finally {
        release?.(unsent);
        pass.release();
      }
    }
  }

  /** The wait for the host's circuit (it is open): queue time, not retry time. */
  private async waitForCircuit(pass: Promise<CircuitPass>, ctx: RetryContext): Promise<CircuitPass> {
    const queuedAt = this.clock.now();
    try {
      return await pass;
    } finally {
      ctx.exclude(this.clock.now() - queuedAt);
    }
  }

  /** Waits for a pacer slot; the wait is queue time, not retry time. */
  private async slot(pacer: Pacer, receiverKey: string | undefined, signal: AbortSignal | undefined, ctx: AttemptContext): Promise<() => void> {
    const queuedAt = this.clock.now();
    const release = await pacer.acquire(receiverKey, signal, ctx.ticket);
    ctx.exclude(this.clock.now() - queuedAt);
    return release;
  }

  /** The wire, with the endpoint's health kept: any answer is a sign of life, no answer for long is a dead host. */
  private async send<T>(req: LarkRequest): Promise<LarkResponse<T>> {
    const startedIn = this.circuit.sending();
    try {
      const res = await this.http.request<T>(req);
      this.answered(startedIn);
      return res;
    } catch (err) {
      if (!(err instanceof WireError)) {
        this.answered(startedIn);
        throw err;
      }
      const silenceStarts = this.health.msUntilVerdict() === undefined && !this.health.down;
      const down = this.health.failed(err);
      if (silenceStarts && !down) {
        const verdictInMs = this.health.msUntilVerdict() ?? 0;
        this.emit({ type: 'endpoint.silent', host: this.http.hostName, failure: describeWireFailure(err.failure), verdictInMs });
      }
      // After the health: the next probe is planned no later than its verdict.
      this.circuit.failed(startedIn);
      if (!down) throw err;
      for (const pacer of Object.values(this.pacers)) pacer.failAll(down);
      this.circuit.failAll(down);
      throw down;
    }
  }

  private answered(startedIn: number): void {
    this.health.answered();
    this.circuit.answered(startedIn);
  }

  /**
   * Forgets an ENDPOINT_UNREACHABLE verdict: the next call tries the host again (and a new verdict comes after
   * another downAfterMs without an answer). For a caller that outlives outages (a follower); a run stops instead.
   */
  probeAgain(): void {
    if (this.health.down) this.health = this.newHealth();
  }

  private newHealth(): EndpointHealth {
    const { endpointDownAfterMs: downAfterMs, endpointDownAdvice: advice } = this.opts;
    return new EndpointHealth({
      host: this.http.hostName,
      clock: this.clock,
      ...(downAfterMs !== undefined ? { downAfterMs } : {}),
      ...(advice !== undefined ? { advice } : {}),
    });
  }

  private throwIfDown(): void {
    const down = this.health.down;
    if (down) throw down;
  }

  private probeTimeoutMs(): number {
    return Math.min(this.opts.timeoutMs ?? PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS);
  }

  private emit(e: ClientEvent): void {
    safeEmit(this.opts.onEvent, e);
  }
}

/** No connection was made, so nothing reached Lark (a reset or a timeout may come after Lark read the request). */
function neverReachedLark(err: WireError): boolean {
  return err.failure === 'refused' || err.failure === 'DNS' || err.failure === 'TLS' || err.failure === 'unreachable';
}

function isInvalidToken(err: unknown): err is LarkError & { larkCode: number } {
  return err instanceof LarkError && err.larkCode !== undefined && INVALID_TOKEN_CODES.has(err.larkCode);
}

/** An app-window 429 (not 230020, a single chat's limit, nor 99991403, the tenant's quota). */
function isRateLimit(err: unknown): err is LarkError {
  return err instanceof LarkError && err.code === 'RATE_LIMITED' && (err.httpStatus === 429 || err.larkCode === 99991400);
}
