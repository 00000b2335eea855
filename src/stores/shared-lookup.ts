/**
 * Puts a shared LookupStore in front of Lark's batch_get_id: numbers another worker already resolved (or
 * found missing) are answered from the store; the rest are looked up and stored with their TTLs.
 */
import { DEFAULT_RECEIVER_MISS_TTL_MS, DEFAULT_RECEIVER_TTL_MS, type PhoneLookup } from '../message/receivers.js';
import type { LookupStore } from './lookup-store.js';

export function withSharedLookups(store: LookupStore, lookup: PhoneLookup, ttl: { hitMs?: number; missMs?: number } = {}): PhoneLookup {
  const hitMs = ttl.hitMs ?? DEFAULT_RECEIVER_TTL_MS;
  const missMs = ttl.missMs ?? DEFAULT_RECEIVER_MISS_TTL_MS;
  return async (mobiles) => {
    const known = await store.getMany(mobiles);
    const unknown = mobiles.filter((m) => !known.has(m));
    const found = unknown.length > 0 ? await lookup(unknown) : new Map<string, string>();
    if (unknown.length > 0) {
      await store.setMany(unknown.map((phone) => {
        const openId = found.get(phone) ?? null;
        return { phone, openId, ttlMs: openId === null ? missMs : hitMs };
      }));
    }
    const out = new Map<string, string>();
    for (const m of mobiles) {
      const openId = known.get(m) ?? found.get(m);
      if (openId) out.set(m, openId);
    }
    return out;
  };
}
