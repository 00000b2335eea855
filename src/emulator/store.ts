import type { DeliveredMessage } from './types.js';

/**
 * Delivered messages, indexed by (app, uuid) for de-duplication (listing reads ChatHistory, history.ts).
 * Expired uuid entries leave through a FIFO queue, so no request scans a growing list.
 */
export class MessageStore {
  private readonly delivered: DeliveredMessage[] = [];
  private readonly byId = new Map<string, DeliveredMessage>();
  private readonly byUuid = new Map<string, { message: DeliveredMessage; until: number }>();
  private readonly uuidQueue: Array<{ key: string; until: number }> = [];
  private queueHead = 0;

  constructor(private readonly dedupWindowMs: number) {}

  /** The earlier delivery of (appId, uuid) inside the dedup window, if any. */
  duplicateOf(appId: string, uuid: string, now: number): DeliveredMessage | undefined {
    this.expire(now);
    const hit = this.byUuid.get(uuidKey(appId, uuid));
    return hit && hit.until > now ? hit.message : undefined;
  }

  add(message: DeliveredMessage): void {
    this.delivered.push(message);
    this.byId.set(message.messageId, message);
    if (message.uuid !== undefined) {
      const key = uuidKey(message.appId, message.uuid);
      const until = message.createTime + this.dedupWindowMs;
      this.byUuid.set(key, { message, until });
      this.uuidQueue.push({ key, until });
    }
  }

  /** An edit, card update or recall of a delivered message (message-changes.ts). */
  changed(messageId: string, change: Pick<Partial<DeliveredMessage>, 'content' | 'msgType' | 'updateTime' | 'edits' | 'recalled'>): void {
    const m = this.byId.get(messageId);
    if (m) Object.assign(m, change);
  }

  all(): DeliveredMessage[] {
    return this.delivered.map((m) => ({ ...m }));
  }

  get count(): number {
    return this.delivered.length;
  }

  clear(): void {
    this.delivered.length = 0;
    this.byId.clear();
    this.byUuid.clear();
    this.uuidQueue.length = 0;
    this.queueHead = 0;
  }

  private expire(now: number): void {
    let entry = this.uuidQueue[this.queueHead];
    while (entry && entry.until <= now) {
      const cur = this.byUuid.get(entry.key);
      if (cur && cur.until === entry.until) this.byUuid.delete(entry.key);
      entry = this.uuidQueue[++this.queueHead];
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.uuidQueue.length) {
      this.uuidQueue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }
}

function uuidKey(appId: string, uuid: string): string {
  return `${appId}\n${uuid}`;
}
