/**
 * `airbyte write`: the connector as an Airbyte destination. RECORD messages on stdin become Lark messages
 * through the connector's own writeStream (pacer, retries, receivers, uuids); each STATE is echoed on stdout,
 * in the order received, once every record of its stream before it is delivered or finally failed.
 *
 * Segments, and why records wait for their STATE: a retried sync starts from the last echoed STATE, and the
 * records after it come again. Their uuids must be the same as in the failed attempt (Lark then de-duplicates
 * what that attempt already delivered), and two identical messages must still get different uuids (or Lark
 * would swallow the second). Occurrence counts from the start of an attempt cannot give both: the retried
 * attempt does not see the records before its starting point. So the records of a stream are held until the
 * STATE that follows them arrives, and sent as one segment whose uuids are derived in a namespace made of the
 * stream and that STATE: the same records followed by the same STATE give the same uuids in every attempt,
 * and identical messages in different segments differ. The cost is latency (a segment waits for its STATE)
 * and memory (bounded: past maxSegmentRecords the records are sent without waiting, with a warning).
 */
import { createHash } from 'node:crypto';
import type { LarkImConnector } from '../../connector.js';
import type { InputRecord } from '../../input.js';
import { UuidDeriver } from '../../message/uuid.js';
import type { MessageOutcome } from '../../pipeline/report/outcome.js';
import { isRecord } from '../../core/is-record.js';
import { counted } from '../../core/counted.js';
import { describeOutcomeError, failureTypeOf } from './failures.js';
import type { ProtocolOutput } from './output.js';
import {
  errorTrace,
  recordMessageSchema,
  stateMessageSchema,
  streamKey,
  type FailureType,
  type StateMessage,
  type StreamDescriptor,
} from './protocol.js';
import { errorMessage } from '../../core/errors.js';

export const DEFAULT_MAX_SEGMENT_RECORDS = 20_000;

export interface DestinationOptions {
  connector: LarkImConnector;
  out: ProtocolOutput;
  /** stdin, one protocol message a line. */
  lines: AsyncIterable<string>;
  /** The platform's SIGTERM: stop reading, let what was sent settle (grace period), echo what is settled. */
  signal?: AbortSignal;
  graceMs?: number;
  /** Records of one stream held while waiting for its STATE; past this many they are sent without it. */
  maxSegmentRecords?: number;
  /** Records being sent at once across segments before reading stdin pauses. */
  maxPendingRecords?: number;
  /** The configured catalog's streams (streamKey): a RECORD of another stream is skipped. Default: every stream. */
  streams?: ReadonlySet<string>;
  now?: () => number;
  /** Deduped streams' primary keys (by streamKey): the message key of their records unless the node sets one. */
  messageKeys?: ReadonlyMap<string, string[]>;
}

export interface DestinationResult {
  exitCode: number;
  records: number;
  delivered: number;
  /** Refused for good (logged as warnings). */
  failed: number;
  /** Not sent because the run stopped first (a signal, an app-level failure): a retried sync sends them. */
  notSent: number;
  skipped: number;
  /** RECORDs of streams the configured catalog does not hold: not sent. */
  outsideCatalog: number;
  statesReceived: number;
  statesEchoed: number;
  /** Why the run stopped early, when it did. */
  stopped?: 'signal' | 'app-level';
}

interface Buffer {
  descriptor: StreamDescriptor;
  records: InputRecord[];
  /** Records since the stream's last STATE (destinationStats.recordCount of the next one). */
  sinceState: number;
  /** Hash of the stream's last STATE in this attempt, for the namespace of an oversized part. */
  lastStateHash: string | undefined;
  /** How many STATEs in a row had that same content (a cursor that did not move): each segment still differs. */
  repeats: number;
  parts: number;
}

type SegmentOutcome = { ok: boolean };

export class AirbyteDestination {
  private readonly buffers = new Map<string, Buffer>();
  /** Segments in the order they started; an echo waits for those started before its STATE. */
  private readonly segments: Array<Promise<SegmentOutcome> | undefined> = [];
  private segmentsChecked = 0;
  private echoChain: Promise<boolean> = Promise.resolve(true);
  private readonly stop = new AbortController();
  private fatal: { message: string; failureType: FailureType; internal: string } | undefined;
  private pendingRecords = 0;
  private wakeReader: (() => void) | undefined;
  private warnedOversized = new Set<string>();
  private readonly warnedOutside = new Set<string>();
  private readonly result: DestinationResult = {
    exitCode: 0,
    records: 0,
    delivered: 0,
    failed: 0,
    notSent: 0,
    skipped: 0,
    outsideCatalog: 0,
    statesReceived: 0,
    statesEchoed: 0,
  };
  private readonly maxSegmentRecords: number;
  private readonly maxPendingRecords: number;
  private readonly now: () => number;

  constructor(private readonly options: DestinationOptions) {
    this.maxSegmentRecords = options.maxSegmentRecords ?? DEFAULT_MAX_SEGMENT_RECORDS;
    this.maxPendingRecords = options.maxPendingRecords ?? 2_000;
    this.now = options.now ?? Date.now;
    const external = options.signal;
    if (external) {
      if (external.aborted) this.halt('signal');
      else external.addEventListener('abort', () => this.halt('signal'), { once: true });
    }
  }

  async run(): Promise<DestinationResult> {
    const { out } = this.options;
    let lineNo = 0;
    for await (const line of this.options.lines) {
      if (this.stop.signal.aborted) break;
      lineNo += 1;
      if (line.trim() === '') continue;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        await out.log('WARN', `stdin line ${lineNo} is not JSON: ignored`);
        continue;
      }
      if (!isRecord(message)) continue;
      if (message['type'] === 'RECORD') await this.onRecord(message['record'], lineNo);
      else if (message['type'] === 'STATE') await this.onState(message['state'], lineNo);
      // Anything else (LOG, TRACE ... a platform may pass on) is not for a destination to act on.
      while (this.pendingRecords >= this.maxPendingRecords && !this.stop.signal.aborted) {
        await new Promise<void>((resolve) => (this.wakeReader = resolve));
      }
    }
    if (!this.stop.signal.aborted) {
      // End of input: records after the last STATE still go out (a sync need not end on a STATE).
      for (const [key, buffer] of this.buffers) this.startSegment(buffer, `${key}\nend`);
    }
    await Promise.all(this.segments);
    await this.echoChain;
    // Stopped before their STATE (a signal, an app-level error): never sent, but counted and said.
    const unsent = [...this.buffers.values()].reduce((n, b) => n + b.records.length, 0);
    if (unsent > 0) {
      this.result.notSent += unsent;
      await out.log('WARN', `lark-im: ${unsent} records read after their stream's last STATE were not sent (the run stopped first); a retried sync sends them again from that STATE`);
    }
    return this.finish();
  }

  private async onRecord(raw: unknown, lineNo: number): Promise<void> {
    const parsed = recordMessageSchema.safeParse(raw);
    if (!parsed.success) {
      await this.options.out.log('WARN', `stdin line ${lineNo}: a RECORD without stream, data object or emitted_at: ignored`);
      return;
    }
    const { stream, namespace, data } = parsed.data;
    const descriptor: StreamDescriptor = namespace === undefined ? { name: stream } : { name: stream, namespace };
    const key = streamKey(descriptor);
    if (this.options.streams && !this.options.streams.has(key)) {
      this.result.outsideCatalog += 1;
      if (this.warnedOutside.has(key)) return;
      this.warnedOutside.add(key);
      const name = namespace === undefined ? stream : `${namespace}.${stream}`;
      await this.options.out.log('WARN', `stream ${name} is not in the configured catalog: its records are skipped (not sent); add the stream to the connection to send them`);
      return;
    }
    const buffer = this.bufferOf(descriptor);
    this.result.records += 1;
    buffer.sinceState += 1;
    // Airbyte's CDC marks a deleted row with _ab_cdc_deleted_at: a delete of that row's key.
    const deleted = data['_ab_cdc_deleted_at'] !== undefined && data['_ab_cdc_deleted_at'] !== null;
    buffer.records.push({ line: this.result.records, value: deleted ? { op: 'd', before: data } : data });
    if (buffer.records.length >= this.maxSegmentRecords) await this.sendOversized(buffer);
  }

  private async sendOversized(buffer: Buffer): Promise<void> {
    const key = streamKey(buffer.descriptor);
    if (!this.warnedOversized.has(key)) {
      this.warnedOversized.add(key);
      await this.options.out.log(
        'WARN',
        `stream ${buffer.descriptor.name} sent ${this.maxSegmentRecords} records without a STATE: they are sent now, before it. ` +
          'If this sync fails and is retried, messages sent this way may be delivered again: make the source checkpoint more often',
      );
    }
    buffer.parts += 1;
    this.startSegment(buffer, `${key}\nafter:${buffer.lastStateHash ?? 'start'}#${buffer.repeats}\npart:${buffer.parts}`);
  }

  private async onState(raw: unknown, lineNo: number): Promise<void> {
    const parsed = stateMessageSchema.safeParse(raw);
    if (!parsed.success) {
      await this.options.out.log('WARN', `stdin line ${lineNo}: a STATE message of an unknown shape: ignored`);
      return;
    }
    this.result.statesReceived += 1;
    const state = parsed.data;
    const hash = stateHash(state);
    let closed: Buffer[];
    if (state.type === 'STREAM' && state.stream) {
      closed = [this.bufferOf(state.stream.stream_descriptor)];
    } else {
      // GLOBAL (and the deprecated LEGACY) checkpoint every stream at once.
      closed = [...this.buffers.values()];
    }
    let recordCount = 0;
    for (const buffer of closed) {
      recordCount += buffer.sinceState;
      buffer.sinceState = 0;
      buffer.repeats = buffer.lastStateHash === hash ? buffer.repeats + 1 : 0;
      buffer.lastStateHash = hash;
      buffer.parts = 0;
      this.startSegment(buffer, `${streamKey(buffer.descriptor)}\nstate:${hash}#${buffer.repeats}`);
    }
    this.echoWhenSettled({ ...state, destinationStats: { ...state.destinationStats, recordCount } });
  }

  private bufferOf(descriptor: StreamDescriptor): Buffer {
    const key = streamKey(descriptor);
    let buffer = this.buffers.get(key);
    if (!buffer) {
      buffer = { descriptor, records: [], sinceState: 0, lastStateHash: undefined, repeats: 0, parts: 0 };
      this.buffers.set(key, buffer);
    }
    return buffer;
  }

  /** Sends the buffered records of a stream as one segment (nothing when it is empty). */
  private startSegment(buffer: Buffer, namespace: string): void {
    const records = buffer.records;
    if (records.length === 0) return;
    buffer.records = [];
    const uuids = new UuidDeriver({ namespace: `airbyte\n${namespace}` });
    const streamName = buffer.descriptor.name;
    const defaultMessageKey = this.options.messageKeys?.get(streamKey(buffer.descriptor));
    this.pendingRecords += records.length;
    const segment = this.options.connector
      .writeStream(records, {
        uuids,
        ...(defaultMessageKey ? { defaultMessageKey } : {}),
        signal: this.stop.signal,
        ...(this.options.graceMs !== undefined ? { graceMs: this.options.graceMs } : {}),
        onOutcome: (outcome) => this.onOutcome(outcome, streamName),
        // The writer stops its own sending; this stops every segment and the echoes.
        onAppLevelError: (err) => this.failRun(err.message, failureTypeOf(err.code), err.code),
      })
      .then(
        (summary): SegmentOutcome => ({ ok: !summary.interrupted && this.fatal === undefined }),
        (err: unknown): SegmentOutcome => {
          this.failRun(errorMessage(err), 'system_error', 'UNEXPECTED');
          return { ok: false };
        },
      )
      .finally(() => {
        this.pendingRecords -= records.length;
        this.wakeReader?.();
        this.wakeReader = undefined;
      });
    this.segments.push(segment);
  }

  private onOutcome(outcome: MessageOutcome, stream: string): Promise<void> | undefined {
    switch (outcome.status) {
      case 'delivered':
      case 'edited':
      case 'replaced':
      case 'recalled':
        this.result.delivered += 1;
        return undefined;
      case 'skipped':
        this.result.skipped += 1;
        return this.options.out.log('INFO', `record ${outcome.line} of stream ${stream}: skipped: ${outcome.reason}`);
      case 'not_sent':
        // Counted; the run's end says why it stopped (a signal, or the app-level error reported once).
        this.result.notSent += 1;
        return undefined;
      case 'failed': {
        this.result.failed += 1;
        const error = outcome.error;
        if (error.code === 'INTERRUPTED' || this.fatal) return undefined;
        const which = outcome.index > 0 ? ` (message ${outcome.index + 1} of the record)` : '';
        return this.options.out.log('WARN', `record ${outcome.line} of stream ${stream}${which} was not delivered: ${describeOutcomeError(error)}`);
      }
      default:
        return undefined;
    }
  }

  /** STATEs leave in the order they came, each once the segments started before it have settled cleanly. */
  private echoWhenSettled(state: StateMessage): void {
    const upTo = this.segments.length;
    this.echoChain = this.echoChain.then(async (ok) => {
      if (!ok) return false;
      for (; this.segmentsChecked < upTo; this.segmentsChecked++) {
        const outcome = await this.segments[this.segmentsChecked];
        // Settled: let the finished segment's records be collected.
        this.segments[this.segmentsChecked] = undefined;
        if (!outcome?.ok) return false;
      }
      if (this.fatal) return false;
      await this.options.out.emit({ type: 'STATE', state });
      this.result.statesEchoed += 1;
      return true;
    });
  }

  /** An app-level failure: nothing more can be delivered, so stop everything (no later STATE is echoed). */
  private failRun(message: string, failureType: FailureType, internal: string): void {
    if (this.fatal) return;
    this.fatal = { message, failureType, internal };
    this.halt('app-level');
  }

  private halt(why: 'signal' | 'app-level'): void {
    this.result.stopped ??= why;
    this.stop.abort();
    this.wakeReader?.();
  }

  private async finish(): Promise<DestinationResult> {
    const { out } = this.options;
    const r = this.result;
    await out.log(
      'INFO',
      `lark-im: ${counted(r.records, 'record')} read, ${counted(r.delivered, 'message')} delivered, ${r.failed} failed, ` +
        `${r.notSent} not sent, ${r.skipped} skipped` +
        (r.outsideCatalog > 0 ? `, ${counted(r.outsideCatalog, 'record')} of streams outside the catalog skipped` : '') +
        `; ${r.statesEchoed} of ${counted(r.statesReceived, 'STATE message')} echoed`,
    );
    if (r.notSent > 0) {
      await out.log('WARN', `lark-im: ${counted(r.notSent, 'message')} not sent (the sync stopped first): a retried sync sends them again from the last echoed STATE`);
    }
    if (this.fatal) {
      await out.emit(errorTrace(this.fatal.message, this.fatal.failureType, this.now(), this.fatal.internal));
      r.exitCode = 1;
    } else if (r.stopped === 'signal') {
      await out.log('WARN', 'lark-im: stopped by a signal: STATE messages were echoed up to the last one whose records had all settled');
      r.exitCode = 1;
    }
    return r;
  }
}

/**
 * The identity of a STATE: its payload, keys sorted (a platform may re-serialise it), without the stats and
 * any id the platform adds on its way to the destination.
 */
function stateHash(state: StateMessage): string {
  const payload = state.type === 'STREAM' ? state.stream : state.type === 'GLOBAL' ? state.global : state.data;
  return createHash('sha256').update(canonicalJson(payload ?? null)).digest('hex').slice(0, 32);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
