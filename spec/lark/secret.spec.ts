/** The App Secret must never appear in anything the client throws or reports. */
import { inspect } from 'node:util';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LarkClient } from '../../src/lark/client.js';
import { ConnectorError } from '../../src/core/errors.js';
import type { ClientEvent } from '../../src/lark/events.js';
import { retryPolicies } from '../../src/lark/retry.js';
import { LARK_PATHS } from '../../src/core/vocabulary.js';
import { FakeClock } from '../helpers/fake-clock.js';

const BASE = 'https://open.feishu.test';
const SECRET = 'S3cr3t-Do-Not-Leak-9f8e7d';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

/** Every way an error or event could end up in a log or report. */
function renderings(err: unknown): string[] {
  const e = err as ConnectorError;
  return [
    String(e),
    e.message,
    e.stack ?? '',
    JSON.stringify(e),
    JSON.stringify(e.toJSON()),
    inspect(e, { depth: null, showHidden: true }),
    inspect(e.cause, { depth: null, showHidden: true }),
  ];
}

describe('the App Secret never leaks', () => {
  it('through errors, toJSON or onEvent during a bad-secret run', async () => {
    // The token endpoint: wrong secret (its msg even echoes the secret), then wire failures, a timeout and a 5xx.
    nock(BASE).post(LARK_PATHS.token).reply(400, { code: 10014, msg: `app secret ${SECRET} invalid` }, { 'x-tt-logid': 'LSEC' });
    nock(BASE).post(LARK_PATHS.token).reply(400, { code: 10014, msg: 'app secret invalid' });
    nock(BASE)
      .post(LARK_PATHS.token)
      .times(4)
      .replyWithError(Object.assign(new Error(`connect ECONNREFUSED while sending app_secret=${SECRET}`), { code: 'ECONNREFUSED' }));
    nock(BASE).post(LARK_PATHS.token).times(4).reply(502, `<html>upstream failed for ${SECRET}</html>`);
    nock(BASE).post(LARK_PATHS.token).times(4).delay(200).reply(200, { code: 0 });
    nock(BASE).post(LARK_PATHS.token).times(4).reply(500, { code: 5000, msg: `internal error ${SECRET}` });

    const events: ClientEvent[] = [];
    const clock = new FakeClock({ autoAdvance: true });
    const make = (timeoutMs?: number) =>
      new LarkClient({
        appId: 'cli_test',
        appSecret: SECRET,
        baseUrl: BASE,
        timeoutMs,
        retry: retryPolicies.fast,
        clock,
        onEvent: (e) => events.push(e),
      });
    const c = make();
    const errors: unknown[] = [];
    const capture = (p: Promise<unknown>) => p.then(() => expect.unreachable('should fail'), (e: unknown) => errors.push(e));

    await capture(c.getTenantToken()); // 10014 with the secret echoed
    await capture(c.sendMessage({ receiveIdType: 'open_id', receiveId: 'ou_1', msgType: 'text', content: '{"text":"x"}', uuid: 'u' })); // 10014
    await capture(c.batchGetIdByMobiles(['13800000000'])); // ECONNREFUSED x4
    await capture(c.getBotInfo()); // 502 x4
    const slow = make(50);
    await capture(slow.listScopes()); // timeout x4
    await capture(c.listChatMessages({ containerId: 'oc_1' })); // code 5000 x4, msg echoes the secret
    c.close();
    slow.close();

    expect(errors).toHaveLength(6);
    expect(errors.map((e) => (e as ConnectorError).code)).toEqual([
      'APP_SECRET_WRONG',
      'APP_SECRET_WRONG',
      'NETWORK',
      'SERVER_ERROR',
      'TIMEOUT',
      'SERVER_ERROR',
    ]);
    expect(events.some((e) => e.type === 'retry')).toBe(true);
    for (const err of errors) {
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).cause).toBeUndefined();
      for (const text of renderings(err)) expect(text).not.toContain(SECRET);
    }
    for (const e of events) expect(JSON.stringify(e)).not.toContain(SECRET);
    expect(nock.pendingMocks().filter((m) => m.includes(LARK_PATHS.messages))).toEqual([]);
  });
});
