/**
 * `write --verbose`: the client's events on stderr. Retries and token fetches are rare and each gets a
 * line; pacing waits come one per queued message at the quota, so they are added up and printed as one
 * line per interval (and at the end) instead.
 */
import type { ClientEvent } from '../lark/events.js';
import { formatDuration } from './progress.js';

interface WaitTotals {
  waits: number;
  waitMs: number;
  maxQueued: number;
}

export class VerboseLog {
  private readonly waits = new Map<string, WaitTotals>();

  constructor(private readonly stream: { write(text: string): unknown }) {}

  readonly onEvent = (event: ClientEvent): void => {
    if (event.type !== 'pacer.wait') {
      this.stream.write(`lark-im: ${JSON.stringify(event)}\n`);
      return;
    }
    const key = `${event.pacer} pacer${event.blockedKey ? ` on ${event.blockedKey}` : ''}`;
    const t = this.waits.get(key) ?? { waits: 0, waitMs: 0, maxQueued: 0 };
    t.waits += 1;
    t.waitMs += event.waitMs;
    t.maxQueued = Math.max(t.maxQueued, event.queued);
    this.waits.set(key, t);
  };

  /** One line per pacer window that made messages wait since the last flush. */
  flush(): void {
    for (const [key, t] of this.waits) {
      this.stream.write(
        `lark-im: rate limit: the ${key} held messages ${t.waits} time${t.waits === 1 ? '' : 's'} (${formatDuration(t.waitMs)} of waits in all, up to ${t.maxQueued} queued)\n`,
      );
    }
    this.waits.clear();
  }
}
