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
      this.stream.write(`lark-im: ${describeEvent(event)}\n`);
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

const TOKEN_REASONS = { cold: 'none was cached', expiring: 'the cached one was about to expire', invalidated: 'Lark refused the cached one' } as const;

/** One prose line per event, like every other line on stderr (a JSON object among them read as a glitch). */
export function describeEvent(event: Exclude<ClientEvent, { type: 'pacer.wait' }>): string {
  const lark = (larkCode?: number, httpStatus?: number) =>
    [larkCode !== undefined ? `Lark code ${larkCode}` : '', httpStatus !== undefined ? `HTTP ${httpStatus}` : ''].filter(Boolean).join(', ');
  const logId = (id?: string) => (id ? ` [log id: ${id}]` : '');
  switch (event.type) {
    case 'token.fetched':
      return `tenant token fetched (${TOKEN_REASONS[event.reason]}), valid for ${formatDuration(event.expiresInMs)}${logId(event.logId)}`;
    case 'token.invalidated': {
      const why = lark(event.larkCode);
      return `Lark refused the tenant token during ${event.op}${why ? ` (${why})` : ''}: fetching a fresh one and trying again${logId(event.logId)}`;
    }
    case 'retry': {
      const why = lark(event.larkCode, event.httpStatus);
      return `${event.op}: attempt ${event.attempt} failed with ${event.code}${why ? ` (${why})` : ''}: retrying in ${formatDuration(event.delayMs)}${logId(event.logId)}`;
    }
    case 'endpoint.silent': {
      const s = Math.round(event.verdictInMs / 1000);
      return `no answer from Lark at ${event.host} (${event.failure}): retrying; ENDPOINT_UNREACHABLE if it stays silent for ${s} s`;
    }
    case 'circuit.open':
      return `Lark at ${event.host} gives no answer: one request at a time probes it, the others wait`;
    case 'circuit.closed':
      return `Lark at ${event.host} answers again after ${formatDuration(event.openMs)}: sending resumes at full pace`;
  }
}
