/**
 * `lark-im airbyte spec | check | discover` as the platform calls them: the built CLI in a child process,
 * every stdout line parsed as a protocol message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../../src/emulator/index.js';
import { connectionConfigSchema, nodeConfigSchema } from '../../../src/config.js';
import { storeConfigSchema } from '../../../src/stores/config.js';
import { APP, startEmulator } from '../../integration/helpers.js';
import { runCli } from '../../cli/cli-helpers.js';
import { Workdir, runAirbyte } from './platform.js';

let emulator: LarkEmulator;
let work: Workdir;
beforeAll(async () => {
  emulator = await startEmulator();
  work = await Workdir.create();
});
afterAll(async () => {
  await emulator.close();
  await work.remove();
});

const config = (appSecret = APP.appSecret) => ({ connection: { appId: APP.appId, appSecret, domain: emulator.baseUrl, timeoutMs: 2000 } });

describe('airbyte spec', () => {
  it('prints one SPEC: the connection and node options from the same zod schemas, the App Secret marked airbyte_secret', async () => {
    const run = await runAirbyte(['spec']);
    expect(run.code).toBe(0);
    expect(run.messages).toHaveLength(1);
    const [m] = run.messages;
    if (m?.type !== 'SPEC') throw new Error(`expected SPEC, got ${m?.type}`);
    const spec = m.spec.connectionSpecification as {
      properties: Record<string, { properties: Record<string, Record<string, unknown>>; required?: string[] }>;
    };
    const connection = spec.properties['connection']!;
    const node = spec.properties['node']!;
    // Every field of the zod schemas is in the form, and nothing else.
    expect(Object.keys(connection.properties).sort()).toEqual(Object.keys(connectionConfigSchema.shape).sort());
    expect(Object.keys(node.properties).sort()).toEqual(Object.keys(nodeConfigSchema.shape).sort());
    expect(connection.properties['appSecret']!['airbyte_secret']).toBe(true);
    expect(connection.properties['appId']!['airbyte_secret']).toBeUndefined();
    expect(connection.required).toEqual(expect.arrayContaining(['appId', 'appSecret']));
    expect(m.spec.supported_destination_sync_modes).toEqual(['append', 'append_dedup']);
    // The optional shared stores: the Redis URL may hold a password.
    const store = spec.properties['store']!;
    expect(Object.keys(store.properties).sort()).toEqual(Object.keys(storeConfigSchema.shape).sort());
    expect(store.properties['redis']!['airbyte_secret']).toBe(true);
    expect((spec as unknown as { required: string[] }).required).toEqual(['connection']);
    // Same ranges as parseConfig enforces.
    expect(node.properties['maxInFlight']).toMatchObject({ type: 'integer', minimum: 1, maximum: 50 });
  });
});

describe('airbyte check', () => {
  it('SUCCEEDED on a working app', async () => {
    const path = await work.json('ok.json', config());
    const run = await runAirbyte(['check', '--config', path]);
    expect(run.code).toBe(0);
    const status = run.ofType('CONNECTION_STATUS');
    expect(status).toHaveLength(1);
    expect(status[0]!.connectionStatus.status).toBe('SUCCEEDED');
  });

  it('FAILED with the same actionable lines as `lark-im check`, and never the secret', async () => {
    const wrong = 'definitely-not-the-secret-123';
    const path = await work.json('bad.json', config(wrong));
    const run = await runAirbyte(['check', '--config', path]);
    const check = await runCli(['check', '--config', path]);
    expect(run.code).toBe(0); // the status carries the failure; the command itself worked
    const status = run.ofType('CONNECTION_STATUS')[0]!.connectionStatus;
    expect(status.status).toBe('FAILED');
    expect(check.code).toBe(1);
    const withoutLogId = (text: string) => text.replace(/\[log id: \w+\]/g, '[log id]');
    expect(withoutLogId(status.message!)).toBe(withoutLogId(check.stdout.trimEnd()));
    expect(status.message).toMatch(/App Secret/);
    expect(JSON.stringify(run.messages) + run.stderr).not.toContain(wrong);
  });

  it('a config the connector refuses is a FAILED status naming the field, not a crash', async () => {
    const path = await work.json('invalid.json', { connection: { appId: APP.appId, appSecret: APP.appSecret, domain: 'ftp://x' } });
    const run = await runAirbyte(['check', '--config', path]);
    const status = run.ofType('CONNECTION_STATUS')[0]!.connectionStatus;
    expect(status.status).toBe('FAILED');
    expect(status.message).toContain('connection.domain');
  });
});

describe('airbyte discover', () => {
  it('prints a CATALOG: the lark_messages stream (incremental, cursor updateTime, key messageId) and the record shape the destination accepts', async () => {
    const path = await work.json('ok.json', config());
    const run = await runAirbyte(['discover', '--config', path]);
    expect(run.code).toBe(0);
    const catalog = run.ofType('CATALOG')[0]!.catalog as unknown as { destination_record_schema: { required: string[]; properties: Record<string, unknown> } };
    expect(catalog.destination_record_schema.required).toEqual(['receiveType', 'receiveId', 'content']);
    expect(Object.keys(catalog.destination_record_schema.properties)).toContain('contentType');
    const [stream, ...others] = run.ofType('CATALOG')[0]!.catalog.streams;
    expect(others).toEqual([]);
    expect(stream).toMatchObject({
      name: 'lark_messages',
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      default_cursor_field: ['updateTime'],
      source_defined_primary_key: [['messageId']],
    });
    expect((stream!.json_schema as { required: string[] }).required).toEqual(expect.arrayContaining(['messageId', 'updateTime']));
  });
});

describe('airbyte errors', () => {
  it('an unknown command or a missing file is a TRACE config_error and a non-zero exit, nothing else on stdout', async () => {
    const path = await work.json('ok.json', config());
    for (const args of [['nonsense', '--config', path], ['write', '--config', path], ['check']]) {
      const run = await runAirbyte(args);
      if (args[0] === 'check') {
        expect(run.ofType('CONNECTION_STATUS')[0]!.connectionStatus.status).toBe('FAILED');
        continue;
      }
      expect(run.code).toBe(1);
      const traces = run.ofType('TRACE');
      expect(traces).toHaveLength(1);
      expect(traces[0]!.trace.error?.failure_type).toBe('config_error');
    }
  });
});
