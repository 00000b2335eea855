/**
 * The key map: a record's key -> the message(s) sent for it, one per slot (a receiver, and the number of
 * the message among those the record sends it). In memory here, for one run; the `--state` journal keeps it
 * across runs (journal.ts) and Redis across workers (src/stores/redis/key-map.ts). An entry lives as long as
 * Lark may still allow an edit (the lifetime, from the send): older ones are forgotten.
 */
export interface KeyedMessage {
  messageId: string;
  /** Lark's msg_type it was sent as: text and post are edited with PUT, interactive with PATCH. */
  msgType: string;
  /** When it was sent (ms): the entry lives `lifetime` from here. */
  sentAt: number;
}

export type KeySlots = ReadonlyMap<string, KeyedMessage>;

export interface KeyMap {
  /** The key's live messages by slot (empty when none). */
  get(key: string): KeySlots | Promise<KeySlots>;
  set(key: string, slot: string, message: KeyedMessage): void | Promise<void>;
  remove(key: string, slot: string): void | Promise<void>;
}

export const DAY_MS = 24 * 3600 * 1000;
const NONE: KeySlots = new Map();

export class MemoryKeyMap implements KeyMap {
  protected readonly keys = new Map<string, Map<string, KeyedMessage>>();

  constructor(
    protected readonly lifetimeMs: number,
    protected readonly now: () => number = Date.now,
  ) {}

  get(key: string): KeySlots {
    const slots = this.keys.get(key);
    if (!slots) return NONE;
    const oldest = this.now() - this.lifetimeMs;
    for (const [slot, m] of slots) if (m.sentAt <= oldest) slots.delete(slot);
    if (slots.size === 0) this.keys.delete(key);
    return slots;
  }

  set(key: string, slot: string, message: KeyedMessage): void {
    let slots = this.keys.get(key);
    if (!slots) this.keys.set(key, (slots = new Map()));
    slots.set(slot, message);
  }

  remove(key: string, slot: string): void {
    const slots = this.keys.get(key);
    slots?.delete(slot);
    if (slots?.size === 0) this.keys.delete(key);
  }
}
