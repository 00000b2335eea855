/**
 * `airbyte read`: the connector as an Airbyte source. The connector's source side yields records in pages,
 * each page with the offset to resume after it; this turns them into RECORD messages, a STATE (the offset as
 * the stream's state) at the first page boundary after every `checkpointEvery` records and at the end, and
 * STREAM_STATUS traces. Given that STATE back (--state), the read resumes after the last record before it.
 * Credentials are checked before the first stream starts, so bad ones fail at once.
 */
import { readFile } from 'node:fs/promises';
import type { LarkImConnector } from '../../connector.js';
import { LARK_MESSAGES_TABLE } from '../../source/schema.js';
import { parseOffset } from '../../source/offset.js';
import { tableJsonSchema } from './json-schema.js';
import { ConnectorError, errorMessage } from '../../core/errors.js';
import { failureTypeOf } from './failures.js';
import type { ProtocolOutput } from './output.js';
import {
  errorTrace,
  inputStateSchema,
  streamState,
  streamStatusTrace,
  streamKey,
  type AirbyteStream,
  type ConfiguredCatalog,
  type StateMessage,
  type StreamDescriptor,
} from './protocol.js';

export const DEFAULT_CHECKPOINT_EVERY = 500;

/** One page of a stream: its records, and the offset that resumes right after the last of them. */
export interface SourcePage {
  records: Array<Record<string, unknown>>;
  offset: Record<string, unknown>;
}

/**
 * A readable stream of the connector: its catalog entry, and how to read it from an offset, page by page
 * (the next page is read once `page` resolves, so stdout's backpressure reaches the source).
 */
export interface SourceStream {
  stream: AirbyteStream;
  read(offset: Record<string, unknown> | undefined, signal: AbortSignal, page: (p: SourcePage) => Promise<void>): Promise<void>;
}

export interface ReadOptions {
  connector: LarkImConnector;
  out: ProtocolOutput;
  catalog: ConfiguredCatalog;
  statePath?: string;
  signal?: AbortSignal;
  checkpointEvery?: number;
  now?: () => number;
  /** The streams to read from (default: the connector's own). */
  streams?: SourceStream[];
}

/** Messages per page the source asks Lark for (its maximum). */
const PAGE_SIZE = 50;

/**
 * The connector's readable streams: lark_messages, one pass over the chats' history from the offset (a sync
 * ends; following new messages is the next sync's job). A record is the message's row; an edit or a recall
 * comes again as the same messageId with a later updateTime (deleted: true for a recall), which is what
 * Airbyte's incremental + dedup on the primary key and cursor expects.
 */
export function sourceStreamsOf(connector: LarkImConnector, out?: ProtocolOutput): SourceStream[] {
  return [
    {
      stream: {
        name: LARK_MESSAGES_TABLE.name,
        json_schema: tableJsonSchema(LARK_MESSAGES_TABLE),
        supported_sync_modes: ['full_refresh', 'incremental'],
        source_defined_cursor: true,
        default_cursor_field: ['updateTime'],
        source_defined_primary_key: (LARK_MESSAGES_TABLE.primaryKey ?? ['messageId']).map((k) => [k]),
        is_resumable: true,
      },
      async read(offset, signal, page) {
        await connector.batchRead(
          // A state handed back is checked: a malformed one is a config error naming it, not a crash.
          offset === undefined ? undefined : parseOffset(offset, 'the STATE of lark_messages'),
          PAGE_SIZE,
          (events, next) => page({ records: events.map((e) => ({ ...e.record })), offset: { ...next } }),
          { signal, ...(out ? { onWarning: (m: string) => void out.log('WARN', `lark-im: ${m}`) } : {}) },
        );
      },
    },
  ];
}

export function sourceStreams(connector: LarkImConnector): AirbyteStream[] {
  return sourceStreamsOf(connector).map((s) => s.stream);
}

export async function runRead(options: ReadOptions): Promise<number> {
  const { connector, out, catalog } = options;
  const now = options.now ?? Date.now;
  const available = new Map((options.streams ?? sourceStreamsOf(connector, out)).map((s) => [streamKey({ name: s.stream.name }), s]));
  const states = options.statePath ? await loadState(options.statePath) : new Map<string, Record<string, unknown>>();
  const selected = catalog.streams.map((c) => {
    const source = available.get(streamKey({ name: c.stream.name }));
    if (!source) {
      throw new ConnectorError({
        code: 'CONFIG_INVALID',
        message: `stream ${c.stream.name} is not a stream of this source (it has ${[...available.values()].map((s) => s.stream.name).join(', ')}): run discover again`,
      });
    }
    return { source, incremental: c.sync_mode === 'incremental' };
  });
  const signal = options.signal ?? new AbortController().signal;
  const every = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;

  for (const { source, incremental } of selected) {
    const descriptor: StreamDescriptor = { name: source.stream.name };
    await out.emit(streamStatusTrace(descriptor, 'STARTED', now()));
    // A full refresh reads everything again; only an incremental sync resumes from the state.
    const from = incremental ? states.get(streamKey(descriptor)) : undefined;
    let sinceCheckpoint = 0;
    let running = false;
    let offset = from;
    let checkpoints = 0;
    /** Where the stream stands: after new records, and once at the end even when nothing was read. */
    const checkpoint = async (): Promise<void> => {
      if (offset === undefined || (sinceCheckpoint === 0 && checkpoints > 0)) return;
      await out.emit(streamState(descriptor, offset, sinceCheckpoint));
      sinceCheckpoint = 0;
      checkpoints += 1;
    };
    try {
      await source.read(from, signal, async (page) => {
        if (!running && page.records.length > 0) {
          running = true;
          await out.emit(streamStatusTrace(descriptor, 'RUNNING', now()));
        }
        for (const data of page.records) {
          await out.emit({ type: 'RECORD', record: { stream: descriptor.name, data, emitted_at: now() } });
        }
        sinceCheckpoint += page.records.length;
        offset = page.offset;
        if (sinceCheckpoint >= every) await checkpoint();
      });
      await checkpoint();
      if (signal.aborted) {
        await out.emit(streamStatusTrace(descriptor, 'INCOMPLETE', now()));
        await out.log('WARN', 'lark-im: stopped by a signal; the last STATE is where the next sync resumes');
        return 1;
      }
      await out.emit(streamStatusTrace(descriptor, 'COMPLETE', now()));
    } catch (err) {
      // The pages read before the failure were emitted whole: checkpoint them, so the retry starts after them.
      await checkpoint();
      await out.emit(streamStatusTrace(descriptor, 'INCOMPLETE', now()));
      const code = err instanceof ConnectorError ? err.code : undefined;
      await out.emit(errorTrace(errorMessage(err), failureTypeOf(code), now(), code));
      return 1;
    }
  }
  return 0;
}

/** --state: the STATE payloads the platform kept (a list, or one), by stream. Only STREAM states are understood. */
async function loadState(path: string): Promise<Map<string, Record<string, unknown>>> {
  const raw = await readJsonFile(path, 'the state');
  const parsed = inputStateSchema.safeParse(raw);
  if (!parsed.success) throw new ConnectorError({ code: 'CONFIG_INVALID', message: `${path} is not an Airbyte state (a list of STATE messages)` });
  const list: StateMessage[] = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  const byStream = new Map<string, Record<string, unknown>>();
  for (const s of list) {
    if (s.type === 'STREAM' && s.stream?.stream_state) byStream.set(streamKey(s.stream.stream_descriptor), s.stream.stream_state);
  }
  return byStream;
}

/** A JSON file the platform passes (catalog, state): unreadable or not JSON is CONFIG_INVALID naming it. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConnectorError({ code: 'CONFIG_INVALID', message: `cannot read ${what} ${path}: ${code ?? 'not valid JSON'}` });
  }
}
