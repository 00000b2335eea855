/**
 * Whether Lark answers, from the client's circuit events (src/lark/circuit.ts): while it gives no answer, the
 * progress says "Lark unreachable for 12 s, retrying" (the wall time since its last answer) instead of an ETA
 * that nothing moves. The CLI's progress line and the console's progress both read it.
 */
import type { ClientEvent } from '../../lark/events.js';

/** Open for less than this: a blip (one lost answer), not worth replacing the ETA. */
const SHOW_AFTER_MS = 1000;

export class Reachability {
  private since: number | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes the client's circuit events; ignores the others. */
  note(e: ClientEvent): void {
    if (e.type === 'circuit.open') this.since = this.now();
    else if (e.type === 'circuit.closed') this.since = undefined;
  }

  /** ms without an answer, while that has lasted long enough to say so. */
  unreachableMs(now = this.now()): number | undefined {
    if (this.since === undefined) return undefined;
    const ms = now - this.since;
    return ms >= SHOW_AFTER_MS ? ms : undefined;
  }
}

/** The progress's words for it. */
export function unreachableText(ms: number): string {
  return `Lark unreachable for ${Math.round(ms / 1000)} s, retrying`;
}
