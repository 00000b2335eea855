/**
 * Lark de-duplicates sends by `uuid` for an hour. A deterministic uuid makes a retry after a lost
 * response, and a re-run of the same input after a crash, safe: the repeat is not delivered twice.
 * Two identical messages in one run are still both delivered: the occurrence number tells them apart.
 */
import { createHash, hash } from 'node:crypto';
import type { MessageBody } from './schema.js';
import { normalizePhone } from './receivers.js';

/** 48 hex chars = 192 bits of sha256: well within Lark's 50-character limit. */
export const UUID_HEX_LENGTH = 48;

/**
 * How derived uuids tell a repeat of a message from its first occurrence: how many bits of its identity
 * hash the occurrence count compares. 2: 48 bits (the uuids of every state journal written before the
 * scheme was recorded in it: a resume must derive them again exactly, or it takes its input for another);
 * 3: 32 bits, two thirds of the memory per message. Only a message that agrees with an earlier, different
 * one on those bits gets another uuid under one scheme than under the other (OccurrenceCounter); every
 * other uuid is the same under both.
 */
export type UuidScheme = 2 | 3;
/** The scheme of new runs, and of new state journals. */
export const UUID_SCHEME: UuidScheme = 3;

export interface UuidDeriverOptions {
  /** Mixed into every derived uuid, e.g. a pipeline id, so two pipelines sending the same text don't collide. */
  namespace?: string;
  /** Default UUID_SCHEME; a resumed run takes its state journal's. */
  scheme?: UuidScheme;
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
  private readonly seen: OccurrenceCounter;

  constructor(opts: UuidDeriverOptions = {}) {
    this.seen = new OccurrenceCounter(opts.scheme ?? UUID_SCHEME);
    const namespace = opts.namespace ?? '';
    // Length-prefixed like receiveId: no namespace can run into the identity that follows it.
    this.prefix = `lark-im/v2\n${namespace.length}:${namespace}\n`;
  }

  /**
   * Explicit message.uuid wins. Else h = sha256(namespace, identity): the first occurrence of a message
   * gets h itself (cut to 48 hex chars, <= 50) and repeats get sha256(h, occurrence#), so the common case
   * costs one hash, not two. The occurrence count keys on the first 52 bits of h (of which the scheme
   * compares 48 or 32). Both schemes hash the same text ("lark-im/v2"): they differ only in the counting.
   */
  uuidFor(message: MessageBody): string {
    if (hasOwnUuid(message)) return message.uuid;
    const idHash = this.identityHash(message);
    const occurrence = this.seen.next(fingerprint(idHash));
    if (occurrence === 1) return idHash.slice(0, UUID_HEX_LENGTH);
    return repeatUuid(idHash, occurrence);
  }

  /**
   * h = sha256(namespace, identity), in hex: the half of a derived uuid that depends on the message alone, so
   * another thread may compute it (src/pipeline/dry-run/); the counting half (occurrence) is in input order.
   */
  identityHash(message: MessageBody): string {
    return sha256Hex(this.prefix + messageIdentity(message));
  }

  /** The counting half of uuidFor, for an h computed elsewhere: 1 the first time its fingerprint is seen, then 2, ... */
  occurrence(fp: number): number {
    return this.seen.next(fp);
  }
}

/** Whether the message brings its own uuid (an empty one does not count: it is derived like none). */
export function hasOwnUuid(message: MessageBody): message is MessageBody & { uuid: string } {
  return message.uuid !== undefined && message.uuid !== '';
}

/** The uuid of the occurrence-th (>= 2) message with identity hash h (its 64 hex digits). */
export function repeatUuid(idHash: string, occurrence: number): string {
  return sha256Hex(`lark-im/v2 repeat\n${idHash}\n${occurrence}`).slice(0, UUID_HEX_LENGTH);
}

/** fingerprint() of the hex digits of h written as ASCII at `offset` of `bytes` (a report line's uuid). */
export function fingerprintAt(bytes: Uint8Array, offset: number): number {
  let fp = 0;
  for (let i = offset; i < offset + 13; i++) {
    const c = bytes[i]!;
    fp = fp * 16 + (c <= 0x39 ? c - 0x30 : c - 0x57);
  }
  return fp;
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
 * One open-addressing table of `width` 32-bit words per slot, side by side in one array so that a probe
 * touches one cache line: a run of a million messages probes a table far larger than the CPU's caches.
 * A slot's first word is never 0 (0 marks an empty slot).
 */
interface Segment {
  slots: Uint32Array;
  used: number;
  /** The segment holds the keys whose lowest `depth` bits are the same. */
  depth: number;
}

/** Start slot of a key inside its segment: mixes all its bits, so it needs nothing else. */
function home(first: number, second: number): number {
  return Math.imul(first ^ second, 0x9e3779b1) >>> (32 - SEGMENT_BITS);
}

/**
 * Occurrence numbers per fingerprint (a Map of hex keys holds a string and an entry per message), in 4
 * bytes per slot (scheme 3) or 8 (scheme 2). Extendible hashing: a directory indexed by the key's low
 * bits points at fixed-size open-addressing segments, and a full segment splits in two (one new segment;
 * the old one is reused) instead of the whole table doubling: a doubling table leaves its old arrays in
 * the old generation until a full GC, and a split leaves no garbage. Counts above 1 go to a Map that only
 * repeats reach.
 *
 * What a slot keeps of the 52-bit fingerprint is the scheme's: 48 bits for scheme 2 (the low 32 and the
 * high 20 modulo 65535), the low 32 for scheme 3. Two identities that agree on those (odds ~2e-3 over a
 * million distinct messages for 48 bits, ~1e-4 per message for 32) only make the later one count as a
 * repeat: its uuid stays unique (its own identity hash is hashed into it) and deterministic (same input
 * order, same numbers); every other uuid is unchanged.
 */
export class OccurrenceCounter {
  /** 32-bit words per slot: 2 (scheme 2: the 16 extra bits, then the low 32) or 1 (scheme 3: the low 32). */
  private readonly width: 1 | 2;
  /** 2^depth entries; entry k is the segment of the keys whose low bits are k. */
  private directory: Segment[];
  private depth = 0;
  private readonly repeats = new Map<number, number>();
  private readonly overflow = new Map<number, number>();

  constructor(scheme: UuidScheme = UUID_SCHEME) {
    this.width = scheme === 2 ? 2 : 1;
    this.directory = [this.segment(0)];
  }

  /** 1 the first time a fingerprint (an integer below 2^52) is seen, then 2, 3, ... */
  next(fp: number): number {
    let lo = fp >>> 0; // fp modulo 2^32
    let first: number;
    if (this.width === 2) {
      first = (((fp - lo) / 0x1_0000_0000) % 0xffff) + 1; // 1..65535: never 0
    } else {
      if (lo === 0) lo = 1; // 0 marks an empty slot: it counts as 1
      first = lo;
    }
    const second = this.width === 2 ? lo : 0;
    const seg = this.directory[lo & ((1 << this.depth) - 1)]!;
    const i = this.probe(seg.slots, first, second);
    if (seg.slots[i * this.width] !== 0) {
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
    this.store(seg, i, first, second);
    if (seg.used >= SEGMENT_MAX && seg.depth < MAX_DEPTH) this.split(seg);
    return 1;
  }

  private segment(depth: number): Segment {
    return { slots: new Uint32Array(SEGMENT_SLOTS * this.width), used: 0, depth };
  }

  /** The slot of a key: where it is stored, or the empty slot where it belongs. */
  private probe(slots: Uint32Array, first: number, second: number): number {
    const w = this.width;
    let i = home(first, second);
    for (;;) {
      const f = slots[i * w]!;
      if (f === 0 || (f === first && (w === 1 || slots[i * w + 1] === second))) return i;
      i = (i + 1) & (SEGMENT_SLOTS - 1);
    }
  }

  private store(seg: Segment, i: number, first: number, second: number): void {
    seg.slots[i * this.width] = first;
    if (this.width === 2) seg.slots[i * 2 + 1] = second;
    seg.used += 1;
  }

  /** Moves the keys whose next low bit is 1 to a new segment and re-inserts the rest in place. */
  private split(seg: Segment): void {
    if (seg.depth === this.depth) {
      this.directory = this.directory.concat(this.directory);
      this.depth += 1;
    }
    const w = this.width;
    const bit = 1 << seg.depth;
    const old = seg.slots.slice();
    seg.slots.fill(0);
    seg.used = 0;
    seg.depth += 1;
    const sibling = this.segment(seg.depth);
    for (let j = 0; j < SEGMENT_SLOTS; j++) {
      const first = old[j * w]!;
      if (first === 0) continue;
      const second = w === 2 ? old[j * 2 + 1]! : 0;
      // The low 32 bits of the fingerprint (lo): the second word of scheme 2, the only one of scheme 3.
      const lo = w === 2 ? second : first;
      const to = (lo & bit) === 0 ? seg : sibling;
      this.store(to, this.probe(to.slots, first, second), first, second);
    }
    for (let k = 0; k < this.directory.length; k++) {
      if (this.directory[k] === seg && (k & bit) !== 0) this.directory[k] = sibling;
    }
  }
}
