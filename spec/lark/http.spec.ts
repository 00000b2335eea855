import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LarkHttp } from '../../src/lark/http.js';
import { caught } from '../helpers/caught.js';

const BASE = 'https://open.feishu.test';

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());


describe('LarkHttp', () => {
  it('sends JSON with the bearer token and returns body + log id on code 0', async () => {
    const scope = nock(BASE)
      .matchHeader('authorization', 'Bearer t-abc')
      .matchHeader('content-type', /application\/json/)
      .post('/open-apis/im/v1/messages', { receive_id: 'ou_1', msg_type: 'text', content: '{"text":"hi"}', uuid: 'u1' })
      .query({ receive_id_type: 'open_id' })
      .reply(200, { code: 0, msg: 'success', data: { message_id: 'om_1' } }, { 'x-tt-logid': 'LOG1' });
    const h = new LarkHttp({ baseUrl: BASE });
    const res = await h.request<{ data: { message_id: string } }>({
      method: 'POST',
      path: '/open-apis/im/v1/messages',
      query: { receive_id_type: 'open_id' },
      body: { receive_id: 'ou_1', msg_type: 'text', content: '{"text":"hi"}', uuid: 'u1' },
      token: 't-abc',
    });
    expect(res.body.data.message_id).toBe('om_1');
    expect(res.logId).toBe('LOG1');
    expect(res.status).toBe(200);
    scope.done();
    h.close();
  });

  it('reads the body code whatever the HTTP status (400 and 200)', async () => {
    nock(BASE).get('/x').reply(400, { code: 230002, msg: 'Bot is not in the chat' }, { 'x-tt-logid': 'L400' });
    nock(BASE).get('/y').reply(200, { code: 230013, msg: 'no availability' });
    const h = new LarkHttp({ baseUrl: BASE });
    const e1 = await caught(h.request({ method: 'GET', path: '/x' }));
    expect(e1).toMatchObject({ code: 'BOT_NOT_IN_CHAT', larkCode: 230002, httpStatus: 400, logId: 'L400', retryable: false });
    expect(e1.message).toContain('L400');
    const e2 = await caught(h.request({ method: 'GET', path: '/y' }));
    expect(e2).toMatchObject({ code: 'OUTSIDE_VISIBLE_RANGE', httpStatus: 200 });
    h.close();
  });

  it('non-JSON 5xx -> SERVER_ERROR retryable; empty 503 too', async () => {
    nock(BASE).get('/x').reply(502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' });
    nock(BASE).get('/y').reply(503, '');
    const h = new LarkHttp({ baseUrl: BASE });
    expect(await caught(h.request({ method: 'GET', path: '/x' }))).toMatchObject({ code: 'SERVER_ERROR', retryable: true, httpStatus: 502 });
    expect(await caught(h.request({ method: 'GET', path: '/y' }))).toMatchObject({ code: 'SERVER_ERROR', retryable: true, httpStatus: 503 });
    h.close();
  });

  it('non-JSON 404 -> LARK_API_ERROR that points at the base URL', async () => {
    nock(BASE).get('/x').reply(404, 'not found');
    const h = new LarkHttp({ baseUrl: BASE });
    const e = await caught(h.request({ method: 'GET', path: '/x' }));
    expect(e).toMatchObject({ code: 'LARK_API_ERROR', retryable: false, httpStatus: 404 });
    expect(e.message).toMatch(/base URL/);
    h.close();
  });

  it('429 keeps x-ogw-ratelimit-reset as retryAfterMs', async () => {
    nock(BASE).get('/x').reply(429, { code: 99991400, msg: 'too many' }, { 'x-ogw-ratelimit-reset': '2', 'x-ogw-ratelimit-limit': '50' });
    const h = new LarkHttp({ baseUrl: BASE });
    expect(await caught(h.request({ method: 'GET', path: '/x' }))).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 2000 });
    h.close();
  });

  // nock 14 needs Error instances here (a plain object never errors the request).
  const wireErr = (message: string, code?: string): Error => Object.assign(new Error(message), code ? { code } : {});
  it.each([
    ['ECONNREFUSED', wireErr('connect ECONNREFUSED 1.2.3.4:443', 'ECONNREFUSED'), 'NETWORK'],
    ['ECONNRESET', wireErr('socket hang up', 'ECONNRESET'), 'NETWORK'],
    ['bare socket hang up', wireErr('socket hang up'), 'NETWORK'],
    ['ENOTFOUND', wireErr('getaddrinfo ENOTFOUND', 'ENOTFOUND'), 'NETWORK'],
    ['ETIMEDOUT', wireErr('timeout', 'ETIMEDOUT'), 'TIMEOUT'],
  ])('wire error %s -> %s, retryable, without cause or body', async (_name, err, code) => {
    nock(BASE).post('/open-apis/auth/v3/tenant_access_token/internal').replyWithError(err);
    const h = new LarkHttp({ baseUrl: BASE });
    const e = await caught(
      h.request({ method: 'POST', path: '/open-apis/auth/v3/tenant_access_token/internal', body: { app_id: 'cli_x', app_secret: 'TOPSECRET' } }),
    );
    expect(e).toMatchObject({ code, retryable: true });
    expect(e.cause).toBeUndefined();
    expect(e.message).not.toContain('TOPSECRET');
    expect(JSON.stringify(e)).not.toContain('TOPSECRET');
    h.close();
  });

  it('request timeout -> TIMEOUT retryable', async () => {
    nock(BASE).get('/slow').delay(300).reply(200, { code: 0 });
    const h = new LarkHttp({ baseUrl: BASE, timeoutMs: 50 });
    const e = await caught(h.request({ method: 'GET', path: '/slow' }));
    expect(e).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(e.message).toContain('GET /slow');
    h.close();
  });

  it('a 2xx body without code is an error, not a success', async () => {
    nock(BASE).get('/x').reply(200, { hello: 1 });
    const h = new LarkHttp({ baseUrl: BASE });
    expect(await caught(h.request({ method: 'GET', path: '/x' }))).toMatchObject({ code: 'LARK_API_ERROR', retryable: false });
    h.close();
  });

  it('redacts given strings from Lark msg', async () => {
    nock(BASE).post('/t').reply(400, { code: 10014, msg: 'app secret TOPSECRET invalid' });
    const h = new LarkHttp({ baseUrl: BASE });
    const e = await caught(h.request({ method: 'POST', path: '/t', body: {}, redact: ['TOPSECRET'] }));
    expect(e.code).toBe('APP_SECRET_WRONG');
    expect(e.message).not.toContain('TOPSECRET');
    h.close();
  });
});

