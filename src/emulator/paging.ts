/** Lark's paging as the emulator's list endpoints answer it: page_size bounds and an opaque page_token. */
export function pageSizeOf(q: URLSearchParams, dflt: number, max: number): number | undefined {
  const raw = q.get('page_size');
  const n = raw === null || raw === '' ? dflt : Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : undefined;
}

export function encodeToken(offset: number): string {
  return Buffer.from(`o${offset}`).toString('base64url');
}

/** 0 without a token; undefined for a token this emulator did not issue. */
export function decodeToken(token: string | null): number | undefined {
  if (!token) return 0;
  const m = /^o(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m?.[1] ? Number(m[1]) : undefined;
}
