/**
 * Lark de-duplicates sends by `uuid` for an hour. A deterministic uuid makes a retry after a lost
 * response, and a re-run of the same input after a crash, safe: the repeat is not delivered twice.
 * Two identical messages in one run are still both delivered: the occurrence number tells them apart.
 */
import { createHash, hash } from 'node:crypto';
import type { MessageBody } from './schema.js';
import { normalizePhone } from './receivers.js';

/** 48 hex chars = 192 bits of sha256: well within Lark's 50-character limit. */
const UUID_HEX_LENGTH = 48;

export interface UuidDeriverOptions {
  /** Mixed into every derived uuid, e.g. a pipeline id, so two pipelines sending the same text don't collide. */
  namespace?: string;
}

/** crypto.hash (Node >= 20.12) is the one-shot form: same digest, about half the cost of createHash per call. */
const oneShot: ((algorithm: string, data: string, encoding: 'hex') => string) | undefined = typeof hash === 'function' ? hash : undefined;

function sha256Hex(s: string): string {
  return oneShot ? oneShot('sha256', s, 'hex') : createHash('sha256').update(s, 'utf8').digest('hex');
}

/**
 * The stable identity of a message, independent of phone formatting. The content is taken as given (the
 * string that is sent): re-serialising it with sorted keys would cost a JSON.parse per message, and the
 * same input always gives the same string, which is what re-runs need.
 * Plain text rather than JSON.stringify of the fields (which escaped every quote of the content and cost
 * as much as the hash): receiveType and contentType are enum words, receiveId is length-prefixed and the
 * content comes last, so two different messages never give the same text.
 */
export function messageIdentity(message: MessageBody): string {
  const receiveId = message.receiveType === 'phone' ? normalizePhone(message.receiveId) : message.receiveId;
  return `${message.receiveType}\n${receiveId.length}:${receiveId}\n${message.contentType}\n${message.content}`;
}

/** One instance per run: it counts identical messages seen so far. */
export class UuidDeriver {
  /** Prefix of the one hash every derived uuid starts from (the namespace is part of it). */
  private readonly prefix: string;
  /** How many times each identity was seen (by fingerprint: a run of millions must stay in constant-ish memory). */
  private readonly seen = new OccurrenceCounter();

  constructor(opts: UuidDeriverOptions = {}) {
    const namespace = opts.namespace ?? '';
    // Length-prefixed like receiveId: no namespace can run into the identity that follows it.
    this.prefix = `lark-im/v2\n${namespace.length}:${namespace}\n`;
  }

  /**
   * Explicit message.uuid wins. Else h = sha256(namespace, identity): the first occurrence of a message
   * gets h itself (cut to 48 hex chars, <= 50) and repeats get sha256(h, occurrence#), so the common case
   * costs one hash, not two. The occurrence count keys on the first 52 bits of h.
   */
  uuidFor(message: MessageBody): string {
    if (message.uuid !== undefined && message.uuid !== '') return message.uuid;
    const idHash = sha256Hex(this.prefix + messageIdentity(message));
    const occurrence = this.seen.next(fingerprint(idHash));
    if (occurrence === 1) return idHash.slice(0, UUID_HEX_LENGTH);
    return sha256Hex(`lark-im/v2 repeat\n${idHash}\n${occurrence}`).slice(0, UUID_HEX_LENGTH);
  }
}

/**
 * The first 52 bits of a lower-case hex sha256 (exact in a double): parseInt(hexHash.slice(0, 13), 16),
 * read digit by digit (the slice and the parse were a string and a call per message).
 */
function fingerprint(hexHash: string): number {
  let fp = 0;
  for (let i = 0; i < 13; i++) {
    const c = hexHash.charCodeAt(i);
    fp = fp * 16 + (c <= 0x39 ? c - 0x30 : c - 0x57);
  }
  return fp;
}

/** Slots per segment (fixed: a full segment splits in two rather than growing). */
const SEGMENT_BITS = 12;
const SEGMENT_SLOTS = 1 << SEGMENT_BITS;
/** A segment splits when it holds this many (load 3/4). */
const SEGMENT_MAX = (SEGMENT_SLOTS * 3) / 4;
/**
 * Directory depth at which segments stop splitting (2^20 segments: billions of messages). Past it a full
 * segment's newcomers are counted in a Map, so even fingerprints built to collide cannot loop or exhaust.
 */
const MAX_DEPTH = 20;

/**
 * One open-addressing table. Slot k is words 3k..3k+2 of one array: the fingerprint's low 32 bits (as two
 * halves) and 16 more of its bits (0 = empty), side by side so that a probe touches one cache line, not one
 * per array: a run of a million messages probes a table far larger than the CPU's caches.
 */
interface Segment {
  slots: Uint16Array;
  used: number;
  /** The segment holds the fingerprints whose lowest `depth` bits are the same. */
  depth: number;
}

function newSegment(depth: number): Segment {
  return { slots: new Uint16Array(SEGMENT_SLOTS * 3), used: 0, depth };
}

/** Start slot of a fingerprint inside its segment: mixes all stored bits, so it needs nothing else. */
function home(lo: number, hi: number): number {
  return Math.imul(lo ^ hi, 0x9e3779b1) >>> (32 - SEGMENT_BITS);
}

/** The slot of (lo, hi) in seg: where it is stored, or the empty slot where it belongs. */
function probe(slots: Uint16Array, lo: number, hi: number): number {
  const lo0 = lo & 0xffff;
  const lo1 = lo >>> 16;
  let i = home(lo, hi);
  for (;;) {
    const h = slots[i * 3 + 2]!;
    if (h === 0 || (h === hi && slots[i * 3] === lo0 && slots[i * 3 + 1] === lo1)) return i;
    i = (i + 1) & (SEGMENT_SLOTS - 1);
  }
}

function store(seg: Segment, i: number, lo: number, hi: number): void {
  seg.slots[i * 3] = lo & 0xffff;
  seg.slots[i * 3 + 1] = lo >>> 16;
  seg.slots[i * 3 + 2] = hi;
  seg.used += 1;
}

/**
 * Occurrence numbers per fingerprint in 6 bytes per slot (a Map of hex keys holds a string and an entry per
 * message). Extendible hashing: a directory indexed by the fingerprint's
 * low bits points at fixed-size open-addressing segments, and a full segment splits in two (one new
 * segment; the old one is reused) instead of the whole table doubling: a doubling table leaves its old
 * arrays in the old generation until a full GC, and a split leaves no garbage.
 * Counts above 1 go to a Map that only repeats reach.
 *
 * A slot keeps 48 of the 52 fingerprint bits (the low 32, and the high 20 modulo 65535). Two identities
 * that agree on those (odds ~2e-3 over a million distinct messages) only make the later one count as a
 * repeat: its uuid stays unique (its own identity hash is hashed into it) and deterministic (same input
 * order, same numbers); every other uuid is unchanged.
 */
export class OccurrenceCounter {
  /** 2^depth entries; entry k is the segment of the fingerprints whose low bits are k. */
  private directory: Segment[] = [newSegment(0)];
  private depth = 0;
  private readonly repeats = new Map<number, number>();
  private readonly overflow = new Map<number, number>();

  /** 1 the first time a fingerprint (an integer below 2^52) is seen, then 2, 3, ... */
  next(fp: number): number {
    const lo = fp >>> 0; // fp modulo 2^32
    const hi = (((fp - lo) / 0x1_0000_0000) % 0xffff) + 1; // 1..65535: never 0, which marks an empty slot
    const seg = this.directory[lo & ((1 << this.depth) - 1)]!;
    const i = probe(seg.slots, lo, hi);
    if (seg.slots[i * 3 + 2] !== 0) {
      const n = (this.repeats.get(fp) ?? 1) + 1;
      this.repeats.set(fp, n);
      return n;
    }
    if (seg.used >= SEGMENT_SLOTS - 1) {
      // Only at MAX_DEPTH: keep one slot empty so that probing always ends.
      const n = (this.overflow.get(fp) ?? 0) + 1;
      this.overflow.set(fp, n);
      return n;
    }
    store(seg, i, lo, hi);
    if (seg.used >= SEGMENT_MAX && seg.depth < MAX_DEPTH) this.split(seg);
    return 1;
  }

  /** Moves the entries whose next low bit is 1 to a new segment and re-inserts the rest in place. */
  private split(seg: Segment): void {
    if (seg.depth === this.depth) {
      this.directory = this.directory.concat(this.directory);
      this.depth += 1;
    }
    const bit = 1 << seg.depth;
    const old = seg.slots.slice();
    seg.slots.fill(0);
    seg.used = 0;
    seg.depth += 1;
    const sibling = newSegment(seg.depth);
    for (let j = 0; j < SEGMENT_SLOTS; j++) {
      const hi = old[j * 3 + 2]!;
      if (hi === 0) continue;
      const lo = (old[j * 3]! | (old[j * 3 + 1]! << 16)) >>> 0;
      const to = (lo & bit) === 0 ? seg : sibling;
      store(to, probe(to.slots, lo, hi), lo, hi);
    }
    for (let k = 0; k < this.directory.length; k++) {
      if (this.directory[k] === seg && (k & bit) !== 0) this.directory[k] = sibling;
    }
  }
}
