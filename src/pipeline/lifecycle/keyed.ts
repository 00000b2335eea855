/**
 * Whether a node's records have keys. Apart from the options' zod shape (config.ts) because the record path
 * reads it too, and a dry-run's worker threads load that path without zod.
 */

/** The options follow keys (an update edits, a delete recalls, a replayed insert edits): messageKey is set. */
export function isKeyed(o: { messageKey?: string[] | undefined }): o is { messageKey: string[] } {
  return o.messageKey !== undefined && o.messageKey.length > 0;
}
