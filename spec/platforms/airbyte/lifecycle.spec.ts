/**
 * The Airbyte destination and a record's life: in a deduped sync the stream's primary key is the message key
 * (a record for a key already sent edits its message), and a record with _ab_cdc_deleted_at recalls it.
 * In process, the real connector against the emulator.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { LarkImConnector } from '../../../src/connector.js';
import type { LarkEmulator } from '../../../src/emulator/index.js';
import { retryPolicies } from '../../../src/lark/retry.js';
import { AirbyteDestination } from '../../../src/platforms/airbyte/destination.js';
import { ProtocolOutput } from '../../../src/platforms/airbyte/output.js';
import { streamKey } from '../../../src/platforms/airbyte/protocol.js';
import { ALICE, APP, startEmulator } from '../../integration/helpers.js';

let emulator: LarkEmulator;
afterEach(async () => {
  await emulator?.close();
});

const record = (data: Record<string, unknown>) => JSON.stringify({ type: 'RECORD', record: { stream: 'orders', data, emitted_at: 0 } });
const state = (n: number) => JSON.stringify({ type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: 'orders' }, stream_state: { n } } } });

async function sync(lines: string[], messageKeys?: Map<string, string[]>) {
  const config = parseConfig(
    {
      connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl },
      node: { sendType: 'fixed', receivers: [ALICE.openId], template: { contentType: 'text', content: { text: '{{id}}: {{status}}' } }, updateEvents: 'edit', deleteEvents: 'recall' },
    },
    {},
    { platformKeys: true },
  );
  const connector = new LarkImConnector(config, { retry: retryPolicies.fast });
  const stdout = new PassThrough();
  const out: string[] = [];
  stdout.on('data', (d: Buffer) => out.push(d.toString()));
  async function* input(): AsyncGenerator<string> {
    yield* lines;
  }
  try {
    const result = await new AirbyteDestination({ connector, out: new ProtocolOutput(stdout), lines: input(), ...(messageKeys ? { messageKeys } : {}) }).run();
    return { result, out: out.join('') };
  } finally {
    connector.close();
  }
}

describe('Airbyte destination: a deduped stream follows its records', () => {
  it('edits the message of a primary key sent in an earlier segment, and recalls it on _ab_cdc_deleted_at', async () => {
    emulator = await startEmulator({ dedupWindowSeconds: 0 });
    const keys = new Map([[streamKey({ name: 'orders' }), ['id']]]);
    const { result } = await sync(
      [
        record({ id: 1, status: 'paid' }),
        record({ id: 2, status: 'paid' }),
        state(1),
        record({ id: 1, status: 'shipped' }),
        record({ id: 2, status: 'paid', _ab_cdc_deleted_at: '2025-01-01T00:00:00Z' }),
        state(2),
      ],
      keys,
    );
    expect(result).toMatchObject({ records: 4, delivered: 4, failed: 0, statesEchoed: 2 });
    const [one, two] = emulator.messages();
    expect(emulator.messages()).toHaveLength(2);
    expect(one).toMatchObject({ content: JSON.stringify({ text: '1: shipped' }), edits: 1 });
    expect(two).toMatchObject({ recalled: true });
  });

  it('without a primary key (append) every record is a new message and a delete is skipped, saying why', async () => {
    emulator = await startEmulator({ dedupWindowSeconds: 0 });
    const { result, out } = await sync([record({ id: 1, status: 'a' }), record({ id: 1, status: 'b' }), record({ id: 1, _ab_cdc_deleted_at: 'x' }), state(1)]);
    expect(result).toMatchObject({ delivered: 2, skipped: 1 });
    expect(emulator.messages()).toHaveLength(2);
    expect(out).toContain('the stream has no message key');
  });
});
