/**
 * The record lifecycle's lines in the `--state` journal (src/pipeline/state.ts), so a restarted run edits
 * the same messages and does not apply an event twice:
 *
 * - `{"t":"key","k":key,"s":slot,"m":messageId,"y":msgType,"at":sentAt}`: the key map (JournalKeyMap), only when
 *   the map is not in Redis; `"m":null` removes the slot (recalled).
 * - `{"t":"op","l":line,"i":index,"k":key,"s":status,...}`: what a keyed event came to (LifecycleJournal): a
 *   restarted run reports it resumed instead of applying it again, and an event of a key that a later event
 *   already changed is not applied (it would bring back old content).
 *
 * Both are appended with the journal's group commit, beside the deliveries.
 */
import type { ExtraEntry, RunState } from '../state.js';
import type { MessageOutcome } from '../report/outcome.js';
import { MemoryKeyMap, type KeyedMessage } from './key-map.js';

const KEY = 'key';
const OP = 'op';

/** Outcomes a keyed event records (a failure is not: a rerun tries it again). */
export type KeyedOutcome = Extract<MessageOutcome, { status: 'delivered' | 'edited' | 'replaced' | 'recalled' | 'skipped' }>;

/** Journal lines worth keeping when the state is opened: key entries still inside the lifetime, and every op. */
export function keepLifecycleEntry(lifetimeMs: number, now: number): (e: ExtraEntry) => boolean {
  return (e) => e.t !== KEY || e.m === null || (typeof e.at === 'number' && e.at > now - lifetimeMs);
}

export class JournalKeyMap extends MemoryKeyMap {
  constructor(
    private readonly state: RunState,
    lifetimeMs: number,
    now: () => number = Date.now,
  ) {
    super(lifetimeMs, now);
    for (const e of state.extras()) {
      if (e.t !== KEY || typeof e.k !== 'string' || typeof e.s !== 'string') continue;
      if (e.m === null) super.remove(e.k, e.s);
      else if (typeof e.m === 'string' && typeof e.y === 'string' && typeof e.at === 'number') {
        super.set(e.k, e.s, { messageId: e.m, msgType: e.y, sentAt: e.at });
      }
    }
  }

  override set(key: string, slot: string, message: KeyedMessage): void {
    super.set(key, slot, message);
    this.state.appendSoon({ t: KEY, k: key, s: slot, m: message.messageId, y: message.msgType, at: message.sentAt });
  }

  override remove(key: string, slot: string): void {
    super.remove(key, slot);
    this.state.appendSoon({ t: KEY, k: key, s: slot, m: null });
  }
}

export class LifecycleJournal {
  private readonly done = new Map<string, KeyedOutcome>();
  /** The last line of each key whose event was applied (or deliberately skipped). */
  private readonly lastLine = new Map<string, number>();

  constructor(private readonly state: RunState) {
    for (const e of state.extras()) {
      if (e.t !== OP || typeof e.k !== 'string') continue;
      const outcome = outcomeOf(e);
      if (!outcome) continue;
      this.done.set(`${outcome.line}:${outcome.index}`, outcome);
      this.noteLine(e.k, outcome.line);
    }
  }

  /** What an earlier run made of this event (resumed), if anything. */
  doneBefore(line: number, index: number): KeyedOutcome | undefined {
    const o = this.done.get(`${line}:${index}`);
    return o ? ({ ...o, resumed: true } as KeyedOutcome) : undefined;
  }

  /** True when an earlier run applied a later event of the key: this one would bring back old content. */
  superseded(key: string, line: number): boolean {
    return (this.lastLine.get(key) ?? -Infinity) > line;
  }

  record(key: string, o: KeyedOutcome): void {
    this.noteLine(key, o.line);
    const base = { t: OP, l: o.line, i: o.index, k: key, s: o.status };
    switch (o.status) {
      case 'delivered':
      case 'edited':
        this.state.appendSoon({ ...base, m: o.messageId, u: o.uuid });
        break;
      case 'replaced':
        this.state.appendSoon({ ...base, m: o.messageId, r: o.replacedId, u: o.uuid });
        break;
      case 'recalled':
        this.state.appendSoon({ ...base, m: o.messageId });
        break;
      case 'skipped':
        this.state.appendSoon({ ...base, why: o.reason });
        break;
    }
  }

  private noteLine(key: string, line: number): void {
    if (line > (this.lastLine.get(key) ?? -Infinity)) this.lastLine.set(key, line);
  }
}

function outcomeOf(e: ExtraEntry): KeyedOutcome | undefined {
  const { l: line, i: index, s: status, m, u, r, why } = e;
  if (!Number.isSafeInteger(line) || !Number.isSafeInteger(index)) return undefined;
  const at = { line: line as number, index: index as number };
  const id = typeof m === 'string' ? m : undefined;
  const uuid = typeof u === 'string' ? u : undefined;
  if ((status === 'delivered' || status === 'edited') && id && uuid) return { ...at, status, messageId: id, uuid };
  if (status === 'replaced' && id && uuid && typeof r === 'string') return { ...at, status, messageId: id, replacedId: r, uuid };
  if (status === 'recalled' && id) return { ...at, status, messageId: id };
  if (status === 'skipped' && typeof why === 'string') return { ...at, status, reason: why };
  return undefined;
}
