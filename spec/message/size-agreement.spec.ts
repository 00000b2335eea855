/**
 * The local size check and Lark (the emulator) measure the same thing, the send request's body: at the
 * limit the connector sends and the emulator delivers; one byte over, the connector refuses it before
 * sending and the emulator, sent the very same body, answers 230025.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { REQUEST_BODY_LIMITS } from '../../src/message/size.js';
import { connectorFor, records, run, startEmulator, APP } from '../integration/helpers.js';
import { bodyOfRequestBytes } from './size-helpers.js';

let emulator: LarkEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ limits: false });
});
afterAll(async () => {
  await emulator.close();
});

async function rawSend(body: Record<string, unknown>): Promise<number> {
  const tokenRes = await fetch(`${emulator.baseUrl}/open-apis/auth/v3/tenant_access_token/internal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app_id: APP.appId, app_secret: APP.appSecret }),
  });
  const token = ((await tokenRes.json()) as { tenant_access_token: string }).tenant_access_token;
  const res = await fetch(`${emulator.baseUrl}/open-apis/im/v1/messages?receive_id_type=open_id`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return ((await res.json()) as { code: number }).code;
}

describe('size limits agree with Lark (the emulator)', () => {
  for (const type of ['text', 'post', 'interactive'] as const) {
    const limit = REQUEST_BODY_LIMITS[type] as number;
    it(`${type}: a ${limit}-byte body is delivered; ${limit + 1} bytes are refused on both sides`, async () => {
      const uuid = `size-${type}-${Date.now()}`;
      const connector = connectorFor(emulator);
      try {
        const at = bodyOfRequestBytes(type, limit, { uuid });
        const sent = await run(connector, records([at]));
        expect(sent.outcomes[0]?.status).toBe('delivered');

        const over = bodyOfRequestBytes(type, limit + 1, { uuid: `${uuid}-over` });
        const refused = await run(connector, records([over]), true);
        expect(refused.outcomes[0]?.status === 'failed' && refused.outcomes[0].error.code).toBe('CONTENT_TOO_LARGE');
        const wire = { receive_id: over.receiveId, msg_type: over.contentType, content: over.content, uuid: over.uuid };
        expect(Buffer.byteLength(JSON.stringify(wire))).toBe(limit + 1);
        expect(await rawSend(wire)).toBe(230025);
      } finally {
        connector.close();
      }
    });
  }
});
