import { describe, expect, it } from 'vitest';
import { ConnectorError, ValidationError, isAppLevel, isRetryable, stopsOf, type ErrorCode } from '../../src/core/errors.js';
import { LARK_CODE_TABLE, LarkError, classifyLarkCode, larkErrorFromResponse, retryAfterFromHeaders } from '../../src/lark/errors.js';

/** Every code in the table, pinned: [ErrorCode, retryable]. Changing a class must change this list. */
const PINNED: Record<number, [ErrorCode, boolean]> = {
  10003: ['APP_ID_WRONG', false],
  99991543: ['APP_ID_WRONG', false],
  10014: ['APP_SECRET_WRONG', false],
  99991662: ['APP_UNAVAILABLE', false],
  99991673: ['APP_UNAVAILABLE', false],
  230006: ['APP_UNAVAILABLE', false],
  99991672: ['PERMISSION_DENIED', false],
  99991676: ['PERMISSION_DENIED', false],
  99991679: ['PERMISSION_DENIED', false],
  230027: ['PERMISSION_DENIED', false],
  99991661: ['TOKEN_INVALID', false],
  99991663: ['TOKEN_INVALID', false],
  99991664: ['TOKEN_INVALID', false],
  99991665: ['TOKEN_INVALID', false],
  99991668: ['TOKEN_INVALID', false],
  99991671: ['TOKEN_INVALID', false],
  99991677: ['TOKEN_INVALID', false],
  99991400: ['RATE_LIMITED', true],
  230020: ['RATE_LIMITED', true],
  99991403: ['QUOTA_EXCEEDED', false],
  99992351: ['RECEIVER_NOT_FOUND', false],
  99992361: ['RECEIVER_NOT_FOUND', false],
  230013: ['OUTSIDE_VISIBLE_RANGE', false],
  230002: ['BOT_NOT_IN_CHAT', false],
  230001: ['MESSAGE_INVALID', false],
  230025: ['CONTENT_TOO_LARGE', false],
  234006: ['MEDIA_INVALID', false],
  234010: ['MEDIA_INVALID', false],
  234011: ['MEDIA_INVALID', false],
  234039: ['MEDIA_INVALID', false],
  230028: ['LARK_API_ERROR', false],
  230035: ['LARK_API_ERROR', false],
  232009: ['LARK_API_ERROR', false],
  99991401: ['LARK_API_ERROR', false],
  1500: ['SERVER_ERROR', true],
  2200: ['SERVER_ERROR', true],
  5000: ['SERVER_ERROR', true],
};

describe('classifyLarkCode: the code table', () => {
  it('has exactly the pinned codes', () => {
    expect(Object.keys(LARK_CODE_TABLE).map(Number).sort()).toEqual(Object.keys(PINNED).map(Number).sort());
  });

  for (const [larkCode, [code, retryable]] of Object.entries(PINNED)) {
    it(`${larkCode} -> ${code} (retryable ${retryable}), with advice`, () => {
      const c = classifyLarkCode(Number(larkCode), 400);
      expect(c.code).toBe(code);
      expect(c.retryable).toBe(retryable);
      expect(c.advice.length).toBeGreaterThan(20);
      expect(c.advice).not.toContain('{scope}');
    });
  }

  it('advice tells the user what to change', () => {
    expect(classifyLarkCode(230013).advice).toBe(
      "the user is outside the app's visible range: add them in the app's version availability and publish a new version",
    );
    expect(classifyLarkCode(230002).advice).toMatch(/add the bot to the group/);
    expect(classifyLarkCode(230006).advice).toMatch(/enable the bot capability of the app/);
    expect(classifyLarkCode(10003).advice).toMatch(/^App ID is wrong/);
    expect(classifyLarkCode(10014).advice).toMatch(/^App Secret is wrong/);
  });

  it('scope codes name the scope', () => {
    for (const code of [99991672, 99991676, 99991679]) {
      expect(classifyLarkCode(code, 400, { scope: 'im:message:send_as_bot' }).advice).toContain('scope im:message:send_as_bot');
    }
  });

  it('falls back on the HTTP status for unknown or missing codes', () => {
    expect(classifyLarkCode(undefined, 502)).toMatchObject({ code: 'SERVER_ERROR', retryable: true });
    expect(classifyLarkCode(123456, 503)).toMatchObject({ code: 'SERVER_ERROR', retryable: true });
    expect(classifyLarkCode(undefined, 429)).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(classifyLarkCode(99991403, 429)).toMatchObject({ code: 'QUOTA_EXCEEDED', retryable: false });
    expect(classifyLarkCode(99991400, 429)).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(classifyLarkCode(123456, 400)).toMatchObject({ code: 'LARK_API_ERROR', retryable: false });
    expect(classifyLarkCode(123456, 200)).toMatchObject({ code: 'LARK_API_ERROR', retryable: false });
  });
});

describe('larkErrorFromResponse', () => {
  it('message carries Lark msg, code, advice and log id', () => {
    const e = larkErrorFromResponse({ larkCode: 230002, msg: 'Bot is not in the chat', httpStatus: 400, headers: { 'x-tt-logid': 'LOG123' } });
    expect(e).toBeInstanceOf(LarkError);
    expect(e).toBeInstanceOf(ConnectorError);
    expect(e.code).toBe('BOT_NOT_IN_CHAT');
    expect(e.logId).toBe('LOG123');
    expect(e.larkCode).toBe(230002);
    expect(e.httpStatus).toBe(400);
    expect(e.message).toContain('Bot is not in the chat');
    expect(e.message).toContain('230002');
    expect(e.message).toContain('add the bot to the group');
    expect(e.message).toContain('LOG123');
    expect(e.toJSON()).toEqual({ code: 'BOT_NOT_IN_CHAT', message: e.message, larkCode: 230002, logId: 'LOG123', retryable: false });
  });

  it('no body code on a 5xx -> SERVER_ERROR retryable', () => {
    const e = larkErrorFromResponse({ httpStatus: 502, headers: {} });
    expect(e).toMatchObject({ code: 'SERVER_ERROR', retryable: true, httpStatus: 502 });
    expect(e.larkCode).toBeUndefined();
    expect(e.message).toContain('HTTP 502');
  });

  it('429: x-ogw-ratelimit-reset wins over Retry-After', () => {
    const e = larkErrorFromResponse({ larkCode: 99991400, httpStatus: 429, headers: { 'x-ogw-ratelimit-reset': '3', 'retry-after': '10' } });
    expect(e).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 3000 });
  });

  it('429 with 99991403 is QUOTA_EXCEEDED and not retried', () => {
    const e = larkErrorFromResponse({ larkCode: 99991403, httpStatus: 429, headers: { 'x-ogw-ratelimit-reset': '3' } });
    expect(e).toMatchObject({ code: 'QUOTA_EXCEEDED', retryable: false });
    expect(isRetryable(e)).toBe(false);
  });

  it('scope named in Lark msg is used in the advice, else the API scope hint', () => {
    const fromMsg = larkErrorFromResponse({
      larkCode: 99991672,
      msg: 'Access denied. One of the following scopes is required: [contact:user.id:readonly].',
      httpStatus: 400,
      headers: {},
      scope: 'other:scope',
    });
    expect(fromMsg.message).toContain('scope contact:user.id:readonly');
    const fromHint = larkErrorFromResponse({ larkCode: 99991679, msg: 'denied', httpStatus: 400, headers: {}, scope: 'im:message:send_as_bot' });
    expect(fromHint.message).toContain('scope im:message:send_as_bot');
    expect(fromHint.code).toBe('PERMISSION_DENIED');
  });

  it('230001 about an id is a receiver problem', () => {
    expect(larkErrorFromResponse({ larkCode: 230001, msg: 'invalid receive_id', httpStatus: 400, headers: {} }).code).toBe('RECEIVER_NOT_FOUND');
    expect(larkErrorFromResponse({ larkCode: 230001, msg: 'invalid message content', httpStatus: 400, headers: {} }).code).toBe('MESSAGE_INVALID');
  });

  it('non-retryable errors carry no retryAfterMs', () => {
    expect(larkErrorFromResponse({ larkCode: 230013, httpStatus: 400, headers: { 'retry-after': '5' } }).retryAfterMs).toBeUndefined();
  });
});

describe('retryAfterFromHeaders', () => {
  const now = Date.UTC(2025, 0, 1, 0, 0, 0);
  it('reads seconds from x-ogw-ratelimit-reset', () => {
    expect(retryAfterFromHeaders({ 'x-ogw-ratelimit-reset': '2' }, now)).toBe(2000);
    expect(retryAfterFromHeaders({ 'x-ogw-ratelimit-reset': 0.5 }, now)).toBe(500);
  });
  it('falls back to Retry-After seconds or HTTP date', () => {
    expect(retryAfterFromHeaders({ 'retry-after': '7' }, now)).toBe(7000);
    expect(retryAfterFromHeaders({ 'retry-after': new Date(now + 4000).toUTCString() }, now)).toBe(4000);
    expect(retryAfterFromHeaders({ 'x-ogw-ratelimit-reset': 'junk', 'retry-after': '1' }, now)).toBe(1000);
  });
  it('undefined when absent or unparsable', () => {
    expect(retryAfterFromHeaders({}, now)).toBeUndefined();
    expect(retryAfterFromHeaders({ 'retry-after': 'soon' }, now)).toBeUndefined();
  });
});

describe('error classes', () => {
  it('ValidationError is never retryable and names its field', () => {
    const e = new ValidationError({ code: 'MESSAGE_INVALID', message: 'content.text is required', field: 'content.text' });
    expect(e.retryable).toBe(false);
    expect(e.name).toBe('ValidationError');
    expect(e.toJSON()).toEqual({ code: 'MESSAGE_INVALID', message: 'content.text is required', retryable: false, field: 'content.text' });
  });
  it('isRetryable only trusts ConnectorError', () => {
    expect(isRetryable(new LarkError({ code: 'NETWORK', message: 'x', retryable: true }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { retryable: true }))).toBe(false);
    expect(isRetryable('nope')).toBe(false);
  });
});

describe('what an error stops: isAppLevel, the one test for "stop the run"', () => {
  const err = (code: ErrorCode, extra: Partial<ConstructorParameters<typeof ConnectorError>[0]> = {}) => new ConnectorError({ code, message: 'x', ...extra });

  it('app-level: credentials, app state, a refused fresh token, quota, a dead endpoint, a lost shared store', () => {
    const app: ErrorCode[] = ['CONFIG_INVALID', 'APP_ID_WRONG', 'APP_SECRET_WRONG', 'APP_UNAVAILABLE', 'TOKEN_INVALID', 'QUOTA_EXCEEDED', 'ENDPOINT_UNREACHABLE', 'STORE_UNAVAILABLE'];
    for (const code of app) expect(isAppLevel(err(code)), code).toBe(true);
    for (const code of ['RECEIVER_NOT_FOUND', 'OUTSIDE_VISIBLE_RANGE', 'BOT_NOT_IN_CHAT', 'CONTENT_TOO_LARGE', 'MESSAGE_INVALID', 'INPUT_INVALID', 'FIELD_MISSING', 'LARK_API_ERROR', 'INTERRUPTED'] as ErrorCode[]) {
      expect(stopsOf(err(code)), code).toBe('message');
    }
    for (const code of ['RATE_LIMITED', 'NETWORK', 'TIMEOUT', 'SERVER_ERROR'] as ErrorCode[]) expect(stopsOf(err(code)), code).toBe('request');
    expect(isAppLevel(new Error('bug'))).toBe(false);
    expect(isAppLevel(undefined)).toBe(false);
  });

  it('a missing scope (99991672/6/9) stops the app on the send API, only the message on a lookup; 230027 only the message', () => {
    for (const larkCode of [99991672, 99991676, 99991679]) {
      const onSend = larkErrorFromResponse({ larkCode, httpStatus: 400, headers: {} });
      expect(onSend.code).toBe('PERMISSION_DENIED');
      expect(isAppLevel(onSend)).toBe(true);
      expect(isAppLevel(larkErrorFromResponse({ larkCode, httpStatus: 400, headers: {}, permissionStops: 'message' }))).toBe(false);
    }
    expect(isAppLevel(larkErrorFromResponse({ larkCode: 230027, httpStatus: 400, headers: {} }))).toBe(false);
  });
});
