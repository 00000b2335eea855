/**
 * Lark de-duplicates sends by `uuid` for an hour. A deterministic uuid makes a retry after a lost
 * response, and a re-run of the same input after a crash, safe: the repeat is not delivered twice.
 * Two identical messages in one run are still both delivered: the occurrence number tells them apart.
 */
import { createHash } from 'node:crypto';
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

function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** The stable identity of a message, independent of key order and phone formatting. */
export function messageIdentity(message: MessageBody): string {
  const receiveId = message.receiveType === 'phone' ? normalizePhone(message.receiveId) : message.receiveId;
  return JSON.stringify([message.receiveType, receiveId, message.contentType, canonicalContent(message.content)]);
}

/** One instance per run: it counts identical messages seen so far. */
export class UuidDeriver {
  private readonly namespace: string;
  /** identity hash -> how many times seen (hash, not the identity: contents can be 150 KB). */
  private readonly seen = new Map<string, number>();

  constructor(opts: UuidDeriverOptions = {}) {
    this.namespace = opts.namespace ?? '';
  }

  /** Explicit message.uuid wins; else sha256(namespace, message identity, occurrence#), <= 50 chars. */
  uuidFor(message: MessageBody): string {
    if (message.uuid !== undefined && message.uuid !== '') return message.uuid;
    const idHash = sha256Hex(messageIdentity(message));
    const occurrence = (this.seen.get(idHash) ?? 0) + 1;
    this.seen.set(idHash, occurrence);
    return sha256Hex(`lark-im/v1\n${this.namespace}\n${idHash}\n${occurrence}`).slice(0, UUID_HEX_LENGTH);
  }
}
