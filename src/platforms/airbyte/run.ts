/** What `lark-im airbyte <command>` runs (command.ts registers it): the protocol messages of each command. */
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { loadConfigFile, type ConnectorConfig, type ParseOptions } from '../../config.js';
import { LarkImConnector, type ConnectorDeps } from '../../connector.js';
import { ConnectorError, errorMessage } from '../../core/errors.js';
import type { ClientEvent } from '../../lark/events.js';
import { formatTestItems } from '../../core/format-test-items.js';
import { EXIT_FAILED, EXIT_OK } from '../../core/exit.js';
import { AirbyteDestination } from './destination.js';
import { discoverCatalog } from './discover.js';
import { failureTypeOf } from './failures.js';
import { ProtocolOutput, captureConsole } from './output.js';
import { configuredCatalogSchema, errorTrace, streamKey, type ConfiguredCatalog } from './protocol.js';
import { specMessage } from './spec.js';
import { readJsonFile, runRead } from './read.js';
import { AIRBYTE_COMMANDS, type AirbyteFlags } from './commands.js';
import { tierUpSlowly } from '../../core/paced-tiering.js';

/**
 * Pacing overrides for a tenant whose Lark quota was raised (or for the emulator): a JSON object of the
 * pacer's options, e.g. {"appPerSecond":100,"appPerMinute":5000}. Lark's default quotas apply without it.
 */
export const PACING_ENV = 'LARK_IM_PACING';
const pacingSchema = z.strictObject({
  appPerSecond: z.number().int().positive().optional(),
  appPerMinute: z.number().int().positive().optional(),
  perReceiverPerSecond: z.number().int().positive().optional(),
  maxInFlight: z.number().int().positive().optional(),
});

export async function runAirbyte(command: string, flags: AirbyteFlags): Promise<number> {
  const out = new ProtocolOutput(process.stdout);
  captureConsole(out);
  try {
    switch (command) {
      case 'spec':
        await out.emit(specMessage());
        return EXIT_OK;
      case 'check':
        return await check(out, flags);
      case 'discover':
        return await discover(out, flags);
      case 'write':
        return await write(out, flags);
      case 'read':
        return await read(out, flags);
      default:
        throw new ConnectorError({ code: 'CONFIG_INVALID', message: `unknown airbyte command "${command}": use ${AIRBYTE_COMMANDS.join(', ')}` });
    }
  } catch (err) {
    await out.emit(traceFor(err));
    return EXIT_FAILED;
  } finally {
    await out.flush();
  }
}

function traceFor(err: unknown) {
  if (err instanceof ConnectorError) return errorTrace(err.message, failureTypeOf(err.code), Date.now(), err.code);
  return errorTrace(errorMessage(err), 'system_error', Date.now());
}

async function loadConfig(flags: AirbyteFlags, options: ParseOptions = {}): Promise<ConnectorConfig> {
  if (!flags.config) throw new ConnectorError({ code: 'CONFIG_INVALID', message: '--config FILE is required (the connector config Airbyte passes)' });
  return loadConfigFile(flags.config, process.env, options);
}

export async function loadCatalog(path: string | undefined): Promise<ConfiguredCatalog> {
  if (!path) throw new ConnectorError({ code: 'CONFIG_INVALID', message: '--catalog FILE is required (the configured catalog Airbyte passes)' });
  const raw = await readJsonFile(path, 'the catalog');
  const parsed = configuredCatalogSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConnectorError({ code: 'CONFIG_INVALID', message: `${path} is not a configured catalog: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}` });
  }
  return parsed.data;
}

function connectorDeps(out: ProtocolOutput): ConnectorDeps {
  const raw = process.env[PACING_ENV];
  let pacing: ConnectorDeps['pacing'];
  if (raw !== undefined && raw !== '') {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
    const parsed = pacingSchema.safeParse(value);
    if (!parsed.success) {
      throw new ConnectorError({ code: 'CONFIG_INVALID', message: `${PACING_ENV} must be a JSON object of appPerSecond, appPerMinute, perReceiverPerSecond, maxInFlight (positive whole numbers)` });
    }
    pacing = parsed.data;
  }
  return {
    ...(pacing ? { pacing } : {}),
    // Retries and token refreshes are worth a line in the sync's log; pacing waits are routine.
    onEvent: (e: ClientEvent) => {
      if (e.type !== 'pacer.wait') void out.log('DEBUG', `lark-im: ${JSON.stringify(e)}`);
    },
  };
}

/** CONNECTION_STATUS: FAILED with the same lines `lark-im check` prints when an item fails. */
async function check(out: ProtocolOutput, flags: AirbyteFlags): Promise<number> {
  let connector: LarkImConnector;
  try {
    connector = new LarkImConnector(await loadConfig(flags), connectorDeps(out));
  } catch (err) {
    // A config Airbyte's form let through but the connector refuses is a failed check, not a crash.
    const message = err instanceof ConnectorError ? `${err.code}: ${err.message}` : String(err);
    await out.emit({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'FAILED', message } });
    return EXIT_OK;
  }
  try {
    const items = await connector.connectionTest();
    const failed = items.some((i) => i.status === 'fail');
    await out.emit({
      type: 'CONNECTION_STATUS',
      connectionStatus: { status: failed ? 'FAILED' : 'SUCCEEDED', message: formatTestItems(items).trimEnd() },
    });
    return EXIT_OK;
  } finally {
    connector.close();
  }
}

async function discover(out: ProtocolOutput, flags: AirbyteFlags): Promise<number> {
  const connector = new LarkImConnector(await loadConfig(flags), connectorDeps(out));
  try {
    await out.emit({ type: 'CATALOG', catalog: discoverCatalog(connector) });
    return EXIT_OK;
  } finally {
    connector.close();
  }
}

async function write(out: ProtocolOutput, flags: AirbyteFlags): Promise<number> {
  // A deduped stream's primary key is its default message key (streamKeys below).
  const connector = new LarkImConnector(await loadConfig(flags, { platformKeys: true }), connectorDeps(out));
  try {
    const catalog = await loadCatalog(flags.catalog);
    const messageKeys = new Map<string, string[]>();
    for (const s of catalog.streams) {
      const pk = s.primary_key ?? s.stream.source_defined_primary_key;
      const descriptor = { name: s.stream.name, ...(s.stream.namespace ? { namespace: s.stream.namespace } : {}) };
      if (s.destination_sync_mode === 'append_dedup' && pk && pk.length > 0) messageKeys.set(streamKey(descriptor), pk.map((p) => p.join('.')));
      else if (s.destination_sync_mode !== 'append') {
        await out.log('WARN', `stream ${s.stream.name}: destination sync mode ${s.destination_sync_mode} without a primary key is treated as append (each record is a new message)`);
      }
    }
    // Could not start: the token is fetched before the first record is read, so bad credentials fail at once.
    await (await connector.larkClient()).getTenantToken();
    tierUpSlowly();

    const stop = new AbortController();
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    const onSignal = () => {
      stop.abort();
      lines.close();
    };
    process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
    try {
      const streams = new Set(catalog.streams.map((s) => streamKey(s.stream)));
      const result = await new AirbyteDestination({ connector, out, lines, signal: stop.signal, streams, messageKeys }).run();
      return result.exitCode;
    } finally {
      process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
      lines.close();
    }
  } finally {
    connector.close();
  }
}

async function read(out: ProtocolOutput, flags: AirbyteFlags): Promise<number> {
  const connector = new LarkImConnector(await loadConfig(flags), connectorDeps(out));
  try {
    const catalog = await loadCatalog(flags.catalog);
    await (await connector.larkClient()).getTenantToken();
    tierUpSlowly();
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
    try {
      return await runRead({ connector, out, catalog, signal: stop.signal, ...(flags.state ? { statePath: flags.state } : {}) });
    } finally {
      process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
    }
  } finally {
    connector.close();
  }
}
