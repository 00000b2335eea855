/**
 * The one table that classifies Lark codes onto the error vocabulary (src/core/errors.ts), and the
 * LarkError built from a Lark answer.
 */
import { ConnectorError, type ErrorCode, type ErrorStops } from '../core/errors.js';

/** Came from Lark (or the wire on the way to Lark). */
export class LarkError extends ConnectorError {}

export interface LarkCodeClass {
  code: ErrorCode;
  retryable: boolean;
  advice: string;
  /** Set where a Lark code stops more (or less) than its ErrorCode does by default. */
  stops?: ErrorStops;
}

/** "{scope}" in advice is replaced by the scope the failing API needs (see classifyLarkCode). */
const SCOPE = '{scope}';
const TOKEN_REJECTED =
  'the tenant access token was rejected even after fetching a new one: check the App Secret was not reset and the app version is published';
const RETRIED_INTERNAL = 'Lark reported an internal error: the request is retried automatically; if it persists, give Lark support the log id';

/**
 * The one table: Lark code -> class. Follows lark-open-api.md "Retry or not".
 * A spec pins every entry; add new codes here (and to that spec), nowhere else.
 */
export const LARK_CODE_TABLE: Readonly<Record<number, LarkCodeClass>> = Object.freeze({
  // Credentials (token endpoint and newer gateways)
  10003: { code: 'APP_ID_WRONG', retryable: false, advice: 'App ID is wrong: copy the App ID (cli_...) from the developer console (Credentials & Basic Info) and check the domain (Feishu or Lark)' },
  99991543: { code: 'APP_ID_WRONG', retryable: false, advice: 'the app credentials are wrong: check the App ID and App Secret in the connection settings and that the domain (Feishu or Lark) matches the app' },
  10014: { code: 'APP_SECRET_WRONG', retryable: false, advice: 'App Secret is wrong: copy it again from the developer console (Credentials & Basic Info); it changes when it is reset' },
  // App state
  99991662: { code: 'APP_UNAVAILABLE', retryable: false, advice: 'the app is disabled in this tenant: ask the tenant admin to enable it in the admin console' },
  99991673: { code: 'APP_UNAVAILABLE', retryable: false, advice: 'the app is unavailable: publish a version of the app, get it approved and make sure the tenant admin has not disabled it' },
  230006: { code: 'APP_UNAVAILABLE', retryable: false, advice: 'enable the bot capability of the app (developer console > Features > Bot) and publish a new version' },
  // Scopes and permissions
  99991672: { code: 'PERMISSION_DENIED', retryable: false, stops: 'app', advice: `the app has not applied for scope ${SCOPE}: add it in the developer console (Permissions & Scopes) and publish a new version` },
  99991676: { code: 'PERMISSION_DENIED', retryable: false, stops: 'app', advice: `the token lacks scope ${SCOPE}: add it in the developer console (Permissions & Scopes), publish a new version and have it approved` },
  99991679: { code: 'PERMISSION_DENIED', retryable: false, stops: 'app', advice: `scope ${SCOPE} is missing: add it in the developer console (Permissions & Scopes) and publish a new version` },
  230027: { code: 'PERMISSION_DENIED', retryable: false, advice: 'the app lacks a permission this message needs: check the app scopes and that the receiver may receive messages from this bot' },
  // Tokens: the client refreshes once by itself; seeing one of these means the refresh did not help.
  99991661: { code: 'TOKEN_INVALID', retryable: false, advice: TOKEN_REJECTED },
  99991663: { code: 'TOKEN_INVALID', retryable: false, advice: TOKEN_REJECTED },
  99991664: { code: 'TOKEN_INVALID', retryable: false, advice: TOKEN_REJECTED },
  99991665: { code: 'TOKEN_INVALID', retryable: false, advice: TOKEN_REJECTED },
  99991668: { code: 'TOKEN_INVALID', retryable: false, advice: TOKEN_REJECTED },
  99991671: { code: 'TOKEN_INVALID', retryable: false, advice: TOKEN_REJECTED },
  99991677: { code: 'TOKEN_INVALID', retryable: false, advice: TOKEN_REJECTED },
  // Rate limits and quota
  99991400: { code: 'RATE_LIMITED', retryable: true, advice: 'Lark rate limit hit: the request is retried after the wait Lark asks for; lower maxInFlight if this keeps happening' },
  230020: { code: 'RATE_LIMITED', retryable: true, advice: 'messages sent to this chat too fast: the request is retried after a pause' },
  99991403: { code: 'QUOTA_EXCEEDED', retryable: false, advice: "the tenant's API quota is used up: wait for it to reset or ask the tenant admin to raise it" },
  // Receivers
  99992351: { code: 'RECEIVER_NOT_FOUND', retryable: false, advice: 'the receive id does not exist: check receiveId and receiveType (open_ids belong to one app; use the open_id this app sees)' },
  99992361: { code: 'RECEIVER_NOT_FOUND', retryable: false, advice: "the receive id is not valid for this app (for example an open_id of another app): use the id this app sees" },
  230013: { code: 'OUTSIDE_VISIBLE_RANGE', retryable: false, advice: "the user is outside the app's visible range: add them in the app's version availability and publish a new version" },
  230002: { code: 'BOT_NOT_IN_CHAT', retryable: false, advice: 'add the bot to the group (group settings > Bots), or check the chat_id' },
  // Message
  230001: { code: 'MESSAGE_INVALID', retryable: false, advice: 'Lark rejected a request parameter: check that receiveId matches receiveType and that content is valid JSON of the shape contentType needs' },
  // Uploads (im/v1/images, im/v1/files): the connector checks these before uploading; Lark is the last judge.
  234006: { code: 'MEDIA_INVALID', retryable: false, advice: 'the image or file is over Lark\'s limit (images 10 MB, files 30 MB): use a smaller one' },
  234010: { code: 'MEDIA_INVALID', retryable: false, advice: 'the image or file is empty: check the source' },
  234011: { code: 'MEDIA_INVALID', retryable: false, advice: 'Lark does not take this image format: use JPEG, PNG, WEBP, GIF, TIFF, BMP or ICO' },
  234039: { code: 'MEDIA_INVALID', retryable: false, advice: 'the image resolution is over Lark\'s limit (GIF 2000x2000, others 12000x12000): scale it down' },
  230025: { code: 'CONTENT_TOO_LARGE', retryable: false, advice: 'the message is too large (text <= 150 KB, post and interactive <= 30 KB): shorten the content' },
  230028: { code: 'LARK_API_ERROR', retryable: false, advice: "the message was blocked by the tenant's data loss prevention (DLP) policy: change the content or ask the tenant admin" },
  230035: { code: 'LARK_API_ERROR', retryable: false, advice: 'Lark refused to deliver this message: see Lark\'s message above; retrying will not help' },
  232009: { code: 'LARK_API_ERROR', retryable: false, advice: 'Lark refused the operation on this chat: see Lark\'s message above; retrying will not help' },
  99991401: { code: 'LARK_API_ERROR', retryable: false, advice: "Lark denied the request (for example the app's IP allowlist): check the app's security settings; retrying will not help" },
  // Internal errors on Lark's side
  1500: { code: 'SERVER_ERROR', retryable: true, advice: RETRIED_INTERNAL },
  2200: { code: 'SERVER_ERROR', retryable: true, advice: RETRIED_INTERNAL },
  5000: { code: 'SERVER_ERROR', retryable: true, advice: RETRIED_INTERNAL },
});

const NOT_EDITABLE = 'the new content is sent as a new message that takes over the record\'s key';
/**
 * Codes of PUT / PATCH / DELETE im/v1/messages/:message_id, which mean other things on other endpoints (on
 * reply, 230071/230072/230075 are thread, aggregate and encryption refusals): looked up before the main table,
 * only for these calls (LarkRequest.codes).
 */
export const MESSAGE_CHANGE_CODES: Readonly<Record<number, LarkCodeClass>> = Object.freeze({
  230071: { code: 'MESSAGE_NOT_EDITABLE', retryable: false, advice: `the message was not sent by this app: ${NOT_EDITABLE}` },
  230072: { code: 'MESSAGE_NOT_EDITABLE', retryable: false, advice: `the message was edited 20 times, Lark's limit: ${NOT_EDITABLE}` },
  230073: { code: 'MESSAGE_NOT_EDITABLE', retryable: false, advice: `messages in a secret chat cannot be edited: ${NOT_EDITABLE}` },
  230074: { code: 'MESSAGE_NOT_EDITABLE', retryable: false, advice: `messages in an encrypted chat cannot be edited: ${NOT_EDITABLE}` },
  230075: { code: 'MESSAGE_NOT_EDITABLE', retryable: false, advice: `the message is past the edit window the tenant admin set: ${NOT_EDITABLE}` },
  230031: { code: 'MESSAGE_NOT_EDITABLE', retryable: false, advice: `the card was sent more than 14 days ago and cannot be updated: ${NOT_EDITABLE}` },
  230110: { code: 'MESSAGE_NOT_EDITABLE', retryable: false, advice: 'the message was deleted or recalled' },
  230009: { code: 'RECALL_REFUSED', retryable: false, advice: "the message is past the tenant's recall window (24 hours unless the admin changed it): it stays in the chat" },
  230026: { code: 'RECALL_REFUSED', retryable: false, advice: 'Lark does not allow this message to be recalled: it stays in the chat' },
});

/** Lark's invalid/expired token codes: the client drops the token and starts the attempt over with a fresh one. */
export const INVALID_TOKEN_CODES: ReadonlySet<number> = new Set(
  Object.entries(LARK_CODE_TABLE)
    .filter(([, c]) => c.code === 'TOKEN_INVALID')
    .map(([larkCode]) => Number(larkCode)),
);

/**
 * Lark code (undefined when the body had none) + HTTP status -> class.
 * ctx.scope names the scope the called API needs, used in the scope advice.
 */
export function classifyLarkCode(
  larkCode: number | undefined,
  httpStatus?: number,
  ctx: { scope?: string; codes?: Readonly<Record<number, LarkCodeClass>> } = {},
): LarkCodeClass {
  const known = larkCode === undefined ? undefined : (ctx.codes?.[larkCode] ?? LARK_CODE_TABLE[larkCode]);
  if (known) return { ...known, advice: known.advice.replace(SCOPE, ctx.scope ?? 'the scope this API needs') };
  if (httpStatus === 429) {
    return { code: 'RATE_LIMITED', retryable: true, advice: 'Lark answered HTTP 429 (too many requests): the request is retried after the wait Lark asks for' };
  }
  if (httpStatus !== undefined && httpStatus >= 500) {
    return { code: 'SERVER_ERROR', retryable: true, advice: `Lark answered HTTP ${httpStatus}: the request is retried automatically` };
  }
  return { code: 'LARK_API_ERROR', retryable: false, advice: "see Lark's message; retrying will not help" };
}

/** 230001 with an id problem in Lark's msg is about the receiver, not the content. */
const RECEIVER_ID_HINT = /receive_id|open_id|union_id|user_id|chat_id|email/i;
/** Lark's scope errors usually list the scopes in brackets: "...required: [im:message, im:message:send_as_bot]". */
const SCOPES_IN_MSG = /\[([a-z0-9_.:,\s-]+)\]/i;

export interface LarkErrorArgs {
  /** undefined when the body had no numeric code (e.g. a bare 502). */
  larkCode?: number;
  msg?: string;
  httpStatus: number;
  headers: Record<string, unknown>;
  /** Scope the called API needs, for the advice of 99991672/6/9. */
  scope?: string;
  /** Base for a Retry-After HTTP date; defaults to Date.now(). */
  now?: number;
  /** What a missing scope stops on this API (default: the table's; a lookup's scope only stops its message). */
  permissionStops?: ErrorStops;
  /** This endpoint's own codes, looked up before the main table (MESSAGE_CHANGE_CODES). */
  codes?: Readonly<Record<number, LarkCodeClass>>;
}

/** Builds a LarkError: message = Lark msg + codes + advice + log id. */
export function larkErrorFromResponse(args: LarkErrorArgs): LarkError {
  const scope = scopeFromMsg(args.msg) ?? args.scope;
  const cls = classifyLarkCode(args.larkCode, args.httpStatus, { ...(scope === undefined ? {} : { scope }), ...(args.codes ? { codes: args.codes } : {}) });
  const code = refineCode(cls.code, args.msg);
  const logId = headerString(args.headers, 'x-tt-logid');
  const retryAfterMs = cls.retryable ? retryAfterFromHeaders(args.headers, args.now ?? Date.now()) : undefined;
  const what = args.larkCode === undefined ? `HTTP ${args.httpStatus}` : `Lark code ${args.larkCode}, HTTP ${args.httpStatus}`;
  const msg = args.msg ? `${args.msg} ` : '';
  const message = `${msg}(${what}): ${cls.advice}${logId ? ` [log id: ${logId}]` : ''}`;
  const stops = code === 'PERMISSION_DENIED' && args.permissionStops ? args.permissionStops : cls.stops;
  return new LarkError({
    code,
    message,
    retryable: cls.retryable,
    larkCode: args.larkCode,
    httpStatus: args.httpStatus,
    logId,
    retryAfterMs,
    advice: cls.advice,
    ...(stops ? { stops } : {}),
  });
}

function refineCode(code: ErrorCode, msg: string | undefined): ErrorCode {
  return code === 'MESSAGE_INVALID' && msg !== undefined && RECEIVER_ID_HINT.test(msg) ? 'RECEIVER_NOT_FOUND' : code;
}

function scopeFromMsg(msg: string | undefined): string | undefined {
  const m = msg === undefined ? null : SCOPES_IN_MSG.exec(msg);
  return m?.[1]?.includes(':') ? m[1].trim() : undefined;
}

/** Header value as a string (headers are expected lower-cased, as Node gives them). */
export function headerString(headers: Record<string, unknown>, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

/** x-ogw-ratelimit-reset (seconds) first, then Retry-After (seconds or HTTP date). */
export function retryAfterFromHeaders(headers: Record<string, unknown>, now: number): number | undefined {
  const resetRaw = headerString(headers, 'x-ogw-ratelimit-reset');
  const reset = resetRaw === undefined ? Number.NaN : Number(resetRaw);
  if (Number.isFinite(reset) && reset >= 0) return Math.ceil(reset * 1000);
  const ra = headerString(headers, 'retry-after');
  if (ra === undefined) return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs) && secs >= 0) return Math.ceil(secs * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

