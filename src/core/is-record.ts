/** A JSON object (not null, not an array): what a parsed body, config or Lark response part must be. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
