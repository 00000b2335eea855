import type { Server } from 'node:http';
import { eventsForActivity } from './activity-events.js';
import { Directory } from './directory.js';
import type { AdminOps, EmulatorContext } from './endpoint.js';
import { FaultController, seededRandom } from './faults.js';
import { ChatHistory, type ChatActivity, type HistoryMessage } from './history.js';
import { EmulatorLongConnection } from './long-connection.js';
import { buildUserMessage, type PostMessageInput } from './post-message.js';
import { RateLimits } from './rate-limits.js';
import { RouteTable } from '../core/route-table.js';
import { ROUTES } from './routes.js';
import { defaultSeed, loadSeedFile, parseSeed } from './seed.js';
import { EmulatorHttp, listen } from './server.js';
import { emptyStats, resetStats } from './stats.js';
import { MessageStore } from './store.js';
import { UploadStore, type StoredUpload } from './uploads.js';
import { TokenIssuer } from './tokens.js';
import { MessageChanges } from './message-changes.js';
import { DEFAULT_CHANGE_SETTINGS, DEFAULT_LIMITS, type DeliveredMessage, type EmulatorOptions, type EmulatorSeed, type EmulatorStats } from './types.js';

/**
 * An embedded Lark Open Platform emulator: a real HTTP server on 127.0.0.1 answering the endpoints the
 * connector uses with Lark's response shapes, codes, rate limits and uuid de-duplication. Prints nothing.
 * The endpoints are in routes.ts; this class holds the state they share and the admin calls.
 *
 *   const emu = await LarkEmulator.start();           // random port, defaultSeed(), real clock
 *   const client = new LarkClient({ appId: 'cli_demo_app', appSecret: 'demo-secret-not-real', baseUrl: emu.baseUrl });
 *   emu.faults.failNext(1, 'lost');
 *   ...; emu.messages(); emu.stats(); await emu.close();
 */
export class LarkEmulator implements AdminOps {
  readonly baseUrl: string;
  readonly faults: FaultController;
  /** Lark's long connection (event push): publish events, fault switches, stats. See long-connection.ts. */
  readonly longConnection: EmulatorLongConnection;

  private readonly ctx: EmulatorContext;
  private readonly http: EmulatorHttp;
  private seq = 0;
  private closed: Promise<void> | undefined;

  private constructor(server: Server, opts: EmulatorOptions, seed: EmulatorSeed, baseUrl: string) {
    this.baseUrl = baseUrl;
    const clock = opts.clock ?? { now: () => Date.now() };
    const dir = new Directory(seed);
    const ttlMs = (opts.tokenTtlSeconds ?? 7200) * 1000;
    const reuseMinMs = opts.tokenReuseMinSeconds !== undefined ? opts.tokenReuseMinSeconds * 1000 : Math.min(1_800_000, ttlMs / 4);
    const tokens = new TokenIssuer(clock, ttlMs, reuseMinMs);
    this.faults = new FaultController(opts.random ?? seededRandom(opts.randomSeed ?? 42), {
      invalidate: () => tokens.invalidateAll(),
      expire: () => tokens.expireAll(),
    });
    this.longConnection = new EmulatorLongConnection(server, { apps: dir.apps, now: () => clock.now(), baseUrl }, opts.longConnection);
    const store = new MessageStore((opts.dedupWindowSeconds ?? 3600) * 1000);
    const history = new ChatHistory();
    const limits = new RateLimits(opts.limits === false ? false : { ...DEFAULT_LIMITS, ...opts.limits });
    const settings = { ...DEFAULT_CHANGE_SETTINGS, ...opts.messageChanges };
    this.ctx = {
      clock,
      dir,
      tokens,
      uploads: new UploadStore(),
      store,
      history,
      changes: new MessageChanges({ history, store, limits, now: () => clock.now(), settings }),
      faults: this.faults,
      limits,
      stats: emptyStats(),
      longConnection: this.longConnection,
      admin: this,
      slowDelayMs: opts.slowDelayMs ?? 15_000,
      nextSeq: () => (++this.seq).toString(16).padStart(8, '0'),
    };
    this.http = new EmulatorHttp(server, new RouteTable(ROUTES), this.ctx);
    // Chat activity (user posts, recalls) is pushed over the long connection as Lark's IM events.
    this.onActivity((activity) => {
      for (const { appId, envelope } of eventsForActivity(dir, activity, clock.now())) this.longConnection.publish(appId, envelope);
    });
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(opts: EmulatorOptions = {}): Promise<LarkEmulator> {
    const seed = opts.seed ? parseSeed(opts.seed) : opts.seedFile ? await loadSeedFile(opts.seedFile) : defaultSeed();
    const { server, baseUrl } = await listen(opts.host ?? '127.0.0.1', opts.port ?? 0, opts.tls);
    return new LarkEmulator(server, opts, seed, baseUrl);
  }

  /** Delivered messages (uuid repeats excluded), in delivery order. Copies. */
  messages(): DeliveredMessage[] {
    return this.ctx.store.all();
  }

  /** Uploaded images and files (im/v1/images, im/v1/files), oldest first. Copies. */
  uploads(): StoredUpload[] {
    return structuredClone(this.ctx.uploads.all());
  }

  stats(): EmulatorStats {
    return structuredClone(this.ctx.stats);
  }

  /**
   * Admin call (demos, tests): a user posts a message into a chat. Like every change to a chat it is
   * announced to onActivity listeners (the long connection pushes it as an event).
   */
  postMessage(input: PostMessageInput): HistoryMessage {
    const { dir, history, clock } = this.ctx;
    const n = this.ctx.nextSeq();
    const ids = { messageId: `om_${n}${input.chatId.slice(-24)}`, threadId: `omt_${n}${input.chatId.slice(-12)}` };
    return structuredClone(history.post(buildUserMessage(dir, (id) => history.get(id), input, ids, clock.now())));
  }

  /** Admin call: the sender edits a text/post message (updated = true, update_time = now). */
  editMessage(messageId: string, content: string | { text: string }): HistoryMessage {
    const json = typeof content === 'string' ? content : JSON.stringify(content);
    return structuredClone(this.ctx.history.edit(messageId, json, this.ctx.clock.now()));
  }

  /** Admin call: the sender recalls a message (deleted = true). */
  recallMessage(messageId: string): HistoryMessage {
    return structuredClone(this.ctx.history.recall(messageId, this.ctx.clock.now()));
  }

  /** Observes every message posted (user posts and bot sends), edited or recalled. Returns the unsubscribe. */
  onActivity(listener: (activity: ChatActivity) => void): () => void {
    const { history } = this.ctx;
    history.on('activity', listener);
    return () => history.off('activity', listener);
  }

  /**
   * Forgets delivered messages, uuid history, rate-limit windows, stats and faults.
   * Issued tokens stay valid unless `tokens: true`.
   */
  reset(opts: { tokens?: boolean } = {}): void {
    this.ctx.store.clear();
    this.ctx.history.clear();
    this.ctx.uploads.clear();
    this.ctx.dir.clearP2p();
    resetStats(this.ctx.stats);
    this.faults.clear();
    this.ctx.limits.reset();
    this.ctx.changes.reset();
    if (opts.tokens) this.ctx.tokens.clear();
  }

  /** Closes the server, drops open connections and pending slow responses. Idempotent. */
  close(): Promise<void> {
    if (!this.closed) {
      this.longConnection.close();
      this.closed = this.http.close();
    }
    return this.closed;
  }
}
