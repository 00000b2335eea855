/**
 * A Lark long-connection client: events without a public URL.
 *
 *   endpoint call -> WebSocket -> ping every PingInterval (each pong may change the ClientConfig)
 *   data frames -> fragments reassembled -> JSON envelope -> handler -> ack (frame back with biz_rt, {"code":200})
 *   socket lost -> reconnect: random delay up to ReconnectNonce, then every ReconnectInterval, ReconnectCount times
 *
 * The ack goes out once the handler has taken the event, and never later than ackDeadlineMs (Lark pushes an
 * unacked event again after 3 s). Events are de-duplicated by event id, so a re-push is acked but not handed
 * over twice. Clock, random source, WebSocket factory and HTTP are injected.
 */
import WebSocket from 'ws';
import { ConnectorError } from '../../core/errors.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { LarkHttp } from '../../lark/http.js';
import { tunnelAgent } from '../../lark/proxy.js';
import { proxyFor } from '../../lark/proxy-url.js';
import { isRecord } from '../../core/is-record.js';
import { fetchEndpoint, type EndpointAnswer } from './endpoint.js';
import { FragmentAssembler } from './fragments.js';
import {
  DEFAULT_CLIENT_CONFIG,
  FrameMethod,
  FrameType,
  decodeFrame,
  encodeFrame,
  header,
  parseClientConfig,
  withHeader,
  type ClientConfig,
  type Frame,
} from './frame.js';

/** The part of a `ws` WebSocket the client uses (a fake one in specs). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(): void;
  terminate(): void;
  on(event: 'open', listener: () => void): unknown;
  on(event: 'message', listener: (data: WebSocket.RawData) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

const OPEN = 1;

/** WebSockets through the proxy that applies to their URL (a CONNECT tunnel), or direct. */
export function proxiedWebSocketFactory(configured: string | undefined): WebSocketFactory {
  return (url) => {
    const route = proxyFor(url, configured);
    return new WebSocket(url, { handshakeTimeout: 15_000, ...(route ? { agent: tunnelAgent(route) } : {}) });
  };
}

/** One event as handed to the handler. */
export interface LongConnectionEvent {
  /** header.event_id (schema 2.0) or uuid (1.0). */
  eventId: string;
  /** header.event_type, e.g. im.message.receive_v1. */
  eventType: string;
  /** The whole envelope as Lark sent it. */
  envelope: Record<string, unknown>;
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export type LongConnectionNotice =
  /** `reconnected` on a connect after a lost one: events of the gap may be missing, poll it. `lostAt`: when it was lost. */
  | { type: 'state'; state: ConnectionState; at: number; reconnected?: boolean; lostAt?: number; attempt?: number; delayMs?: number; error?: ConnectorError }
  | { type: 'warning'; message: string };

export interface LongConnectionOptions {
  appId: string;
  /** Sent to the endpoint only; never logged. */
  appSecret: string;
  /** Open Platform base URL (the emulator's in specs). */
  baseUrl: string;
  /** Takes the event; resolve once it is durably taken. A rejection acks with code 500 (Lark pushes it again). */
  handler: (event: LongConnectionEvent) => Promise<void>;
  onNotice?: (notice: LongConnectionNotice) => void;
  clock?: Clock;
  random?: () => number;
  webSocket?: WebSocketFactory;
  http?: Pick<LarkHttp, 'request'>;
  /** The config's proxy URL (else HTTPS_PROXY / HTTP_PROXY / NO_PROXY): the endpoint call and the WebSocket use it. */
  proxy?: string;
  /** Ack no later than this after the event arrived. Default 2500 ms (Lark's deadline is 3 s). */
  ackDeadlineMs?: number;
  /** Event ids remembered for de-duplication. Default 10,000. */
  dedupSize?: number;
}

export class LongConnection {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly newSocket: WebSocketFactory;
  private readonly http: Pick<LarkHttp, 'request'>;
  private readonly ownHttp: LarkHttp | undefined;
  private readonly ackDeadlineMs: number;
  private readonly dedupSize: number;
  private readonly fragments: FragmentAssembler;
  /** Event ids handed over (insertion order = age, for eviction). */
  private readonly handled = new Set<string>();
  /** Events in the handler: a re-push waits for the first hand-over instead of handing twice. */
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private config: ClientConfig = { ...DEFAULT_CLIENT_CONFIG };
  private current: ConnectionState = 'closed';

  constructor(private readonly opts: LongConnectionOptions) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.newSocket = opts.webSocket ?? proxiedWebSocketFactory(opts.proxy);
    const proxy = opts.http ? undefined : proxyFor(opts.baseUrl, opts.proxy);
    this.ownHttp = opts.http ? undefined : new LarkHttp({ baseUrl: opts.baseUrl, now: () => this.clock.now(), ...(proxy ? { proxy } : {}) });
    this.http = opts.http ?? (this.ownHttp as LarkHttp);
    this.ackDeadlineMs = opts.ackDeadlineMs ?? 2500;
    this.dedupSize = opts.dedupSize ?? 10_000;
    this.fragments = new FragmentAssembler(() => this.clock.now());
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The ClientConfig in force (the endpoint's, updated by pongs). */
  get clientConfig(): Readonly<ClientConfig> {
    return this.config;
  }

  /**
   * Connects and keeps connected until `signal` aborts (resolves, socket closed cleanly). Rejects with a
   * ConnectorError when Lark refuses for good (credentials, no event access) or the reconnect policy runs out.
   */
  async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    let everConnected = false;
    let lostAt: number | undefined;
    try {
      this.setState({ type: 'state', state: 'connecting', at: this.clock.now() });
      for (;;) {
        if (signal.aborted) return;
        let connected = false;
        try {
          const endpoint = await fetchEndpoint(this.http, { appId: this.opts.appId, appSecret: this.opts.appSecret });
          this.config = endpoint.config;
          if (signal.aborted) return;
          connected = await this.session(endpoint, signal, () => {
            const reconnected = everConnected;
            everConnected = true;
            attempt = 0;
            this.setState({ type: 'state', state: 'connected', at: this.clock.now(), ...(reconnected ? { reconnected, lostAt } : {}) });
          });
        } catch (err) {
          if (!(err instanceof ConnectorError) || !err.retryable) throw err;
          this.warn(`long connection: ${err.message}`);
        }
        if (signal.aborted) return;
        if (connected) lostAt = this.clock.now();
        else if (this.config.ReconnectCount >= 0 && attempt >= this.config.ReconnectCount && attempt > 0) {
          throw new ConnectorError({
            code: 'ENDPOINT_UNREACHABLE',
            retryable: false,
            message: `the long connection could not be re-established after ${attempt} attempts (Lark's reconnect policy): check the network, or use --mode poll`,
          });
        }
        attempt++;
        // Lark's policy: the first try after a loss waits a random part of the nonce (spreading clients out), later ones the interval.
        const delayMs = attempt === 1 ? Math.floor(this.random() * this.config.ReconnectNonce * 1000) : this.config.ReconnectInterval * 1000;
        this.setState({ type: 'state', state: 'reconnecting', at: this.clock.now(), attempt, delayMs, ...(lostAt === undefined ? {} : { lostAt }) });
        await this.clock.sleep(delayMs, signal);
      }
    } finally {
      this.fragments.clear();
      this.ownHttp?.close();
      this.setState({ type: 'state', state: 'closed', at: this.clock.now() });
    }
  }

  /** One socket's life. Resolves true when it had opened (then closed), false when it never opened. */
  private session(endpoint: EndpointAnswer, signal: AbortSignal, onOpen: () => void): Promise<boolean> {
    const stop = new AbortController();
    let ws: WebSocketLike;
    try {
      ws = this.newSocket(endpoint.url);
    } catch {
      // e.g. a URL ws cannot use; the URL itself is not quoted (it holds a ticket).
      throw new ConnectorError({ code: 'LARK_API_ERROR', retryable: true, message: 'the long connection URL Lark gave could not be opened' });
    }
    const liveness = { answered: true };
    return new Promise<boolean>((resolve) => {
      let opened = false;
      const finish = (): void => {
        if (stop.signal.aborted) return;
        stop.abort();
        signal.removeEventListener('abort', onAbort);
        resolve(opened);
      };
      const onAbort = (): void => {
        try {
          if (opened) ws.close();
          else ws.terminate();
        } catch {
          // closing a socket that is already going away
        }
        finish();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      ws.on('error', (err) => {
        // Message only: the URL carries a ticket.
        if (!opened) this.warn(`long connection: WebSocket connect failed (${err.message.replace(/wss?:\/\/\S+/g, '<url>')})`);
      });
      ws.on('close', finish);
      ws.on('open', () => {
        opened = true;
        onOpen();
        void this.pingLoop(ws, endpoint.serviceId, stop.signal, liveness);
      });
      ws.on('message', (data) => {
        liveness.answered = true;
        void this.onMessage(ws, toBytes(data)).catch((err: unknown) => this.warn(`long connection: a frame was dropped (${(err as Error).message})`));
      });
    });
  }

  /** Pings; a ping followed by a whole interval of silence means a dead peer: terminate, and reconnect. */
  private async pingLoop(ws: WebSocketLike, serviceId: number, stop: AbortSignal, liveness: { answered: boolean }): Promise<void> {
    while (!stop.aborted) {
      if (!liveness.answered) {
        this.warn('long connection: no answer to the last ping within a ping interval; reconnecting');
        ws.terminate();
        return;
      }
      liveness.answered = false;
      this.send(ws, { SeqID: '0', LogID: '0', service: serviceId, method: FrameMethod.control, headers: [{ key: 'type', value: FrameType.ping }] });
      await this.clock.sleep(Math.max(1, this.config.PingInterval) * 1000, stop);
    }
  }

  private async onMessage(ws: WebSocketLike, bytes: Uint8Array): Promise<void> {
    const frame = decodeFrame(bytes);
    const type = header(frame, 'type');
    if (frame.method === FrameMethod.control) {
      if (type === FrameType.pong && frame.payload?.length) {
        this.config = parseClientConfig(JSON.parse(Buffer.from(frame.payload).toString('utf8')), this.config);
      }
      return;
    }
    if (frame.method !== FrameMethod.data || type !== FrameType.event) return;
    const arrivedAt = this.clock.now();
    const payload = this.fragments.add({
      messageId: header(frame, 'message_id') ?? '',
      sum: Number(header(frame, 'sum') ?? 1),
      seq: Number(header(frame, 'seq') ?? 0),
      data: frame.payload ?? new Uint8Array(),
    });
    if (!payload) return;
    const envelope: unknown = JSON.parse(payload.toString('utf8'));
    if (!isRecord(envelope)) throw new Error('event payload is not a JSON object');
    const taken = await this.handOver(toEvent(envelope, header(frame, 'message_id')));
    this.ack(ws, frame, taken ? 200 : 500, this.clock.now() - arrivedAt);
  }

  /** True when the event is (or was already) taken by the handler, or the ack deadline came first. */
  private async handOver(event: LongConnectionEvent): Promise<boolean> {
    // No id to de-duplicate on: a fresh key each time, so it is handed over every time it comes.
    const eventId = event.eventId || `anonymous:${this.clock.now()}:${this.random()}`;
    if (this.handled.has(eventId)) return true;
    let taking = this.inFlight.get(eventId);
    if (!taking) {
      taking = this.opts.handler(event).then(
        () => {
          this.remember(eventId);
          return true;
        },
        (err: unknown) => {
          this.warn(`long connection: the handler failed on event ${eventId} (${(err as Error)?.message ?? String(err)}); Lark pushes it again`);
          return false;
        },
      );
      const forget = (): void => void this.inFlight.delete(eventId);
      void taking.then(forget);
      this.inFlight.set(eventId, taking);
    }
    // Never ack later than the deadline: an ack that comes late makes Lark push the event again anyway.
    const deadline = new AbortController();
    const late = this.clock.sleep(this.ackDeadlineMs, deadline.signal).then(() => 'late' as const);
    const outcome = await Promise.race([taking, late]);
    deadline.abort();
    if (outcome === 'late') this.warn(`long connection: event ${eventId} acked at the ${this.ackDeadlineMs} ms deadline before the handler finished`);
    return outcome === 'late' ? true : outcome;
  }

  private ack(ws: WebSocketLike, frame: Frame, code: number, elapsedMs: number): void {
    const reply = withHeader(frame, 'biz_rt', String(Math.max(0, elapsedMs)));
    this.send(ws, { ...reply, payload: Buffer.from(JSON.stringify({ code })) });
  }

  private send(ws: WebSocketLike, frame: Frame): void {
    if (ws.readyState !== OPEN) return;
    ws.send(encodeFrame(frame));
  }

  private remember(eventId: string): void {
    this.handled.add(eventId);
    if (this.handled.size > this.dedupSize) {
      const oldest = this.handled.values().next().value;
      if (oldest !== undefined) this.handled.delete(oldest);
    }
  }

  private setState(notice: Extract<LongConnectionNotice, { type: 'state' }>): void {
    this.current = notice.state;
    this.notify(notice);
  }

  private warn(message: string): void {
    this.notify({ type: 'warning', message });
  }

  private notify(notice: LongConnectionNotice): void {
    try {
      this.opts.onNotice?.(notice);
    } catch {
      // a listener's bug is not the connection's problem
    }
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** Schema 2.0 envelopes carry header.event_id / event_type; 1.0 ones uuid / event.type. */
function toEvent(envelope: Record<string, unknown>, fallbackId: string | undefined): LongConnectionEvent {
  const head = isRecord(envelope['header']) ? envelope['header'] : undefined;
  const event = isRecord(envelope['event']) ? envelope['event'] : undefined;
  const eventId = str(head?.['event_id']) ?? str(envelope['uuid']) ?? fallbackId ?? '';
  const eventType = str(head?.['event_type']) ?? str(event?.['type']) ?? '';
  return { eventId, eventType, envelope };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
