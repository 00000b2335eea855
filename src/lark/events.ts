import type { ErrorCode } from '../core/errors.js';

/**
 * What the client reports through onEvent (for logs and progress).
 * Never carries the App Secret, a token or a request body.
 */
export type ClientEvent =
  /** A new tenant token was fetched. reason: none cached / cached one near expiry / dropped after an invalid-token code. */
  | { type: 'token.fetched'; reason: 'cold' | 'expiring' | 'invalidated'; expiresInMs: number; logId?: string }
  /** Lark rejected the token (code larkCode) during `op`: it is dropped and the attempt starts over with a fresh one. */
  | { type: 'token.invalidated'; op: string; larkCode?: number; logId?: string }
  /** Attempt `attempt` of `op` failed with a retryable error; the next attempt starts after delayMs. */
  | { type: 'retry'; op: string; attempt: number; code: ErrorCode; larkCode?: number; httpStatus?: number; logId?: string; delayMs: number }
  /** The pacer holds `queued` waiters for waitMs because a rate window (blockedKey) is full. */
  | { type: 'pacer.wait'; pacer: string; waitMs: number; queued: number; blockedKey?: string }
  /**
   * The host gave no answer (`failure`: connection refused, timeout...) after answering or at the start: the
   * client retries, and gives ENDPOINT_UNREACHABLE if nothing answers within verdictInMs. Once per silence.
   */
  | { type: 'endpoint.silent'; host: string; failure: string; verdictInMs: number }
  /** The host's circuit opened at `since` (epoch ms): one probe at a time until it answers (circuit.ts). */
  | { type: 'circuit.open'; host: string; since: number }
  /** The host answered again after openMs: sending resumes at full pace. */
  | { type: 'circuit.closed'; host: string; openMs: number };

export type EventSink = (e: ClientEvent) => void;

/** onEvent must never break a call: a throwing listener is ignored. */
export function safeEmit(sink: EventSink | undefined, e: ClientEvent): void {
  if (!sink) return;
  try {
    sink(e);
  } catch {
    // listener bugs are not the request's problem
  }
}
