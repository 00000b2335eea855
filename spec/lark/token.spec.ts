import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClientEvent } from '../../src/lark/events.js';
import { LarkError } from '../../src/lark/errors.js';
import { LarkHttp } from '../../src/lark/http.js';
import { TokenProvider } from '../../src/lark/token.js';
import { InMemoryTokenStore } from '../../src/stores/memory/token.js';
import { LARK_PATHS } from '../../src/core/vocabulary.js';
import { FakeClock } from '../helpers/fake-clock.js';

const BASE = 'https://open.feishu.test';
const APP = { app_id: 'cli_test', app_secret: 'sec_test' };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function setup(opts: { store?: InMemoryTokenStore; clock?: FakeClock } = {}) {
  const http = new LarkHttp({ baseUrl: BASE });
  const clock = opts.clock ?? new FakeClock();
  const events: ClientEvent[] = [];
  const provider = new TokenProvider({
    http,
    baseUrl: BASE,
    appId: APP.app_id,
    appSecret: APP.app_secret,
    clock,
    store: opts.store,
    onEvent: (e) => events.push(e),
  });
  return { http, clock, provider, events };
}

/** Token endpoint that hands out t-1, t-2, ... and counts requests. */
function tokenEndpoint(expire = 7200) {
  const state = { requests: 0 };
  nock(BASE)
    .post(LARK_PATHS.token, APP)
    .times(1000)
    .reply(() => {
      state.requests++;
      return [200, { code: 0, msg: 'ok', tenant_access_token: `t-${state.requests}`, expire }, { 'x-tt-logid': `LT${state.requests}` }];
    });
  return state;
}

describe('TokenProvider', () => {
  it('100 concurrent cold callers -> exactly 1 token request', async () => {
    const ep = tokenEndpoint();
    const { provider, http, events } = setup();
    const tokens = await Promise.all(Array.from({ length: 100 }, () => provider.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['t-1']));
    expect(ep.requests).toBe(1);
    expect(events).toEqual([{ type: 'token.fetched', reason: 'cold', expiresInMs: 7_200_000, logId: 'LT1' }]);
    http.close();
  });

  it('posts exactly {app_id, app_secret} to the internal token endpoint', async () => {
    const scope = nock(BASE)
      .post(LARK_PATHS.token, (body) => JSON.stringify(body) === JSON.stringify(APP))
      .matchHeader('authorization', (v) => v === undefined)
      .reply(200, { code: 0, tenant_access_token: 't-x', expire: 7200 });
    const { provider, http } = setup();
    expect(await provider.getToken()).toBe('t-x');
    scope.done();
    http.close();
  });

  it('reuses the token until 5 minutes before expiry (injected clock)', async () => {
    const ep = tokenEndpoint(7200);
    const { provider, clock, http, events } = setup();
    expect(await provider.getToken()).toBe('t-1');
    await clock.advance(7200_000 - 300_000 - 1);
    expect(await provider.getToken()).toBe('t-1');
    expect(ep.requests).toBe(1);
    await clock.advance(1);
    expect(await provider.getToken()).toBe('t-2');
    expect(ep.requests).toBe(2);
    expect(events.map((e) => e.type === 'token.fetched' && e.reason)).toEqual(['cold', 'expiring']);
    http.close();
  });

  it('reuses a short-lived token for half its life instead of refetching on every call', async () => {
    const ep = tokenEndpoint(120);
    const { provider, clock, http } = setup();
    expect(await provider.getToken()).toBe('t-1');
    await clock.advance(60_000 - 1);
    expect(await provider.getToken()).toBe('t-1');
    expect(ep.requests).toBe(1);
    await clock.advance(1);
    expect(await provider.getToken()).toBe('t-2');
    expect(ep.requests).toBe(2);
    http.close();
  });

  it('invalidate(token) drops only the cached token: 50 concurrent failures -> 1 refresh', async () => {
    const ep = tokenEndpoint();
    const { provider, http, events } = setup();
    const old = await provider.getToken();
    const fresh = await Promise.all(
      Array.from({ length: 50 }, async () => {
        await provider.invalidate(old);
        return provider.getToken();
      }),
    );
    expect(new Set(fresh)).toEqual(new Set(['t-2']));
    expect(ep.requests).toBe(2);
    // A late failure of the old token must not drop the new one.
    await provider.invalidate(old);
    expect(await provider.getToken()).toBe('t-2');
    expect(ep.requests).toBe(2);
    expect(events.map((e) => e.type === 'token.fetched' && e.reason)).toEqual(['cold', 'invalidated']);
    http.close();
  });

  it.each([
    [10003, 'APP_ID_WRONG', /App ID is wrong/],
    [10014, 'APP_SECRET_WRONG', /App Secret is wrong/],
    [99991543, 'APP_ID_WRONG', /credentials are wrong/],
  ])('code %i -> %s, not retryable', async (larkCode, code, advice) => {
    nock(BASE).post(LARK_PATHS.token).reply(400, { code: larkCode, msg: 'invalid' }, { 'x-tt-logid': 'LBAD' });
    const { provider, http } = setup();
    const err = await provider.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LarkError);
    expect(err).toMatchObject({ code, retryable: false, larkCode, logId: 'LBAD' });
    expect((err as LarkError).message).toMatch(advice);
    http.close();
  });

  it('a failed fetch is not cached: the next call fetches again', async () => {
    nock(BASE).post(LARK_PATHS.token).reply(503, 'down');
    const { provider, http } = setup();
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    tokenEndpoint();
    expect(await provider.getToken()).toBe('t-1');
    http.close();
  });

  it('code 0 without a token is an error', async () => {
    nock(BASE).post(LARK_PATHS.token).reply(200, { code: 0, msg: 'ok' });
    const { provider, http } = setup();
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'LARK_API_ERROR' });
    http.close();
  });

  it('a shared store (key = baseUrl + appId) lets two providers share one token', async () => {
    const ep = tokenEndpoint();
    const store = new InMemoryTokenStore();
    const clock = new FakeClock();
    const a = setup({ store, clock });
    const b = setup({ store, clock });
    expect(a.provider.key).toBe(`${BASE}|cli_test`);
    expect(await a.provider.getToken()).toBe('t-1');
    expect(await b.provider.getToken()).toBe('t-1');
    expect(ep.requests).toBe(1);
    a.http.close();
    b.http.close();
  });
});

describe('InMemoryTokenStore', () => {
  it('delete(key, token) only deletes that token', () => {
    const s = new InMemoryTokenStore();
    s.set('k', { token: 'new', expiresAt: 1 });
    s.delete('k', 'old');
    expect(s.get('k')?.token).toBe('new');
    s.delete('k', 'new');
    expect(s.get('k')).toBeUndefined();
  });
});
