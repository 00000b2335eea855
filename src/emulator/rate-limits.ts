/**
 * Lark's rate limits as the emulator enforces them: per app, a per-second and a per-minute window for each
 * rate-limited API family (each family its own pair, as Lark counts them apart), and per receiver the
 * 5 messages a second one user or one chat may get. `limits: false` turns all of them off.
 */
import { KeyedWindows, SlidingWindow, admit } from './rate-window.js';
import { rateLimited, type Reply } from './reply.js';
import type { EmulatorLimits } from './types.js';

/** Each family's [per second, per minute] limits. */
const FAMILIES = {
  send: (l: EmulatorLimits) => [l.sendPerSecond, l.sendPerMinute],
  lookup: (l: EmulatorLimits) => [l.batchGetIdPerSecond, l.batchGetIdPerMinute],
  listMessages: (l: EmulatorLimits) => [l.listPerSecond, l.listPerMinute],
  listChats: (l: EmulatorLimits) => [l.listPerSecond, l.listPerMinute],
  upload: (l: EmulatorLimits) => [l.uploadPerSecond, l.uploadPerMinute],
  // Edits, card updates and recalls: each API its own 50/s + 1000/min (the send limits' values).
  edit: (l: EmulatorLimits) => [l.sendPerSecond, l.sendPerMinute],
  update_card: (l: EmulatorLimits) => [l.sendPerSecond, l.sendPerMinute],
  recall: (l: EmulatorLimits) => [l.sendPerSecond, l.sendPerMinute],
} satisfies Record<string, (l: EmulatorLimits) => [number, number]>;

export type ApiFamily = keyof typeof FAMILIES;

export class RateLimits {
  private byApp = new Map<string, Map<ApiFamily, SlidingWindow[]>>();
  private users: KeyedWindows | undefined;
  private chats: KeyedWindows | undefined;

  constructor(private readonly limits: EmulatorLimits | false) {
    this.reset();
  }

  /** The send limit per second (what an injected 429 reports as x-ogw-ratelimit-limit). */
  get sendPerSecond(): number {
    return this.limits ? this.limits.sendPerSecond : 50;
  }

  /** Admits one call of `family` for the app; Lark's 429 (99991400, with the ratelimit headers) when over. */
  admitApp(appId: string, family: ApiFamily, now: number, logId: string): Reply | undefined {
    const l = this.limits;
    if (!l) return undefined;
    let windows = this.byApp.get(appId);
    if (!windows) {
      windows = new Map();
      this.byApp.set(appId, windows);
    }
    let pair = windows.get(family);
    if (!pair) {
      const [perSecond, perMinute] = FAMILIES[family](l);
      pair = [new SlidingWindow(perSecond, 1000), new SlidingWindow(perMinute, 60_000)];
      windows.set(family, pair);
    }
    const over = admit(pair, now);
    return over ? rateLimited(logId, over.limit, over.resetSeconds) : undefined;
  }

  /** Admits one message to a user (by open_id, per app) or to a chat; false when that receiver is over its limit. */
  admitReceiver(appId: string, target: { chatId: string; openId?: string }, now: number): boolean {
    const windows = target.openId ? this.users : this.chats;
    if (!windows) return true;
    const key = target.openId ? `${appId}\n${target.openId}` : target.chatId;
    return admit([windows.get(key, now)], now) === undefined;
  }

  /** Forgets every window. */
  reset(): void {
    this.byApp = new Map();
    if (this.limits) {
      this.users = new KeyedWindows(this.limits.perReceiverPerSecond, 1000);
      this.chats = new KeyedWindows(this.limits.perReceiverPerSecond, 1000);
    }
  }
}
