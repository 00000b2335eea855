/**
 * The target writer: runs each input record through the stages, in the order a record travels:
 *
 *   read -> lifecycle (classify) -> transform -> validate -> identify (uuid) -> resume -> resolve receiver
 *   -> send (or, for a keyed event, edit / recall in the key's order) -> report
 *
 * Each stage is its own module in this folder; this one only wires them. Sends start as messages are read
 * and never wait for one another or for the report; the report leaves in input order through a reorder
 * buffer (order.ts) whose high-water mark pauses the reading, so memory stays bounded.
 *
 * Stopping (the signal): no new record is read and no queued message is sent (those are reported not_sent);
 * messages already on the wire get `graceMs` to finish, then whatever is still unsettled is reported failed
 * with INTERRUPTED (its delivery is not confirmed). Nothing taken from the input goes unreported. A state
 * that disagrees with the input in mid-run stops the run the same way (that message fails with the reason); before anything was sent, it is thrown (the run did not start).
 */
import { setMaxListeners } from 'node:events';
import { interruptedError, isRunStop, type ConnectorError } from '../core/errors.js';
import type { LarkClient } from '../lark/client.js';
import type { MessageBody } from '../message/schema.js';
import type { ReceiverResolver } from '../message/receivers.js';
import { countOutcome, emptySummary, failedOutcome, notSentOutcome, skippedOutcome, toOutcomeError, type MessageOutcome, type RunSummary } from './report/outcome.js';
import { asBatch, type RecordSource } from './read.js';
import { messageBodyTransform, type RecordTransform } from './transform/index.js';
import type { Validated } from './validate.js';
import { RecordMessages, type Skipped } from './record-messages.js';
import { IdentifyStage, UuidDeriver } from './identify.js';
import { ResumeStage, type DeliveredBefore } from './resume.js';
import { ResolveStage } from './resolve.js';
import { SendStage } from './send.js';
import { renderRequest, renderedOutcome, ValidOutcome } from './render.js';
import { ReorderBuffer } from './report/order.js';
import type { MediaStage } from './media/stage.js';
import { KeyedStage, sharedCard, slotsOf, type Classified, type LifecycleCalls, type LifecyclePolicy, type PutTask, type KeyOrder } from './lifecycle/stage.js';
import { MemoryKeyMap, DAY_MS, type KeyMap } from './lifecycle/key-map.js';
import type { LifecycleJournal } from './lifecycle/journal.js';
import { DEFAULT_MESSAGE_KEY_DAYS } from './lifecycle/config.js';

export const DEFAULT_GRACE_MS = 10_000;
/** Messages read and not yet reported, at most (the reading pauses there; sends do not). */
export const DEFAULT_HIGH_WATER = 1024;

export interface WriterOptions {
  /** Base URL the rendered requests point at. */
  baseUrl: string;
  /** Needed unless dryRun. */
  client?: LarkClient;
  resolver?: ReceiverResolver;
  dryRun?: boolean;
  /** The transform stage: record value -> drafts. Default: the record is a message body or an array of them. */
  transform?: RecordTransform;
  /** Messages read and not yet reported, at most: the reading pauses there (sends go on). Default 1024. */
  highWater?: number;
  /** Phone lookups: how far ahead of the sends a waiting phone is asked anyway (see resolve.ts). */
  lookAhead?: number;
  /** Called once per message in input order; a returned promise is awaited (report backpressure). */
  onOutcome?: (outcome: MessageOutcome) => void | Promise<void>;
  /** Aborting stops reading new records; messages already taken are finished (within graceMs) and reported. */
  signal?: AbortSignal;
  /** How long messages already sent may take to settle after the signal (default 10 s). */
  graceMs?: number;
  /** Called the moment a send is confirmed, before the ordered onOutcome (resumable runs record it here). */
  onDelivered?: (outcome: MessageOutcome & { status: 'delivered' }) => void;
  /** Resumed runs: the message id when an earlier run already delivered this message (it is not sent again). */
  deliveredBefore?: DeliveredBefore;
  /**
   * Derives the uuids; its occurrence counts make identical messages distinct. Pass one deriver to several
   * writers when they are parts of one run (a pipeline's successive batches). Default: a new one per writer.
   */
  uuids?: UuidDeriver;
  /** Called once, with the cause, when an app-level error stops the sending (an engine may stop more than this writer). */
  onAppLevelError?: (err: ConnectorError) => void;
  /** Clock for durationMs (and the key map's send times). */
  now?: () => number;
  /** Uploads the images and files a message names by source (dry-run: plans them); none = sources fail. */
  media?: MediaStage;
  /**
   * Change events and keys (src/pipeline/lifecycle/): what updates and deletes do, the key map (default: in
   * memory for this run) and the state's record of keyed events (resumed runs). Default: updates and deletes
   * skipped, no key.
   */
  lifecycle?: { policy: LifecyclePolicy; keyMap?: KeyMap; journal?: LifecycleJournal; order?: KeyOrder };
}

/** A message that passed every stage before send (dry-run: one whose media sources are still to be planned). */
class ToSend {
  constructor(
    readonly message: MessageBody,
    readonly uuid: string,
    readonly dryRun = false,
  ) {}
}

const SKIP_CHANGES: LifecyclePolicy = { updateEvents: 'skip', deleteEvents: 'skip' };

/** What a record's outcome slot in the report holds: one outcome, or those of a delete (one per message recalled). */
type Settled = MessageOutcome | readonly MessageOutcome[];

/** A keyed insert or update that passed every stage before its put. */
class KeyedPut {
  constructor(readonly task: PutTask) {}
}

function isOutcomeList(s: Settled): s is readonly MessageOutcome[] {
  return Array.isArray(s);
}

/** A message whose send is under way: its position in the report, for the grace period's verdict. */
interface InFlight { line: number; index: number }

export class MessageWriter {
  private readonly records: RecordMessages;
  private readonly identify: IdentifyStage;
  private readonly resume: ResumeStage;
  private readonly highWater: number;
  /** The caller's signal, re-issued (one listener per queued send must not trip Node's leak warning), and
   * aborted by the writer itself when the state disagrees with the input. */
  private readonly stop = new AbortController();
  private readonly sender: SendStage | undefined;
  private readonly lookups: ResolveStage | undefined;
  /** A send has started in this run (a state mismatch after that stops the run instead of refusing it). */
  private sentAny = false;
  private readonly onOuterAbort = (): void => this.stop.abort();
  private readonly policy: LifecyclePolicy;
  private readonly keyed: KeyedStage;

  constructor(private readonly options: WriterOptions) {
    if (!options.dryRun && !options.client) throw new Error('MessageWriter needs a client unless dryRun');
    this.identify = new IdentifyStage(options.uuids ?? new UuidDeriver());
    this.resume = new ResumeStage(options.deliveredBefore);
    this.highWater = Math.max(1, options.highWater ?? DEFAULT_HIGH_WATER);
    this.policy = options.lifecycle?.policy ?? SKIP_CHANGES;
    this.records = new RecordMessages(options.transform ?? messageBodyTransform, this.policy);
    const now = options.now ?? Date.now;
    this.keyed = new KeyedStage({
      keyMap: options.lifecycle?.keyMap ?? new MemoryKeyMap(DEFAULT_MESSAGE_KEY_DAYS * DAY_MS, now),
      journal: options.lifecycle?.journal,
      order: options.lifecycle?.order,
      policy: this.policy,
      now,
      baseUrl: options.baseUrl,
    });
    setMaxListeners(0, this.stop.signal);
    const outer = options.signal;
    if (outer?.aborted) this.stop.abort();
    else outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    if (!options.dryRun) {
      this.sender = new SendStage(options.client!, this.stop.signal, options.onAppLevelError);
      if (options.resolver) {
        this.lookups = new ResolveStage(options.resolver, options.lookAhead !== undefined ? { lookAhead: options.lookAhead } : {});
      }
    }
  }

  /** Records one by one, or in arrays (readRecordBatches: one async step per batch instead of per record). */
  async run(records: RecordSource): Promise<RunSummary> {
    const now = this.options.now ?? Date.now;
    const signal = this.stop.signal;
    const started = now();
    const summary = emptySummary();
    const onOutcome = this.options.onOutcome;
    /** Counts and hands on one outcome; a promise only when onOutcome returned one (backpressure). */
    const deliverOne = (outcome: MessageOutcome): void | Promise<void> => {
      const code = outcome.status === 'failed' ? outcome.error.code : outcome.status === 'not_sent' ? outcome.code : undefined;
      if (code === 'INTERRUPTED') summary.interrupted = true;
      countOutcome(summary, outcome);
      return onOutcome?.(outcome);
    };
    const deliverAll = async (outcomes: readonly MessageOutcome[]): Promise<void> => {
      for (const o of outcomes) await deliverOne(o);
    };
    const deliver = (settled: Settled): void | Promise<void> => (isOutcomeList(settled) ? deliverAll(settled) : deliverOne(settled));
    const order = new ReorderBuffer<Settled>(deliver, this.highWater);
    const inFlight = new Map<number, InFlight>();
    const lookups = this.lookups;
    const grace = graceTimer(signal, this.options.graceMs ?? DEFAULT_GRACE_MS, () => {
      for (const [position, { line, index }] of inFlight) order.settle(position, unconfirmed(line, index));
      inFlight.clear();
    });
    const onStop = () => lookups?.release();
    signal.addEventListener('abort', onStop, { once: true });
    let seq = 0;

    try {
      reading: for await (const item of records) {
        for (const record of asBatch(item)) {
          if (signal.aborted) {
            summary.interrupted = true;
            break reading;
          }
          const classified = this.records.classified(record);
          const line = record.line;
          if (classified.kind === 'keyed' && classified.op === 'delete') {
            const position = seq++;
            const next = this.beforeRecall(classified.key, line);
            if (Array.isArray(next) || !('key' in next)) {
              lookups?.messageDone();
              order.settle(order.reserve(), next as Settled);
            } else {
              const slot = order.reserve();
              inFlight.set(slot, { line, index: 0 });
              void this.keyed.inOrder(next.key, () => this.keyed.recall(next.key, line, this.calls(position))).then((result) => {
                inFlight.delete(slot);
                lookups?.messageDone();
                order.settle(slot, result);
              });
            }
            if (order.size >= this.highWater) await order.room();
            continue;
          }
          const validated = this.records.messagesOf(classified);
          const slots = classified.kind === 'keyed' ? slotsOf(validated.map((v) => ('ok' in v && v.ok ? v.message : undefined))) : undefined;
          for (let index = 0; index < validated.length; index++) {
            const position = seq++;
            const next =
              classified.kind === 'keyed'
                ? this.beforeKeyed(classified, slots![index]!, line, index, validated[index]!)
                : this.beforeSend(line, index, validated[index]!);
            if (next instanceof KeyedPut) {
              const slot = order.reserve();
              inFlight.set(slot, { line, index });
              const task = next.task;
              void this.keyed.inOrder(task.key, () => this.keyed.put(task, this.calls(position))).then((result) => {
                inFlight.delete(slot);
                lookups?.messageDone();
                order.settle(slot, result);
              });
            } else if (next instanceof ToSend) {
              const slot = order.reserve();
              inFlight.set(slot, { line, index });
              const settled = next.dryRun ? this.planOne(next, line, index) : this.sendOne(next, line, index, position);
              void settled.then((result) => {
                inFlight.delete(slot);
                lookups?.messageDone();
                order.settle(slot, result);
              });
            } else {
              lookups?.messageDone();
              if (order.idle) {
                // Nothing ahead of it and nothing to wait for (dry-run, invalid, skipped, resumed): hand it on
                // at once, without a promise and an await per message.
                const wait: unknown = deliver(next);
                if (wait !== undefined) await wait;
              } else {
                order.settle(order.reserve(), next);
              }
            }
            if (order.size >= this.highWater) await order.room();
          }
          if (signal.aborted) {
            summary.interrupted = true;
            break reading;
          }
        }
      }
      lookups?.inputEnded();
      await order.drained();
    } finally {
      grace.cancel();
      signal.removeEventListener('abort', onStop);
      // The caller's signal may outlive this writer (an Airbyte sync runs one writer per segment on it).
      this.options.signal?.removeEventListener('abort', this.onOuterAbort);
    }
    summary.durationMs = now() - started;
    return summary;
  }

  /**
   * identify -> resume, after validate: the outcome known without sending (failed, skipped, dry-run,
   * resumed), or the message to send with its uuid. A state mismatch before any send is thrown (the run
   * does not start); later it fails this message and stops the run.
   */
  private beforeSend(line: number, index: number, v: Validated | Skipped): MessageOutcome | ToSend {
    if ('skipped' in v) return skippedOutcome(line, index, v.skipped);
    if (!v.ok) return failedOutcome(line, index, v.error);
    const uuid = this.identify.uuidOf(v.message);
    if (this.options.dryRun) {
      if (this.options.media?.applies(v.message)) return new ToSend(v.message, uuid, true);
      return renderedOutcome(this.options.baseUrl, line, index, v.message, uuid);
    }
    const answer = this.resume.check(line, index, uuid);
    switch (answer.kind) {
      case 'done':
        return { line, index, status: 'delivered', messageId: answer.messageId, uuid, resumed: true };
      case 'mismatch':
        if (!this.sentAny) throw answer.error;
        // Mid-run: nothing more is sent into an input that differs; what is in flight is reported.
        this.stop.abort();
        return { line, index, status: 'failed', error: toOutcomeError(answer.error), uuid };
      default:
        this.sentAny = true;
        return new ToSend(v.message, uuid);
    }
  }

  /**
   * A keyed insert or update after validate: resumed or superseded per the state, rendered (dry-run), or the
   * put to run in its key's order. Its uuid is derived like any message's (the counts stay those of a rerun).
   */
  private beforeKeyed(c: Extract<Classified, { kind: 'keyed' }>, slot: string, line: number, index: number, v: Validated | Skipped): MessageOutcome | KeyedPut {
    if ('skipped' in v) return skippedOutcome(line, index, v.skipped);
    if (!v.ok) return failedOutcome(line, index, v.error);
    const message = sharedCard(v.message);
    const uuid = this.identify.uuidOf(message);
    const task = { key: c.key, slot, op: c.op, message, uuid, line, index };
    if (this.options.dryRun) return this.keyed.renderPut(task);
    const before = this.keyed.before(c.key, line, index);
    if (before) return before;
    this.sentAny = true;
    return new KeyedPut(task);
  }

  /** A keyed delete: its outcomes when known without Lark (dry-run, superseded), or the key to recall. */
  private beforeRecall(key: string, line: number): Settled | { key: string } {
    if (this.options.dryRun) return this.keyed.renderRecall(key, line);
    // A delete an earlier run began is finished by recall() (it reports what was done and recalls the rest).
    return this.keyed.superseded(key, line, 0) ?? { key };
  }

  /** What a keyed event's send and changes go through: the receiver resolved, the send stage's stop rules. */
  private calls(position: number): LifecycleCalls {
    const sender = this.sender!;
    return {
      send: async (message, uuid) => {
        sender.throwIfStopped();
        if (!this.lookups) throw new Error('MessageWriter needs a receiver resolver to send');
        return sender.send(message, await this.lookups.receiverFor(message, position, this.stop.signal), uuid);
      },
      change: (request) => sender.change(request),
    };
  }

  /** resolve receiver -> send, for one message; never rejects (a failure is the message's outcome). */
  private async sendOne({ message, uuid }: ToSend, line: number, index: number, seq: number): Promise<MessageOutcome> {
    const sender = this.sender!;
    try {
      sender.throwIfStopped();
      if (!this.lookups) throw new Error('MessageWriter needs a receiver resolver to send');
      const media = this.options.media;
      const [receiver, ready] = await Promise.all([
        this.lookups.receiverFor(message, seq, this.stop.signal),
        media?.applies(message) ? media.prepare(message, this.stop.signal) : message,
      ]);
      sender.throwIfStopped();
      const messageId = await sender.send(ready, receiver, uuid);
      const delivered = { line, index, status: 'delivered' as const, messageId, uuid };
      this.options.onDelivered?.(delivered);
      return delivered;
    } catch (err) {
      if (isRunStop(err)) return notSentOutcome(line, index, err, uuid);
      return { line, index, status: 'failed', error: toOutcomeError(err), uuid };
    }
  }

  /** Dry-run of a message with media sources: fetched and checked, the uploads shown, nothing uploaded. */
  private async planOne({ message, uuid }: ToSend, line: number, index: number): Promise<MessageOutcome> {
    try {
      const { content, uploads } = await this.options.media!.plan(message, this.stop.signal);
      return new ValidOutcome(line, index, renderRequest(this.options.baseUrl, { ...message, content }, uuid, uploads));
    } catch (err) {
      return { line, index, status: 'failed', error: toOutcomeError(err), uuid };
    }
  }
}

/** A message still on the wire when the grace period ran out: it may or may not have been delivered. */
function unconfirmed(line: number, index: number): MessageOutcome {
  const error = interruptedError('the run was stopped while this message was being sent, so its delivery is not confirmed');
  return { line, index, status: 'failed', error: toOutcomeError(error) };
}

/** Calls expire() graceMs after the signal aborts (never, if it does not). */
function graceTimer(signal: AbortSignal, graceMs: number, expire: () => void): { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    timer = setTimeout(expire, graceMs);
    timer.unref();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    cancel() {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}
