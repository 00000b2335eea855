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

/** Key order inside the content must not change the identity of a message. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function canonicalContent(content: string): string {
  try {
    return canonicalJson(JSON.parse(content));
  } catch {
    return content; // validation rejects this anyway; stay deterministic
  }
}

/** crypto.hash (Node >= 20.12) is the one-shot form: same digest, about half the cost of createHash per call. */
const oneShot: ((algorithm: string, data: string, encoding: 'hex') => string) | undefined = typeof hash === 'function' ? hash : undefined;

function sha256Hex(s: string): string {
  return oneShot ? oneShot('sha256', s, 'hex') : createHash('sha256').update(s, 'utf8').digest('hex');
}

/** The stable identity of a message, independent of key order and phone formatting. */
export function messageIdentity(message: MessageBody): string {
  const receiveId = message.receiveType === 'phone' ? normalizePhone(message.receiveId) : message.receiveId;
  return JSON.stringify([message.receiveType, receiveId, message.contentType, canonicalContent(message.content)]);
}

/** One instance per run: it counts identical messages seen so far. */
export class UuidDeriver {
  private readonly namespace: string;
  /** How many times each identity was seen (by fingerprint: a run of millions must stay in constant-ish memory). */
  private readonly seen = new OccurrenceCounter();

  constructor(opts: UuidDeriverOptions = {}) {
    this.namespace = opts.namespace ?? '';
  }

  /** Explicit message.uuid wins; else sha256(namespace, message identity, occurrence#), <= 50 chars. */
  uuidFor(message: MessageBody): string {
    if (message.uuid !== undefined && message.uuid !== '') return message.uuid;
    const idHash = sha256Hex(messageIdentity(message));
    const occurrence = this.seen.next(fingerprint(idHash));
    return sha256Hex(`lark-im/v1\n${this.namespace}\n${idHash}\n${occurrence}`).slice(0, UUID_HEX_LENGTH);
  }
}

/** The first 52 bits of a hex sha256 (exact in a double). */
function fingerprint(hexHash: string): number {
  return parseInt(hexHash.slice(0, 13), 16);
}

/**
 * Occurrence numbers per fingerprint in about 16 bytes per distinct message (a Map of hex keys took ~110 B,
 * so a million-message run held ~105 MB for it). Open addressing over a Float64Array; counts above 1 go
 * to a Map that only repeats reach. Two identities sharing a 52-bit fingerprint (odds ~1e-4 over a million
 * messages) only make the later one count as a repeat: its uuid stays unique (the full identity hash is
 * hashed into it) and deterministic (same input order, same numbers); every other uuid is unchanged.
 */
export class OccurrenceCounter {
  /** fingerprint + 1 per used slot; 0 = empty. */
  private table = new Float64Array(1 << 12);
  private used = 0;
  private readonly repeats = new Map<number, number>();

  /** 1 the first time a fingerprint is seen, then 2, 3, ... */
  next(fp: number): number {
    const key = fp + 1;
    const mask = this.table.length - 1;
    let i = (fp >>> 0) & mask;
    for (;;) {
      const slot = this.table[i]!;
      if (slot === 0) break;
      if (slot === key) {
        const n = (this.repeats.get(fp) ?? 1) + 1;
        this.repeats.set(fp, n);
        return n;
      }
      i = (i + 1) & mask;
    }
    this.table[i] = key;
    if (++this.used * 4 > this.table.length * 3) this.grow();
    return 1;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    const mask = this.table.length - 1;
    for (const key of old) {
      if (key === 0) continue;
      let i = ((key - 1) >>> 0) & mask;
      while (this.table[i] !== 0) i = (i + 1) & mask;
      this.table[i] = key;
    }
  }
}
