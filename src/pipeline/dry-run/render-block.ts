/**
 * A dry-run's work on a block of whole JSON Lines, without the run's order-dependent state: each line parsed,
 * classified, transformed and validated (record-messages.ts), each valid message rendered (render.ts) and its
 * report line encoded (report-writer.ts's reportLine), exactly as the writer does it. What depends on the
 * messages before it, the occurrence count of a derived uuid, is left to the coordinator (parallel.ts): each
 * derived uuid is written as a first occurrence's (h cut to 48 hex digits) and its place is noted, so that a
 * repeat's uuid can be put in its place, same length, when the block's turn comes. This runs on a worker thread
 * or on the main thread, the same code either way.
 */
import { DECODE_BYTES, toRecord, type InputRecord } from '../../input.js';
import { fingerprint, hasOwnUuid, UUID_HEX_LENGTH, UuidDeriver } from '../../message/uuid.js';
import type { NodeConfig } from '../../config.js';
import { failedOutcome, skippedOutcome } from '../report/outcome.js';
import { reportLine } from '../report/report-writer.js';
import { directReportLine, renderedOutcome } from '../render.js';
import { mayHoldSource } from '../media/sources.js';
import { nodePolicy, nodeTransform, RecordMessages } from '../record-messages.js';

/** What a renderer needs to know of the run: plain data, so that it can be handed to a worker. */
export interface DryRunSetup {
  baseUrl: string;
  node: NodeConfig;
}

/** A record this stage leaves to the writer (its content names media sources: the plan fetches them). */
export interface DeferredRecord {
  /** Where its report lines go in the block's bytes. */
  at: number;
  /** How many of the block's derived uuids come before it. */
  uuidsBefore: number;
  line: number;
  /** The line's text (trimmed), to be parsed again where the writer runs. */
  text: string;
}

export interface BlockCounts {
  /** Records (non-blank lines) and messages rendered here; deferred records not included. */
  records: number;
  messages: number;
  valid: number;
  failed: number;
  skipped: number;
}

export interface RenderedBlock extends BlockCounts {
  /** The report lines, UTF-8. */
  bytes: Uint8Array;
  /** Byte offset in `bytes` of each derived uuid (48 hex digits), in input order. */
  uuidAt: Int32Array;
  /** Of each of those, the fingerprint its occurrence is counted by (UuidDeriver.occurrence). */
  fingerprints: Float64Array;
  /**
   * Of each of those, its h (64 hex digits, ASCII), one after another: a repeat's uuid is made from all of it.
   * Bytes, not strings: a block's strings would outlive young-generation GCs until it is written.
   * It shares one ArrayBuffer with uuidAt and fingerprints (`places`), which goes back to the renderer for reuse.
   */
  hashes: Uint8Array;
  deferred: DeferredRecord[];
}

/** Spare buffers a renderer writes into when they are large enough: written ones given back, for reuse. */
export interface Spares {
  /** For the report bytes. */
  bytes?: ArrayBuffer;
  /** For the uuids' places, fingerprints and hashes (uuidAt, fingerprints and hashes of a block). */
  places?: ArrayBuffer;
}

/** The text that follows a derived uuid at the end of a report line of the usual shape (reportLine's fast path). */
const USUAL_TAIL = '"}}}\n';
const UUID_KEY = '"uuid":"';
/** Hex digits of a sha256. */
const HASH_HEX_LENGTH = 64;
/** A derived uuid's fingerprint (a Float64), place (an Int32) and h, in a places buffer. */
const PLACE_BYTES = 8 + 4 + HASH_HEX_LENGTH;
/** Places a block starts with room for (a block of 64 KB holds about 400 messages). */
const FIRST_PLACES = 512;

/** Report bytes per input byte to start with (a report line is about twice its record: url, msg_type, uuid). */
export const OUT_PER_IN = 2.5;

export class BlockRenderer {
  private readonly records: RecordMessages;
  /** Only its identity hash is used here (the CLI's uuids have no namespace); the counting is the coordinator's. */
  private readonly hasher = new UuidDeriver();

  constructor(private readonly setup: DryRunSetup) {
    this.records = new RecordMessages(nodeTransform(setup.node), nodePolicy(setup.node));
  }

  /**
   * The block's lines, the first of them input line `firstLine`. Every line but the last ends with '\n'; a line
   * is decoded and trimmed alone, as readRecordBatches does (a JSON Lines input: the coordinator checked that).
   * `spares`: buffers written before, to write into when they are large enough: transferred buffers that
   * are dropped wait for a full GC (the main thread's ArrayBuffers grew by 10 to 20 MB between two).
   */
  renderLines(block: Uint8Array, firstLine: number, spares: Spares = {}): RenderedBlock {
    const bytes = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    const out = new BlockOutput(block.byteLength * OUT_PER_IN, spares);
    let lineNo = firstLine - 1;
    let start = 0;
    while (start < bytes.length) {
      // Whole lines, about DECODE_BYTES of them, decoded at once; '\n' is never inside a UTF-8 sequence, so each
      // line decodes as it would alone, an unfinished sequence at its end included.
      const next = start + DECODE_BYTES < bytes.length ? bytes.indexOf(0x0a, start + DECODE_BYTES) : -1;
      const groupEnd = next < 0 ? bytes.length : next + 1;
      const group = bytes.toString('utf8', start, groupEnd);
      let from = 0;
      while (from < group.length) {
        let end = group.indexOf('\n', from);
        if (end < 0) end = group.length;
        lineNo += 1;
        const text = group.slice(from, end).trim();
        if (text !== '') this.renderRecord(toRecord(lineNo, text), text, out);
        from = end + 1;
      }
      start = groupEnd;
    }
    return out.done();
  }

  /** Records already read (a line too long to be one, say). */
  renderRecords(records: readonly InputRecord[]): RenderedBlock {
    const out = new BlockOutput(4096, {});
    for (const record of records) this.renderRecord(record, '', out);
    return out.done();
  }

  private renderRecord(record: InputRecord, text: string, out: BlockOutput): void {
    const line = record.line;
    const validated = this.records.messagesOf(this.records.classified(record));
    for (const v of validated) {
      if ('ok' in v && v.ok && mayHoldSource(v.message.contentType, v.message.content)) {
        out.defer(line, text);
        return;
      }
    }
    out.records += 1;
    for (let index = 0; index < validated.length; index++) {
      const v = validated[index]!;
      let reported: string;
      let idHash: string | undefined;
      if ('skipped' in v) {
        reported = reportLine(skippedOutcome(line, index, v.skipped));
        out.skipped += 1;
      } else if (!v.ok) {
        reported = reportLine(failedOutcome(line, index, v.error));
        out.failed += 1;
      } else {
        let uuid: string;
        if (hasOwnUuid(v.message)) uuid = v.message.uuid;
        else {
          idHash = this.hasher.identityHash(v.message);
          uuid = idHash.slice(0, UUID_HEX_LENGTH);
        }
        const { baseUrl } = this.setup;
        reported = directReportLine(baseUrl, line, index, v.message, uuid) ?? reportLine(renderedOutcome(baseUrl, line, index, v.message, uuid));
        out.valid += 1;
      }
      out.messages += 1;
      out.add(reported, idHash);
    }
  }
}

/** A block's report bytes as they are written, with the places of its derived uuids. */
class BlockOutput implements BlockCounts {
  records = 0;
  messages = 0;
  valid = 0;
  failed = 0;
  skipped = 0;
  private bytes: Buffer;
  private used = 0;
  private uuidAt: Int32Array;
  private fingerprints: Float64Array;
  private hashes: Buffer;
  private uuids = 0;
  private readonly deferred: DeferredRecord[] = [];

  constructor(expectedBytes: number, spares: Spares) {
    // Their own ArrayBuffers (not Node's shared pool): they are transferred to the main thread whole.
    const spare = spares.bytes;
    this.bytes = spare && spare.byteLength >= expectedBytes ? Buffer.from(spare) : Buffer.allocUnsafeSlow(Math.max(expectedBytes, 4096));
    [this.fingerprints, this.uuidAt, this.hashes] = placesIn(spares.places ?? new ArrayBuffer(FIRST_PLACES * PLACE_BYTES));
  }

  /** One report line; idHash: the line holds a derived uuid made from it (the last "uuid" of the line). */
  add(line: string, idHash: string | undefined): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    if (this.used + line.length * 3 > this.bytes.length) this.grow(line.length * 3);
    const written = this.bytes.write(line, this.used, 'utf8');
    if (idHash !== undefined) {
      const at = line.lastIndexOf(UUID_KEY) + UUID_KEY.length;
      const tailChars = line.length - at;
      // The usual line ends with the uuid and `"}}}\n`, all ASCII; others (a phone's lookup after it) are measured.
      const tailBytes = tailChars === UUID_HEX_LENGTH + USUAL_TAIL.length ? tailChars : Buffer.byteLength(line.slice(at));
      if (this.uuids === this.uuidAt.length) {
        const [fingerprints, uuidAt, hashes] = placesIn(new ArrayBuffer(this.uuidAt.length * 2 * PLACE_BYTES));
        fingerprints.set(this.fingerprints);
        uuidAt.set(this.uuidAt);
        this.hashes.copy(hashes);
        this.fingerprints = fingerprints;
        this.uuidAt = uuidAt;
        this.hashes = hashes;
      }
      this.hashes.write(idHash, this.uuids * HASH_HEX_LENGTH, HASH_HEX_LENGTH, 'latin1');
      this.fingerprints[this.uuids] = fingerprint(idHash);
      this.uuidAt[this.uuids++] = this.used + written - tailBytes;
    }
    this.used += written;
  }

  defer(line: number, text: string): void {
    this.deferred.push({ at: this.used, uuidsBefore: this.uuids, line, text });
  }

  done(): RenderedBlock {
    const { records, messages, valid, failed, skipped } = this;
    return {
      records, messages, valid, failed, skipped,
      bytes: this.bytes.subarray(0, this.used),
      uuidAt: this.uuidAt.subarray(0, this.uuids),
      fingerprints: this.fingerprints.subarray(0, this.uuids),
      hashes: this.hashes.subarray(0, this.uuids * HASH_HEX_LENGTH),
      deferred: this.deferred,
    };
  }

  private grow(atLeast: number): void {
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, this.used + atLeast));
    this.bytes.copy(bigger, 0, 0, this.used);
    this.bytes = bigger;
  }
}

/** A places buffer's three views: the uuids' fingerprints (Float64s), offsets (Int32s), then hashes (64 bytes each). */
function placesIn(buffer: ArrayBuffer): [Float64Array, Int32Array, Buffer] {
  const capacity = Math.floor(buffer.byteLength / PLACE_BYTES);
  return [
    new Float64Array(buffer, 0, capacity),
    new Int32Array(buffer, capacity * 8, capacity),
    Buffer.from(buffer, capacity * 12, capacity * HASH_HEX_LENGTH),
  ];
}
