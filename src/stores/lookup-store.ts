/**
 * The phone lookup cache's interface (the receiver resolver's `store` option). Declared here until the
 * resolver's own declaration (src/message/receivers.ts) is on main; the text is the same.
 */
export interface LookupStore {
  /** Known answers: open_id, or null for a known miss; absent = unknown. */
  getMany(phones: readonly string[]): Map<string, string | null> | Promise<Map<string, string | null>>;
  setMany(entries: ReadonlyArray<{ phone: string; openId: string | null; ttlMs: number }>): void | Promise<void>;
}
