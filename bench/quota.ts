/**
 * Quota arithmetic: the fastest schedule Lark's sliding windows allow for a run, so an achieved rate can be
 * compared with what the binding quota permits (not with a nominal 50/s a short run can exceed by a burst).
 */

export interface QuotaLimits {
  perSecond: number;
  perMinute: number;
  perReceiverPerSecond: number;
}

export const LARK_LIMITS: QuotaLimits = { perSecond: 50, perMinute: 1000, perReceiverPerSecond: 5 };

/**
 * Earliest start time (ms from the first send) of every message when sent in order as fast as the windows
 * allow: an entry at t counts in a window of w ms while now - t < w (the emulator's rule), so a slot frees
 * at exactly t + w. receivers[i] is message i's receiver key.
 */
export function idealSchedule(receivers: readonly string[], limits: QuotaLimits = LARK_LIMITS): number[] {
  const t: number[] = [];
  const byReceiver = new Map<string, number[]>();
  for (let i = 0; i < receivers.length; i++) {
    let at = i > 0 ? t[i - 1]! : 0;
    if (i >= limits.perSecond) at = Math.max(at, t[i - limits.perSecond]! + 1000);
    if (i >= limits.perMinute) at = Math.max(at, t[i - limits.perMinute]! + 60_000);
    const own = byReceiver.get(receivers[i]!) ?? [];
    if (own.length >= limits.perReceiverPerSecond) at = Math.max(at, own[own.length - limits.perReceiverPerSecond]! + 1000);
    own.push(at);
    byReceiver.set(receivers[i]!, own);
    t.push(at);
  }
  return t;
}

/** Ideal span first send -> last send (ms). */
export function idealSpanMs(receivers: readonly string[], limits: QuotaLimits = LARK_LIMITS): number {
  const t = idealSchedule(receivers, limits);
  return t.length === 0 ? 0 : t[t.length - 1]!;
}

/** Which window binds a run of n messages (spread over enough receivers): the name the report uses. */
export function bindingQuota(n: number, receiverCount: number, limits: QuotaLimits = LARK_LIMITS): string {
  const perReceiverCap = receiverCount * limits.perReceiverPerSecond;
  if (perReceiverCap < limits.perSecond) return `${limits.perReceiverPerSecond}/s per receiver x ${receiverCount}`;
  return n > limits.perMinute ? `${limits.perMinute}/min per app` : `${limits.perSecond}/s per app`;
}

/** Sends per second over a span: (n - 1) intervals between the first and the last send. */
export function ratePerSecond(n: number, spanMs: number): number {
  return n <= 1 || spanMs <= 0 ? 0 : ((n - 1) * 1000) / spanMs;
}

/** Round-robin receivers: message i goes to receiver i % count. */
export function roundRobin(n: number, count: number, key: (i: number) => string = (i) => `r${i}`): string[] {
  return Array.from({ length: n }, (_, i) => key(i % count));
}
