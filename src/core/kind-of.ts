/** "null", "array", or typeof: how an error message names a value's kind (never the value itself). */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
