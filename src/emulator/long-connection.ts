/**
 * The emulator's long connection: Lark's event push without a public URL.
 *
 * - `POST /callback/ws/endpoint` {AppID, AppSecret} -> {code 0, data: {URL, ClientConfig}}; 514 on bad
 *   credentials, 403 for an app whose events are switched off, 1000040350 over maxConnectionsPerApp.
 * - `GET /ws/v2?device_id&service_id&ticket` upgrades to a WebSocket (a `ws` server on the emulator's port);
 *   a bad ticket is refused with Lark's handshake-* headers.
 * - Frames are real pbbp2 frames (src/source/long-connection/frame.ts). A ping gets a pong carrying the
 *   ClientConfig. An event goes to ONE connected client of its app, split into fragments when larger than
 *   fragmentBytes; it counts as acked when a data frame with its message_id and payload {"code":200} comes back.
 *   Unacked events are pushed again after ackTimeoutMs (at most maxPushes times in all). Events published while
 *   the app has no client are dropped (counted): a client that reconnects must poll the gap.
 *
 * Switches for specs: dropConnections(), refuseEndpoint(), disableEvents(), ignoreAcks(), forceFragments(), silence(),
 * repushUnacked() (re-push now instead of waiting for the deadline).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { FrameMethod, FrameType, decodeFrame, encodeFrame, header, type ClientConfig, type Frame } from '../source/long-connection/frame.js';
import type { App } from './directory.js';
import type { Reply } from './reply.js';
import type { LongConnectionSettings } from './types.js';

export const WS_PATH = '/ws/v2';

export const DEFAULT_LONG_CONNECTION: Readonly<LongConnectionSettings> = Object.freeze({
  clientConfig: Object.freeze({ PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30 }),
  ackTimeoutMs: 3000,
  maxPushes: 4,
  fragmentBytes: 32 * 1024,
  maxConnectionsPerApp: 50,
});

export interface LongConnectionStats {
  endpointCalls: number;
  connections: number;
  pings: number;
  /** Events published (one per publish call). */
  published: number;
  /** Event pushes, re-pushes included. */
  pushes: number;
  repushes: number;
  /** Data frames sent (a fragmented push counts each fragment). */
  frames: number;
  acks: number;
  /** Acks with a code other than 200 (the event stays unacked). */
  nacks: number;
  /** Acks ignored by the ignoreAcks() switch. */
  ignoredAcks: number;
  /** Published while the app had no connected client: never pushed. */
  undelivered: number;
  /** Gave up after maxPushes. */
  abandoned: number;
}

/** One published event and what happened to it. */
export interface PushedEvent {
  eventId: string;
  appId: string;
  eventType: string;
  pushes: number;
  /** ms from the first push to the ack (emulator clock); undefined while unacked. */
  ackedAfterMs?: number;
  /** Headers of the ack frame (biz_rt among them). */
  ackHeaders?: Record<string, string>;
}

interface Connection {
  ws: WebSocket;
  appId: string;
  serviceId: number;
  seq: number;
}

interface Pending {
  record: PushedEvent;
  payload: Buffer;
  firstPushAt: number;
  /** Frame message_id of the latest push (an ack of any earlier push counts too). */
  messageId: string;
  timer?: NodeJS.Timeout;
}

export interface LongConnectionDeps {
  apps: ReadonlyMap<string, App>;
  now: () => number;
  /** The emulator's base URL (http://host:port); the WebSocket URL uses the same host and port. */
  baseUrl: string;
}

export class EmulatorLongConnection {
  private readonly settings: LongConnectionSettings;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly byApp = new Map<string, Connection[]>();
  private readonly tickets = new Map<string, { appId: string; serviceId: number }>();
  private readonly events = new Map<string, Pending>();
  private readonly byMessageId = new Map<string, string>();
  private readonly refusals: number[] = [];
  private readonly eventsOff = new Set<string>();
  private readonly roundRobin = new Map<string, number>();
  private counters: LongConnectionStats = emptyStats();
  private acksToIgnore = 0;
  private silent = false;
  private forcedFragmentBytes: number | undefined;
  private nextServiceId = 1000;
  private closed = false;

  constructor(
    server: Server,
    private readonly deps: LongConnectionDeps,
    settings: Partial<LongConnectionSettings> = {},
  ) {
    this.settings = { ...DEFAULT_LONG_CONNECTION, ...settings, clientConfig: { ...DEFAULT_LONG_CONNECTION.clientConfig, ...settings.clientConfig } };
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  // ---------------------------------------------------------------- endpoint

  /** POST /callback/ws/endpoint. `body` is the parsed JSON object. */
  endpoint(body: Record<string, unknown>): Reply {
    this.counters.endpointCalls++;
    const refusal = this.refusals.shift();
    if (refusal !== undefined) return endpointReply(refusal, refusal === 1 ? 'system busy' : 'refused');
    const appId = body['AppID'];
    const secret = body['AppSecret'];
    const app = typeof appId === 'string' ? this.deps.apps.get(appId) : undefined;
    if (!app || typeof secret !== 'string' || app.appSecret !== secret) return endpointReply(514, 'auth failed');
    if (this.eventsOff.has(app.appId)) return endpointReply(403, 'forbidden: the app does not receive events through a persistent connection');
    if ((this.byApp.get(app.appId)?.length ?? 0) >= this.settings.maxConnectionsPerApp) return endpointReply(1000040350, 'exceed connection limit');
    const ticket = randomUUID();
    const serviceId = this.nextServiceId++;
    this.tickets.set(ticket, { appId: app.appId, serviceId });
    const host = this.deps.baseUrl.replace(/^http/, 'ws');
    const url = `${host}${WS_PATH}?fpid=493&aid=552564&device_id=${randomUUID().replace(/-/g, '').slice(0, 19)}&access_key=${randomUUID().replace(/-/g, '')}&service_id=${serviceId}&ticket=${ticket}`;
    return { status: 200, body: { code: 0, msg: 'ok', data: { URL: url, ClientConfig: { ...this.settings.clientConfig } } } };
  }

  // ---------------------------------------------------------------- publishing

  /** Pushes an event envelope to one connected client of the app. Returns the event id. */
  publish(appId: string, envelope: Record<string, unknown>): string {
    this.counters.published++;
    const head = envelope['header'] as Record<string, unknown> | undefined;
    const eventId = typeof head?.['event_id'] === 'string' ? head['event_id'] : randomUUID();
    const eventType = typeof head?.['event_type'] === 'string' ? head['event_type'] : '';
    const record: PushedEvent = { eventId, appId, eventType, pushes: 0 };
    if (!this.byApp.get(appId)?.length) {
      // Not kept: the emulator may publish many (seeded history) while no client ever connects.
      this.counters.undelivered++;
      return eventId;
    }
    const pending: Pending = { record, payload: Buffer.from(JSON.stringify(envelope)), firstPushAt: this.deps.now(), messageId: '' };
    this.events.set(eventId, pending);
    this.push(pending);
    return eventId;
  }

  /** Every published event and its pushes / ack, in publish order. Copies. */
  pushed(): PushedEvent[] {
    return [...this.events.values()].map((p) => structuredClone(p.record));
  }

  stats(): LongConnectionStats & { open: number } {
    let open = 0;
    for (const list of this.byApp.values()) open += list.length;
    return { ...this.counters, open };
  }

  // ---------------------------------------------------------------- switches

  /** Closes every connection (of one app, or all) abruptly, as a network failure would. Returns how many. */
  dropConnections(appId?: string): number {
    let n = 0;
    for (const [id, list] of this.byApp) {
      if (appId !== undefined && id !== appId) continue;
      for (const c of list) {
        c.ws.terminate();
        n++;
      }
    }
    return n;
  }

  /** The next `times` endpoint calls answer Lark code `code` (1 busy, 514 auth, 1000040350 too many, ...). */
  refuseEndpoint(code: number, times = 1): this {
    for (let i = 0; i < times; i++) this.refusals.push(code);
    return this;
  }

  /** The app has no event subscription through the long connection: its endpoint calls answer 403. */
  disableEvents(appId: string, off = true): this {
    if (off) this.eventsOff.add(appId);
    else this.eventsOff.delete(appId);
    return this;
  }

  /** Changes the ClientConfig that later pongs and endpoint calls carry (the server tuning its clients). */
  setClientConfig(config: Partial<ClientConfig>): this {
    this.settings.clientConfig = { ...this.settings.clientConfig, ...config };
    return this;
  }

  /** Stops (or resumes) answering pings, as a half-open connection would: the client should give it up. */
  silence(on = true): this {
    this.silent = on;
    return this;
  }

  /** The next n acks are ignored (as if lost): their events are pushed again after the deadline. */
  ignoreAcks(n: number): this {
    this.acksToIgnore += n;
    return this;
  }

  /** Fragment every payload larger than `bytes` (undefined: back to fragmentBytes). */
  forceFragments(bytes: number | undefined): this {
    this.forcedFragmentBytes = bytes;
    return this;
  }

  /** Pushes every unacked event again now (instead of at its deadline). Returns how many were pushed. */
  repushUnacked(): number {
    let n = 0;
    for (const p of this.events.values()) {
      if (p.record.ackedAfterMs !== undefined || p.record.pushes >= this.settings.maxPushes) continue;
      if (this.push(p)) n++;
    }
    return n;
  }

  /** Closes every connection and timer. */
  close(): void {
    this.closed = true;
    for (const p of this.events.values()) if (p.timer) clearTimeout(p.timer);
    for (const list of this.byApp.values()) for (const c of list) c.ws.terminate();
    this.byApp.clear();
    this.wss.close();
  }

  // ---------------------------------------------------------------- plumbing

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    const ticket = url.searchParams.get('ticket') ?? '';
    const grant = this.tickets.get(ticket);
    if (url.pathname !== WS_PATH || !grant || this.closed) {
      socket.end(
        'HTTP/1.1 403 Forbidden\r\nhandshake-status: 514\r\nhandshake-msg: invalid ticket\r\nhandshake-autherrcode: 514\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
      );
      return;
    }
    this.tickets.delete(ticket);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, grant.appId, grant.serviceId));
  }

  private onConnection(ws: WebSocket, appId: string, serviceId: number): void {
    const conn: Connection = { ws, appId, serviceId, seq: 0 };
    const list = this.byApp.get(appId) ?? [];
    list.push(conn);
    this.byApp.set(appId, list);
    this.counters.connections++;
    ws.on('message', (data: Buffer) => {
      try {
        this.onFrame(conn, decodeFrame(data));
      } catch {
        ws.close(1003, 'not a pbbp2 frame');
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      const rest = (this.byApp.get(appId) ?? []).filter((c) => c !== conn);
      if (rest.length) this.byApp.set(appId, rest);
      else this.byApp.delete(appId);
    });
  }

  private onFrame(conn: Connection, frame: Frame): void {
    if (frame.method === FrameMethod.control) {
      if (header(frame, 'type') !== FrameType.ping) return;
      this.counters.pings++;
      if (this.silent) return;
      this.send(conn, {
        SeqID: '0',
        LogID: '0',
        service: conn.serviceId,
        method: FrameMethod.control,
        headers: [{ key: 'type', value: FrameType.pong }],
        payload: Buffer.from(JSON.stringify(this.settings.clientConfig)),
      });
      return;
    }
    const eventId = this.byMessageId.get(header(frame, 'message_id') ?? '');
    const pending = eventId === undefined ? undefined : this.events.get(eventId);
    if (!pending || pending.record.ackedAfterMs !== undefined) return;
    if (this.acksToIgnore > 0) {
      this.acksToIgnore--;
      this.counters.ignoredAcks++;
      return;
    }
    let code: unknown;
    try {
      code = (JSON.parse(Buffer.from(frame.payload ?? []).toString('utf8')) as { code?: unknown }).code;
    } catch {
      code = undefined;
    }
    if (code !== 200) {
      this.counters.nacks++;
      return;
    }
    this.counters.acks++;
    if (pending.timer) clearTimeout(pending.timer);
    pending.record.ackedAfterMs = this.deps.now() - pending.firstPushAt;
    pending.record.ackHeaders = Object.fromEntries(frame.headers.map((h) => [h.key, h.value]));
  }

  /** One connected client of the app (round robin), or undefined. */
  private pick(appId: string): Connection | undefined {
    const list = this.byApp.get(appId);
    if (!list?.length) return undefined;
    const i = (this.roundRobin.get(appId) ?? 0) % list.length;
    this.roundRobin.set(appId, i + 1);
    return list[i];
  }

  private push(p: Pending): boolean {
    const conn = this.pick(p.record.appId);
    if (p.timer) clearTimeout(p.timer);
    p.timer = undefined;
    if (!conn) return false;
    if (p.record.pushes > 0) this.counters.repushes++;
    p.record.pushes++;
    this.counters.pushes++;
    p.messageId = randomUUID();
    this.byMessageId.set(p.messageId, p.record.eventId);
    const size = this.forcedFragmentBytes ?? this.settings.fragmentBytes;
    const parts: Buffer[] = [];
    for (let at = 0; at < p.payload.length; at += size) parts.push(p.payload.subarray(at, at + size));
    const traceId = randomUUID();
    parts.forEach((part, seq) => {
      this.counters.frames++;
      this.send(conn, {
        SeqID: String(++conn.seq),
        LogID: String(this.deps.now()),
        service: conn.serviceId,
        method: FrameMethod.data,
        headers: [
          { key: 'type', value: FrameType.event },
          { key: 'message_id', value: p.messageId },
          { key: 'sum', value: String(parts.length) },
          { key: 'seq', value: String(seq) },
          { key: 'trace_id', value: traceId },
        ],
        payload: part,
      });
    });
    if (p.record.pushes < this.settings.maxPushes) {
      p.timer = setTimeout(() => {
        p.timer = undefined;
        if (p.record.ackedAfterMs === undefined && !this.closed) this.push(p);
      }, this.settings.ackTimeoutMs);
      p.timer.unref();
    } else {
      p.timer = setTimeout(() => {
        if (p.record.ackedAfterMs === undefined) this.counters.abandoned++;
      }, this.settings.ackTimeoutMs);
      p.timer.unref();
    }
    return true;
  }

  private send(conn: Connection, frame: Frame): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(encodeFrame(frame));
  }
}

function endpointReply(code: number, msg: string): Reply {
  return { status: 200, body: { code, msg, data: {} } };
}

function emptyStats(): LongConnectionStats {
  return { endpointCalls: 0, connections: 0, pings: 0, published: 0, pushes: 0, repushes: 0, frames: 0, acks: 0, nacks: 0, ignoredAcks: 0, undelivered: 0, abandoned: 0 };
}
