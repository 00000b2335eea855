/**
 * The lifecycle stage: what a change event does to the message(s) of its record's key.
 *
 * - classify: a record (plain value = insert, TapData or Debezium event) -> today's path (no key), skipped
 *   per the node options, or a keyed event (op, key, row).
 * - the events of one key run in input order (inOrder); different keys run concurrently.
 * - put (insert, update): a key with a live message in this slot is edited (PUT text/post, PATCH card);
 *   Lark refusing for good (MESSAGE_NOT_EDITABLE) or a type that cannot be edited sends a new message that
 *   takes over the slot (`replaced`); no live message (or updateEvents send) sends one (`delivered`).
 * - recall (delete): every slot of the key is recalled (a message already gone counts as recalled); an
 *   unknown key is skipped with that reason.
 * - dry-run: the same decisions against the key map the state holds, rendered instead of made.
 */
import { isRunStop, ValidationError, type ConnectorError } from '../../core/errors.js';
import { isRecord } from '../../core/is-record.js';
import type { MessageChangeRequest } from '../../lark/endpoints/message-changes.js';
import type { MessageBody } from '../../message/schema.js';
import { larkMsgType } from '../msg-type.js';
import { renderRequest } from '../render.js';
import { notSentOutcome, toOutcomeError, type MessageOutcome, type RenderedChange } from '../report/outcome.js';
import { fieldMissing, fieldValue, isBlank } from '../transform/fields.js';
import { changeEventOf, rowOf, type ChangeOp } from './change-event.js';
import type { LifecycleOptions } from './config.js';
import { isKeyed } from './keyed.js';
import type { LifecycleJournal } from './journal.js';
import type { KeyMap, KeySlots } from './key-map.js';

export type LifecyclePolicy = Pick<LifecycleOptions, 'messageKey' | 'updateEvents' | 'deleteEvents'>;

export type Classified =
  | { kind: 'plain'; value: unknown }
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; error: ConnectorError }
  | { kind: 'keyed'; op: ChangeOp; key: string; value: unknown };

export const UPDATE_SKIPPED = 'update event skipped (node option updateEvents is "skip")';
export const DELETE_SKIPPED = 'delete event skipped (node option deleteEvents is "skip")';

/** A record -> what the writer does with it. Plain values and inserts of an unkeyed node keep today's path. */
export function classify(value: unknown, policy: LifecyclePolicy): Classified {
  const event = changeEventOf(value);
  if (event && 'error' in event) return { kind: 'failed', error: new ValidationError({ code: 'INPUT_INVALID', message: event.error }) };
  const op = event?.op ?? 'insert';
  const row = event ? rowOf(event) : value;
  if (op === 'update' && policy.updateEvents === 'skip') return { kind: 'skipped', reason: UPDATE_SKIPPED };
  if (op === 'delete' && policy.deleteEvents === 'skip') return { kind: 'skipped', reason: DELETE_SKIPPED };
  if (!isKeyed(policy)) {
    // Only a platform's default key (Airbyte's primary key) can be missing here: the config demands one.
    if (op === 'delete') return { kind: 'skipped', reason: 'delete event skipped: the stream has no message key (node option messageKey)' };
    return { kind: 'plain', value: row };
  }
  const key = keyOf(row, policy.messageKey);
  return 'error' in key ? { kind: 'failed', error: key.error } : { kind: 'keyed', op, key: key.key, value: row };
}

/** The key's text: the field's value, or the JSON list of the values of several fields. */
export function keyOf(row: unknown, paths: readonly string[]): { key: string } | { error: ValidationError } {
  const values: string[] = [];
  for (const path of paths) {
    const v = fieldValue(row, path);
    if (isBlank(v)) return { error: fieldMissing(path, 'message key (node option messageKey)') };
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      return { error: new ValidationError({ code: 'FIELD_MISSING', field: path, message: `record field "${path}" must be a string or a number (the message key), got ${Array.isArray(v) ? 'an array' : typeof v}` }) };
    }
    values.push(String(v));
  }
  return { key: values.length === 1 ? values[0]! : JSON.stringify(values) };
}

/** Slot of each message of a record: its receiver, and its number among the record's messages to that receiver. */
export function slotsOf(messages: ReadonlyArray<Pick<MessageBody, 'receiveType' | 'receiveId'> | undefined>): string[] {
  const seen = new Map<string, number>();
  return messages.map((m) => {
    const receiver = m ? `${m.receiveType}:${m.receiveId}` : '?';
    const n = seen.get(receiver) ?? 0;
    seen.set(receiver, n + 1);
    return `${receiver}#${n}`;
  });
}

/** A 1.0 card sent for a key is shared (config.update_multi), so an update reaches every reader; 2.0 cards are. */
export function sharedCard(message: MessageBody): MessageBody {
  if (message.contentType !== 'interactive') return message;
  let card: unknown;
  try {
    card = JSON.parse(message.content) as unknown;
  } catch {
    return message;
  }
  if (!isRecord(card) || card.schema === '2.0' || card.type === 'template') return message;
  const config = isRecord(card.config) ? card.config : {};
  if (config.update_multi !== undefined) return message;
  return { ...message, content: JSON.stringify({ ...card, config: { ...config, update_multi: true } }) };
}

const EDITABLE_AS: Readonly<Record<string, 'edit' | 'update_card'>> = { text: 'edit', post: 'edit', interactive: 'update_card' };

/** How a live message of type `was` becomes `now`: PUT (text, post), PATCH (card), or not at all. */
function changeKind(was: string, now: string): 'edit' | 'update_card' | undefined {
  const a = EDITABLE_AS[was];
  return a !== undefined && a === EDITABLE_AS[now] ? a : undefined;
}

export interface PutTask {
  key: string;
  slot: string;
  op: ChangeOp;
  message: MessageBody;
  uuid: string;
  line: number;
  index: number;
}

export interface LifecycleCalls {
  /** Resolves the receiver and sends (the writer's send stage); the message id. */
  send(message: MessageBody, uuid: string): Promise<string>;
  change(request: MessageChangeRequest): Promise<unknown>;
}

/**
 * Runs the tasks of one key in the order they were given, different keys concurrently. One per connector
 * instance: the writers of successive batches (an Airbyte sync's segments) keep one key's order too.
 */
export class KeyOrder {
  private readonly chains = new Map<string, Promise<void>>();

  inOrder<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(key);
    const run = prev ? prev.then(fn) : fn();
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return run;
  }
}

export class KeyedStage {
  private readonly order: KeyOrder;
  /** Dry-run: the slots this run would send first, by key and slot (their ids are not known). */
  private readonly wouldSend = new Map<string, Map<string, { line: number; index: number; msgType: string }>>();

  constructor(
    private readonly deps: {
      keyMap: KeyMap;
      journal?: LifecycleJournal | undefined;
      policy: LifecyclePolicy;
      now: () => number;
      baseUrl: string;
      order?: KeyOrder | undefined;
    },
  ) {
    this.order = deps.order ?? new KeyOrder();
  }

  /** Runs fn after every earlier task of the key: one key's events apply in input order. */
  inOrder<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.order.inOrder(key, fn);
  }

  /** What an earlier run (per the state) made of this event, or that a later event of its key was applied since. */
  before(key: string, line: number, index: number): MessageOutcome | undefined {
    return this.deps.journal?.doneBefore(line, index) ?? this.superseded(key, line, index);
  }

  /** An earlier run applied a later event of the key: this one is not applied (it would bring back old content). */
  superseded(key: string, line: number, index: number): MessageOutcome | undefined {
    if (!this.deps.journal?.superseded(key, line)) return undefined;
    return { line, index, status: 'skipped', reason: `superseded: an earlier run applied a later event of key ${key}` };
  }

  async put(task: PutTask, calls: LifecycleCalls): Promise<MessageOutcome> {
    const { key, slot, message, uuid, line, index } = task;
    const msgType = larkMsgType(message.contentType);
    const live = task.op === 'update' && this.deps.policy.updateEvents === 'send' ? undefined : (await this.deps.keyMap.get(key)).get(slot);
    let outcome: MessageOutcome;
    try {
      const kind = live && changeKind(live.msgType, msgType);
      if (live && kind) {
        try {
          await calls.change(
            kind === 'edit'
              ? { kind, messageId: live.messageId, msgType: msgType as 'text' | 'post', content: message.content }
              : { kind, messageId: live.messageId, content: message.content },
          );
          outcome = { line, index, status: 'edited', messageId: live.messageId, uuid };
          if (msgType !== live.msgType) await this.deps.keyMap.set(key, slot, { ...live, msgType });
        } catch (err) {
          if (isRunStop(err)) return notSentOutcome(line, index, err, uuid);
          if (!notEditable(err)) return { line, index, status: 'failed', error: toOutcomeError(err), uuid, messageId: live.messageId };
          outcome = await this.sendNew(task, calls, msgType, live.messageId);
        }
      } else {
        outcome = await this.sendNew(task, calls, msgType, live?.messageId);
      }
    } catch (err) {
      if (isRunStop(err)) return notSentOutcome(line, index, err, uuid);
      return { line, index, status: 'failed', error: toOutcomeError(err), uuid, ...(live ? { messageId: live.messageId } : {}) };
    }
    if (outcome.status === 'delivered' || outcome.status === 'edited' || outcome.status === 'replaced') this.deps.journal?.record(key, outcome);
    return outcome;
  }

  /** A delete: every live message of the key recalled, one outcome each (index = its place). */
  async recall(key: string, line: number, calls: LifecycleCalls): Promise<MessageOutcome[]> {
    const earlier: MessageOutcome[] = [];
    for (let i = 0; ; i++) {
      const done = this.deps.journal?.doneBefore(line, i);
      if (!done) break;
      earlier.push(done);
    }
    const slots = await this.deps.keyMap.get(key);
    if (slots.size === 0) {
      if (earlier.length > 0) return earlier;
      const skipped = { line, index: 0, status: 'skipped' as const, reason: `delete event skipped: no message is known for key ${key}` };
      this.deps.journal?.record(key, skipped);
      return [skipped];
    }
    const out = [...earlier];
    for (const [slot, live] of slots) {
      const index = out.length;
      try {
        await calls.change({ kind: 'recall', messageId: live.messageId });
      } catch (err) {
        if (isRunStop(err)) {
          out.push(notSentOutcome(line, index, err));
          continue;
        }
        if (!alreadyGone(err)) {
          out.push({ line, index, status: 'failed', error: toOutcomeError(err), messageId: live.messageId });
          continue;
        }
      }
      await this.deps.keyMap.remove(key, slot);
      const recalled = { line, index, status: 'recalled' as const, messageId: live.messageId };
      this.deps.journal?.record(key, recalled);
      out.push(recalled);
    }
    return out;
  }

  /** Dry-run of put: the POST, PUT or PATCH it would make. */
  renderPut(task: PutTask): MessageOutcome {
    const { key, slot, message, uuid, line, index } = task;
    const msgType = larkMsgType(message.contentType);
    const sendsAnew = task.op === 'update' && this.deps.policy.updateEvents === 'send';
    const target = sendsAnew ? undefined : this.dryTarget(key, slot);
    const kind = target && changeKind(target.msgType, msgType);
    if (!target || !kind) {
      this.pendingOf(key).set(slot, { line, index, msgType });
      return { line, index, status: 'valid', request: renderRequest(this.deps.baseUrl, message, uuid) };
    }
    const request: RenderedChange =
      kind === 'edit'
        ? { method: 'PUT', url: target.url, body: { msg_type: msgType, content: message.content } }
        : { method: 'PATCH', url: target.url, body: { content: message.content } };
    if (target.messageOf) request.messageOf = target.messageOf;
    return { line, index, status: 'valid', request };
  }

  /** Dry-run of recall: the DELETEs it would make. */
  renderRecall(key: string, line: number): MessageOutcome[] {
    const slots = new Set([...this.dryLive(key).keys(), ...(this.wouldSend.get(key)?.keys() ?? [])]);
    if (slots.size === 0) return [{ line, index: 0, status: 'skipped', reason: `delete event skipped: no message is known for key ${key}` }];
    return [...slots].map((slot, index) => {
      const target = this.dryTarget(key, slot)!;
      this.wouldSend.get(key)?.delete(slot);
      void this.deps.keyMap.remove(key, slot);
      const request: RenderedChange = { method: 'DELETE', url: target.url, ...(target.messageOf ? { messageOf: target.messageOf } : {}) };
      return { line, index, status: 'valid', request };
    });
  }

  private async sendNew(task: PutTask, calls: LifecycleCalls, msgType: string, replacedId: string | undefined): Promise<MessageOutcome> {
    const messageId = await calls.send(task.message, task.uuid);
    await this.deps.keyMap.set(task.key, task.slot, { messageId, msgType, sentAt: this.deps.now() });
    const at = { line: task.line, index: task.index, uuid: task.uuid, messageId };
    return replacedId === undefined ? { ...at, status: 'delivered' } : { ...at, status: 'replaced', replacedId };
  }

  private dryLive(key: string): KeySlots {
    const slots = this.deps.keyMap.get(key);
    return slots instanceof Promise ? new Map() : slots;
  }

  private dryTarget(key: string, slot: string): { url: string; msgType: string; messageOf?: { line: number; index: number } } | undefined {
    const base = `${this.deps.baseUrl}/open-apis/im/v1/messages/`;
    const pending = this.wouldSend.get(key)?.get(slot);
    if (pending) return { url: `${base}:message_id`, msgType: pending.msgType, messageOf: { line: pending.line, index: pending.index } };
    const live = this.dryLive(key).get(slot);
    return live ? { url: base + encodeURIComponent(live.messageId), msgType: live.msgType } : undefined;
  }

  private pendingOf(key: string): Map<string, { line: number; index: number; msgType: string }> {
    let m = this.wouldSend.get(key);
    if (!m) this.wouldSend.set(key, (m = new Map()));
    return m;
  }
}

function notEditable(err: unknown): boolean {
  return (err as ConnectorError | undefined)?.code === 'MESSAGE_NOT_EDITABLE';
}

/** 230110: the message was deleted or recalled already (a recall that is done). */
function alreadyGone(err: unknown): boolean {
  return (err as ConnectorError | undefined)?.larkCode === 230110;
}
