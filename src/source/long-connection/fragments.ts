/**
 * Reassembles a data frame's payload that Lark split into fragments: frames with the same `message_id`
 * header, `sum` parts in all, each with its `seq` (0-based). Incomplete sets are dropped after ttlMs
 * (10 s, as the official SDK does), so a lost fragment cannot grow memory; the unacked event is pushed again.
 */
export interface FragmentPart {
  messageId: string;
  sum: number;
  seq: number;
  data: Uint8Array;
}

interface Pending {
  parts: Array<Uint8Array | undefined>;
  received: number;
  firstAt: number;
}

export class FragmentAssembler {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 10_000,
  ) {}

  /** The whole payload once the last missing part arrives, else undefined. Throws on inconsistent metadata. */
  add(part: FragmentPart): Buffer | undefined {
    const { messageId, sum, seq } = part;
    if (!Number.isInteger(sum) || sum < 1 || !Number.isInteger(seq) || seq < 0 || seq >= sum) {
      throw new Error(`invalid fragment metadata (message_id ${messageId}, sum ${sum}, seq ${seq})`);
    }
    if (sum === 1) return Buffer.from(part.data);
    this.expire();
    let entry = this.pending.get(messageId);
    if (!entry) {
      entry = { parts: new Array<Uint8Array | undefined>(sum).fill(undefined), received: 0, firstAt: this.now() };
      this.pending.set(messageId, entry);
    } else if (entry.parts.length !== sum) {
      this.pending.delete(messageId);
      throw new Error(`fragment sum changed (message_id ${messageId}: ${entry.parts.length} then ${sum})`);
    }
    if (entry.parts[seq] === undefined) entry.received++;
    entry.parts[seq] = part.data;
    if (entry.received < sum) return undefined;
    this.pending.delete(messageId);
    return Buffer.concat(entry.parts as Uint8Array[]);
  }

  /** Incomplete sets held. */
  get size(): number {
    return this.pending.size;
  }

  clear(): void {
    this.pending.clear();
  }

  private expire(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [id, entry] of this.pending) if (entry.firstAt < cutoff) this.pending.delete(id);
  }
}
