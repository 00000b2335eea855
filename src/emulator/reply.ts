/** What a handler answers; the server turns it into an HTTP response (or a destroyed socket / a delay). */
export interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Destroy the socket instead of answering (a lost response). */
  lose?: boolean;
  /** Hold the response back this long (a slow response). */
  delayMs?: number;
}

export function isReply(v: unknown): v is Reply {
  return typeof v === 'object' && v !== null && 'status' in v && 'body' in v && typeof (v as Reply).status === 'number';
}

export interface FieldViolation {
  field: string;
  description: string;
}

/** Lark error body: {code, msg, error: {log_id, troubleshooter, field_violations?}}. */
export function larkError(status: number, code: number, msg: string, logId: string, violations?: FieldViolation[]): Reply {
  const error: Record<string, unknown> = {
    log_id: logId,
    troubleshooter: `Troubleshooting suggestions: https://open.feishu.cn/search?from=openapi&log_id=${logId}&code=${code}`,
  };
  if (violations) error['field_violations'] = violations;
  return { status, body: { code, msg, error } };
}

/** 99992402: the gateway's parameter check failed (bad query / body field). */
export function fieldError(logId: string, field: string, description: string): Reply {
  return larkError(400, 99992402, 'field validation failed', logId, [{ field, description }]);
}

/** 230001 with Lark's ext= suffix naming what was wrong. */
export function invalidParam(logId: string, ext: string): Reply {
  return larkError(400, 230001, `Your request contains an invalid request parameter, ext=${ext}`, logId);
}

export function rateLimited(logId: string, limit: number, resetSeconds: number): Reply {
  const reply = larkError(429, 99991400, 'request trigger frequency limit', logId);
  reply.headers = { 'x-ogw-ratelimit-limit': String(limit), 'x-ogw-ratelimit-reset': String(resetSeconds) };
  return reply;
}

export function missingScope(logId: string, scopes: readonly string[]): Reply {
  return larkError(
    400,
    99991672,
    `Access denied. One of the following scopes is required: [${scopes.join(', ')}]. Apply for it in the developer console and publish a new version.`,
    logId,
  );
}

/** x-tt-logid values: yyyyMMddHHmmss + 20 hex digits, unique per emulator. */
export function logIdFactory(now: () => number): () => string {
  let seq = 0;
  const salt = Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0').toUpperCase();
  return () => {
    const d = new Date(now());
    const p = (n: number, w = 2): string => String(n).padStart(w, '0');
    const stamp = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
    return `${stamp}${salt}${(++seq).toString(16).toUpperCase().padStart(14, '0')}`;
  };
}
