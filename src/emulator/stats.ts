/** The emulator's request counters (what stats() copies). */
import type { EmulatorStats } from './types.js';

export function emptyStats(): EmulatorStats {
  return {
    requests: 0,
    connections: 0,
    tokenRequests: 0,
    tokensIssued: 0,
    sendRequests: 0,
    delivered: 0,
    duplicatesSuppressed: 0,
    status429: 0,
    status5xx: 0,
    lostResponses: 0,
    slowResponses: 0,
    batchGetIdRequests: 0,
    listMessagesRequests: 0,
    listChatsRequests: 0,
    botInfoRequests: 0,
    scopeRequests: 0,
    uploads: 0,
    changeRequests: 0,
    errorsByCode: {},
    byEndpoint: {},
  };
}

/** Zeroes the counters in place (the endpoints hold the object). */
export function resetStats(stats: EmulatorStats): void {
  Object.assign(stats, emptyStats());
}

/** Adds one to a keyed count (errorsByCode, byEndpoint). */
export function bump(counts: Record<string, number>, key: string | number): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
