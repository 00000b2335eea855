/**
 * The two contenders. The connector side goes through the real library path (LarkImConnector.writeStream:
 * parse, validate, uuid, receiver, pacing, retry). The SDK side is what a user writes with the official SDK:
 * a pool of workers calling client.im.message.create, no pacing, no retry (the SDK has none).
 */
import * as lark from '@larksuiteoapi/node-sdk';
import { LarkImConnector, type ConnectorDeps } from '../src/connector.js';
import { parseConfig } from '../src/config.js';
import type { InputRecord } from '../src/input.js';
import type { RunSummary } from '../src/pipeline/report/outcome.js';
import { BENCH_APP, type BenchMessage } from './seed.js';

export interface ConnectorSideOptions extends ConnectorDeps {
  timeoutMs?: number;
  maxInFlight?: number;
}

export function makeConnector(baseUrl: string, opts: ConnectorSideOptions = {}): LarkImConnector {
  const { timeoutMs, maxInFlight, ...deps } = opts;
  const config = parseConfig({
    appId: BENCH_APP.appId,
    appSecret: BENCH_APP.appSecret,
    domain: baseUrl,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(maxInFlight !== undefined ? { maxInFlight } : {}),
  });
  return new LarkImConnector(config, deps);
}

/** Records as a pipeline hands them over: one message body per record. */
export function* recordsOf(messages: readonly BenchMessage[]): Generator<InputRecord> {
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    yield { line: i + 1, value: { receiveType: 'user', receiveId: m.receiveId, contentType: 'text', content: m.content } };
  }
}

export async function runConnector(connector: LarkImConnector, messages: readonly BenchMessage[]): Promise<RunSummary> {
  return connector.writeStream(recordsOf(messages), {});
}

const silent: lark.Logger = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };

/** An SDK client pointed at the emulator, with its own token cache (the SDK's default cache is module-global). */
export function makeSdkClient(baseUrl: string): lark.Client {
  return new lark.Client({
    appId: BENCH_APP.appId,
    appSecret: BENCH_APP.appSecret,
    domain: baseUrl,
    appType: lark.AppType.SelfBuild,
    cache: new lark.DefaultCache(),
    logger: silent,
    loggerLevel: lark.LoggerLevel.fatal,
  });
}

export interface SdkRunResult {
  ok: number;
  failed: number;
  /** HTTP 429 answers the SDK surfaced as thrown errors. */
  status429: number;
  durationMs: number;
}

/** One im.message.create per message through `concurrency` workers; an error is counted, never retried. */
export async function runSdk(client: lark.Client, messages: readonly BenchMessage[], concurrency: number, uuidPrefix: string): Promise<SdkRunResult> {
  const result: SdkRunResult = { ok: 0, failed: 0, status429: 0, durationMs: 0 };
  const started = Date.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < messages.length) {
      const i = next++;
      const m = messages[i]!;
      try {
        const res = await client.im.message.create({
          params: { receive_id_type: 'open_id' },
          data: { receive_id: m.receiveId, msg_type: 'text', content: m.content, uuid: `${uuidPrefix}-${i}` },
        });
        if (res?.code === 0) result.ok++;
        else result.failed++;
      } catch (err) {
        result.failed++;
        if ((err as { response?: { status?: number } })?.response?.status === 429) result.status429++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  result.durationMs = Date.now() - started;
  return result;
}
