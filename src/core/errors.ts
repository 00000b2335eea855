/**
 * The project's error vocabulary: every stable code a user or platform can switch on, the error class that
 * carries it, and what each code stops. Depends on nothing; the Lark code table (src/lark/errors.ts) maps
 * Lark's codes onto this vocabulary.
 * Rule: no error built anywhere ever carries a request body, a token or the App Secret.
 */

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'APP_ID_WRONG'
  | 'APP_SECRET_WRONG'
  | 'APP_UNAVAILABLE'
  | 'PERMISSION_DENIED'
  | 'TOKEN_INVALID'
  | 'RATE_LIMITED'
  | 'QUOTA_EXCEEDED'
  | 'RECEIVER_NOT_FOUND'
  | 'OUTSIDE_VISIBLE_RANGE'
  | 'BOT_NOT_IN_CHAT'
  | 'CONTENT_TOO_LARGE'
  | 'MESSAGE_INVALID'
  | 'INPUT_INVALID'
  | 'FIELD_MISSING'
  /** An image or file source that cannot be used: refused (host, root), unreachable, too large, wrong kind. */
  | 'MEDIA_INVALID'
  | 'NETWORK'
  | 'TIMEOUT'
  | 'SERVER_ERROR'
  | 'LARK_API_ERROR'
  | 'INTERRUPTED'
  /** Long connection: the endpoint refused events for this app (no subscription, forbidden). */
  | 'EVENTS_UNAVAILABLE'
  /** Long connection: the app already has as many connections as Lark allows. */
  | 'TOO_MANY_CONNECTIONS'
  /** Every request to the Lark host failed without an answer (refused, DNS, TLS, timeout) for a while. */
  | 'ENDPOINT_UNREACHABLE'
  /** A shared store (Redis) stayed unreachable too long. */
  | 'STORE_UNAVAILABLE'
  /** Lark will not edit this message any more (edit count, edit window, card window, not ours, gone). */
  | 'MESSAGE_NOT_EDITABLE'
  /** Lark will not recall this message (past the recall window, or not allowed). */
  | 'RECALL_REFUSED'
  /** The HTTP(S) proxy refused to carry the request (407: its user or password). */
  | 'PROXY_REFUSED'
  /** The HTTP(S) proxy itself could not be reached (refused, unknown host, unreachable). */
  | 'PROXY_UNREACHABLE';

/**
 * What an error stops: 'app' = the whole run (no later message can succeed either), 'message' = this
 * message only, 'request' = this attempt only (retried; if retries run out, the message fails).
 */
export type ErrorStops = 'app' | 'message' | 'request';

export interface ConnectorErrorOptions {
  code: ErrorCode;
  message: string;
  retryable?: boolean;
  larkCode?: number;
  httpStatus?: number;
  logId?: string;
  retryAfterMs?: number;
  field?: string;
  /** What the user should change (already part of message; kept apart for reports). */
  advice?: string;
  /** Overrides the code's default scope (see ERROR_STOPS), e.g. a missing scope on the send API stops the app. */
  stops?: ErrorStops;
  /** The message was not sent because the run had stopped (see isRunStop), whatever the code of the cause. */
  notSent?: true;
  cause?: unknown;
}

export interface ConnectorErrorJSON {
  code: ErrorCode;
  message: string;
  larkCode?: number;
  logId?: string;
  retryable: boolean;
  field?: string;
}

export class ConnectorError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly larkCode?: number;
  readonly httpStatus?: number;
  readonly logId?: string;
  readonly retryAfterMs?: number;
  readonly field?: string;
  readonly advice?: string;
  readonly stops?: ErrorStops;
  readonly notSent?: true;

  constructor(opts: ConnectorErrorOptions) {
    super(opts.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code;
    this.retryable = opts.retryable ?? false;
    // Only set optional fields that exist, so util.inspect / JSON stay short.
    if (opts.larkCode !== undefined) this.larkCode = opts.larkCode;
    if (opts.httpStatus !== undefined) this.httpStatus = opts.httpStatus;
    if (opts.logId !== undefined) this.logId = opts.logId;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    if (opts.field !== undefined) this.field = opts.field;
    if (opts.advice !== undefined) this.advice = opts.advice;
    if (opts.stops !== undefined) this.stops = opts.stops;
    if (opts.notSent) this.notSent = true;
  }

  /** What reports print. */
  toJSON(): ConnectorErrorJSON {
    const out: ConnectorErrorJSON = { code: this.code, message: this.message, retryable: this.retryable };
    if (this.larkCode !== undefined) out.larkCode = this.larkCode;
    if (this.logId !== undefined) out.logId = this.logId;
    if (this.field !== undefined) out.field = this.field;
    return out;
  }
}

/** Local validation failure: never retryable. */
export class ValidationError extends ConnectorError {
  constructor(opts: Omit<ConnectorErrorOptions, 'retryable'>) {
    super({ ...opts, retryable: false });
  }
}

/**
 * What each ErrorCode stops by default. isAppLevel() reads this (or the error's own `stops`, which the code
 * table sets per Lark code): the one place that decides whether a failure ends the run.
 */
export const ERROR_STOPS: Readonly<Record<ErrorCode, ErrorStops>> = Object.freeze({
  CONFIG_INVALID: 'app',
  APP_ID_WRONG: 'app',
  APP_SECRET_WRONG: 'app',
  APP_UNAVAILABLE: 'app',
  // A missing scope on the send API itself is app-level (see the table); other permission errors are per message.
  PERMISSION_DENIED: 'message',
  // Only ever surfaces after a freshly fetched token was refused too (the client retries with a new one before).
  TOKEN_INVALID: 'app',
  RATE_LIMITED: 'request',
  QUOTA_EXCEEDED: 'app',
  RECEIVER_NOT_FOUND: 'message',
  OUTSIDE_VISIBLE_RANGE: 'message',
  BOT_NOT_IN_CHAT: 'message',
  CONTENT_TOO_LARGE: 'message',
  MESSAGE_INVALID: 'message',
  INPUT_INVALID: 'message',
  // A send mode's record field is missing: that message only (its record's other messages still go).
  FIELD_MISSING: 'message',
  MEDIA_INVALID: 'message',
  NETWORK: 'request',
  TIMEOUT: 'request',
  SERVER_ERROR: 'request',
  LARK_API_ERROR: 'message',
  INTERRUPTED: 'message',
  ENDPOINT_UNREACHABLE: 'app',
  STORE_UNAVAILABLE: 'app',
  // Every request goes through the proxy: when it refuses or is not there, no later one can succeed either.
  PROXY_REFUSED: 'app',
  PROXY_UNREACHABLE: 'app',
  // Long connection: the events source cannot run (it falls back to polling itself where that helps).
  EVENTS_UNAVAILABLE: 'app',
  TOO_MANY_CONNECTIONS: 'app',
  // A record's life in Lark: the writer sends a new message instead (edit) or reports the failure (recall).
  MESSAGE_NOT_EDITABLE: 'message',
  RECALL_REFUSED: 'message',
});

/** What `err` stops; a non-ConnectorError (a bug) stops only its message. */
export function stopsOf(err: unknown): ErrorStops {
  if (!(err instanceof ConnectorError)) return 'message';
  return err.stops ?? ERROR_STOPS[err.code] ?? 'message';
}

/** THE test for "stop the run": no later message can succeed either (credentials, app state, quota, host down). */
export function isAppLevel(err: unknown): err is ConnectorError {
  return stopsOf(err) === 'app';
}

/**
 * Codes that say the run stopped, not that the message is wrong: a stop signal, the shared store gone, the
 * Lark host silent. A message ending with one was not sent by this run (a resume sends it).
 */
const RUN_STOP_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['INTERRUPTED', 'STORE_UNAVAILABLE', 'ENDPOINT_UNREACHABLE']);

/** THE test for "not sent" (rather than "failed"): the run did not get to this message. */
export function isRunStop(err: unknown): err is ConnectorError {
  return err instanceof ConnectorError && (err.notSent === true || RUN_STOP_CODES.has(err.code));
}

export function isRetryable(err: unknown): boolean {
  return err instanceof ConnectorError && err.retryable;
}

/** The run was stopped (SIGINT/SIGTERM or an abort signal) before this request was sent or confirmed. */
export function interruptedError(detail = 'the run was stopped before this message was sent'): ConnectorError {
  return new ConnectorError({
    code: 'INTERRUPTED',
    message: `${detail}: run again with the same input (and --state) to send it; its uuid keeps Lark from delivering it twice within an hour`,
    retryable: false,
  });
}

/** The message of anything thrown (a value that is not an Error is stringified). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One line for the user: "CODE: message" for a ConnectorError, the message of anything else. */
export function errorLine(err: unknown): string {
  return err instanceof ConnectorError ? `${err.code}: ${err.message}` : errorMessage(err);
}
