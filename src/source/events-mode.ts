/**
 * streamRead's `events` mode: the events follower (long connection + polls) on the source's reader.
 * Pushed messages go through the reader's `ingest` (the same de-duplication and offset as polled ones), the
 * polls are the reader's `pass`. When the app gets no events through the long connection, it warns and polls.
 */
import { ConnectorError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { WebSocketFactory } from './long-connection/client.js';
import type { EventChange } from './long-connection/event-item.js';
import { SWEEP_MIN_EVERY_MS } from './reader.js';

/** What the events mode needs of the source's MessageReader (structural, so specs can hand in a fake). */
export interface EventsReader<Emit> {
  pass(emit: Emit, signal?: AbortSignal): Promise<void>;
  sweepIfDue(emit: Emit, signal?: AbortSignal): Promise<void>;
  ingest(items: readonly unknown[], emit: Emit): Promise<void>;
  ingestRecall(recall: { messageId: string; chatId: string; recallTime: number }, emit: Emit): Promise<void>;
  /** After ENDPOINT_UNREACHABLE: the next request tries the host again. */
  probeAgain(): void;
}

export interface EventsModeContext<Emit> {
  reader: EventsReader<Emit>;
  emit: Emit;
  signal: AbortSignal;
  clock: Clock;
  pollIntervalMs: number;
  warn: (message: string) => void;
}

export interface EventsModeDeps {
  appId: string;
  appSecret: string;
  baseUrl: string;
  clock: Clock;
  random?: () => number;
  webSocket?: WebSocketFactory;
  /** The config's proxy URL; else the environment's (src/lark/proxy-url.ts). */
  proxy?: string;
  /** Polls while connected at least this often (edits have no event we read). Default 5 minutes. */
  reconcileEveryMs?: number;
  /** Progress lines (connects, reconnects); default none. */
  info?: (message: string) => void;
}

export class EventsFollower<Emit> {
  readonly mode = 'events' as const;

  constructor(private readonly deps: EventsModeDeps) {}

  /** Follows until ctx.signal aborts. `poll` is the poll mode to continue with when events are unavailable. */
  async run<C extends EventsModeContext<Emit>>(ctx: C, poll: (ctx: C) => Promise<void>): Promise<void> {
    const { reader, emit } = ctx;
    const apply = (change: EventChange): Promise<void> =>
      change.kind === 'message' ? reader.ingest([change.item], emit) : reader.ingestRecall(change, emit);
    // Loaded when the mode runs: ws and protobufjs take memory that a write or a poll never needs.
    const { followEvents } = await import('./events-follower.js');
    const outcome = await followEvents(
      {
        connection: {
          appId: this.deps.appId,
          appSecret: this.deps.appSecret,
          baseUrl: this.deps.baseUrl,
          ...(this.deps.random ? { random: this.deps.random } : {}),
          ...(this.deps.webSocket ? { webSocket: this.deps.webSocket } : {}),
          ...(this.deps.proxy !== undefined ? { proxy: this.deps.proxy } : {}),
        },
        clock: ctx.clock,
        // The reader keeps only the chats it reads.
        chats: 'all',
        apply,
        poll: () => reader.pass(emit, ctx.signal).catch((err: unknown) => {
          // A host that stopped answering is one more retry of the poll, not the end of the follower.
          if (!(err instanceof ConnectorError) || err.code !== 'ENDPOINT_UNREACHABLE') throw err;
          reader.probeAgain();
          throw new ConnectorError({ code: err.code, retryable: true, message: err.message });
        }),
        sweep: () => reader.sweepIfDue(emit, ctx.signal),
        sweepCheckEveryMs: Math.min(ctx.pollIntervalMs, SWEEP_MIN_EVERY_MS),
        reconcileEveryMs: this.deps.reconcileEveryMs ?? 300_000,
        onNotice: (n) => {
          if (n.type === 'warning') ctx.warn(n.message);
          // A lost connection is worth a line (events wait until it is back; the gap is polled then).
          else if (n.state === 'reconnecting') ctx.warn(`long connection ${n.lostAt === undefined ? 'not established' : 'lost'}: trying again in ${Math.round((n.delayMs ?? 0) / 1000)} s (attempt ${n.attempt ?? 1})`);
          else if (n.state === 'connected') this.deps.info?.(n.reconnected ? 'long connection re-established: polling the gap' : 'long connection established');
        },
      },
      ctx.signal,
    );
    if (outcome.mode === 'fallback') {
      ctx.warn(`mode events unavailable (${outcome.reason.message}): falling back to poll`);
      await poll(ctx);
    }
  }
}
