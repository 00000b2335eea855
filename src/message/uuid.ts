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

/**
 * The first 52 bits of a lower-case hex sha256 (exact in a double): parseInt(hexHash.slice(0, 13), 16),
 * read digit by digit (the slice and the parse were a string and a call per message). What an identity's
 * occurrences are counted by (occurrence()).
 */
export function fingerprint(hexHash: string): number {
  let fp = 0;
  for (let i = 0; i < 13; i++) {
    const c = hexHash.charCodeAt(i);
    fp = fp * 16 + (c <= 0x39 ? c - 0x30 : c - 0x57);
  }
  return fp;
}

/** A key's low 16 bits pick its bucket; a slot keeps only the bits above them (2 bytes for scheme 3's 32-bit keys). */
const BUCKET_BITS = 16;
const BUCKETS = 1 << BUCKET_BITS;
/**
 * Slots per bucket at most (2^27 messages in the buckets at half load); past it a full bucket's newcomers go to
 * the overflow set, so even fingerprints built to collide cannot exhaust the table.
 */
const MAX_WIDTH = 4096;

/**
 * Occurrence numbers per fingerprint (a Map of hex keys holds a string and an entry per message), in 2 bytes
 * per slot (scheme 3) or 4 (scheme 2). The key's low 16 bits pick one of 65,536 buckets and a slot keeps the
 * bits above them: the bucket a key is in and what its slot holds are the whole key, so nothing is lost. A
 * bucket is a row of `width` slots in one array, one cache line for 32 slots of scheme 3: a run of a million
 * messages probes a table far larger than the CPU's caches, once per message. The rows widen together, in
 * place (a resizable ArrayBuffer, so no old array waits for a full GC), when a full row meets a table at
 * half its capacity; a full row of an emptier table sends its newcomer to the overflow set (the few buckets
 * that chance fills first). Counts above 1 go to a Map that only repeats reach.
 *
 * What is compared of the 52-bit fingerprint is the scheme's: 48 bits for scheme 2 (the low 32 and the
 * high 20 modulo 65535), the low 32 for scheme 3. Two identities that agree on those (odds ~2e-3 over a
 * million distinct messages for 48 bits, ~1e-4 per message for 32) only make the later one count as a
 * repeat: its uuid stays unique (its own identity hash is hashed into it) and deterministic (same input
 * order, same numbers); every other uuid is unchanged.
 */
export class OccurrenceCounter {
  /** Scheme 2's slots hold 32 bits (16 of the low word, the 16 extra bits), scheme 3's 16. */
  private readonly wide: boolean;
  private memory: ArrayBuffer | undefined;
  private slots: Uint16Array | Uint32Array = new Uint16Array(0);
  /** Slots used in each bucket. */
  private readonly fill = new Uint16Array(BUCKETS);
  private width = 0;
  private keys = 0;
  /** Keys (as compared) that found their bucket full: each one's bucket is full still. */
  private readonly overflow = new Set<number>();
  private readonly repeats = new Map<number, number>();

  constructor(scheme: UuidScheme = UUID_SCHEME) {
    this.wide = scheme === 2;
  }

  /** 1 the first time a fingerprint (an integer below 2^52) is seen, then 2, 3, ... */
  next(fp: number): number {
    const lo = fp >>> 0; // fp modulo 2^32
    // The key as compared: scheme 2 adds the high 20 bits modulo 65535 (1..65535) above the low 32; scheme 3
    // has always counted 0 as 1 (its first table's empty mark).
    const key = this.wide ? ((((fp - lo) / 0x1_0000_0000) % 0xffff) + 1) * 0x1_0000_0000 + lo : lo || 1;
    const bucket = key & (BUCKETS - 1);
    const held = this.heldOf(key);
    if (this.holds(bucket, held) || (this.fill[bucket] === this.width && this.overflow.has(key))) {
      const n = (this.repeats.get(fp) ?? 1) + 1;
      this.repeats.set(fp, n);
      return n;
    }
    if (this.fill[bucket] === this.width) {
      if ((this.keys < (BUCKETS * this.width) / 2 && this.width > 0) || this.width === MAX_WIDTH) {
        this.overflow.add(key);
        this.keys += 1;
        return 1;
      }
      this.widen();
    }
    this.put(bucket, held);
    this.keys += 1;
    return 1;
  }

  /** What a key's slot holds: the bits above its bucket's (16 of the low word, and scheme 2's 16 extra). */
  private heldOf(key: number): number {
    const lo = key % 0x1_0000_0000;
    return this.wide ? ((((key - lo) / 0x1_0000_0000) << 16) | (lo >>> 16)) >>> 0 : lo >>> 16;
  }

  private put(bucket: number, held: number): void {
    this.slots[bucket * this.width + this.fill[bucket]!] = held;
    this.fill[bucket]! += 1;
  }

  private holds(bucket: number, held: number): boolean {
    const slots = this.slots;
    const from = bucket * this.width;
    const to = from + this.fill[bucket]!;
    for (let i = from; i < to; i++) if (slots[i] === held) return true;
    return false;
  }

  /** Twice as many slots per bucket, each row moved to its new place; then the overflow moved in. */
  private widen(): void {
    const old = this.width;
    const width = old === 0 ? 1 : old * 2;
    const slotBytes = this.wide ? 4 : 2;
    const before = this.slots;
    if (this.memory === undefined) this.memory = reservedMemory(BUCKETS * MAX_WIDTH * slotBytes);
    if (this.memory.resizable) this.memory.resize(BUCKETS * width * slotBytes);
    else this.memory = new ArrayBuffer(BUCKETS * width * slotBytes);
    this.slots = this.wide ? new Uint32Array(this.memory) : new Uint16Array(this.memory);
    // In place, from the last row (each moves to a higher place, past the rows not moved yet); or copied.
    const inPlace = this.slots.buffer === before.buffer;
    for (let b = BUCKETS - 1; b >= 0; b--) {
      const from = b * old;
      const to = from + this.fill[b]!;
      if (inPlace) this.slots.copyWithin(b * width, from, to);
      else if (to > from) this.slots.set(before.subarray(from, to), b * width);
    }
    this.width = width;
    for (const key of this.overflow) {
      const bucket = key & (BUCKETS - 1);
      if (this.fill[bucket] === width) continue;
      this.put(bucket, this.heldOf(key));
      this.overflow.delete(key);
    }
  }
}

/**
 * A resizable ArrayBuffer that may grow to `max` bytes in place (virtual memory reserved, pages used only as
 * it grows); a plain empty one where the address space is too small for the reservation (a 32-bit system).
 */
function reservedMemory(max: number): ArrayBuffer {
  try {
    return new ArrayBuffer(0, { maxByteLength: max });
  } catch {
    return new ArrayBuffer(0);
  }
}
