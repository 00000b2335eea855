/**
 * Form fields and record fields may hold a JSON value as its text (a JSON editor stores a string): these read
 * such text without throwing, so the schema that follows reports what is wrong with the value.
 */

/** The parsed JSON text, or `fallback` when it does not parse. */
export function parseJsonText(text: string, fallback: unknown = text): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fallback;
  }
}

/** A string that looks like a JSON object, parsed (left as it is when it does not parse); anything else as given. */
export function objectFromJsonText(value: unknown): unknown {
  return typeof value === 'string' && value.trim().startsWith('{') ? parseJsonText(value.trim(), value) : value;
}
