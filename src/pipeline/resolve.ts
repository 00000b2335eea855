/**
 * The resolve-receiver stage, with read-ahead for phones.
 *
 * Every message read starts its send at once (the pacer queues it), so asking batch_get_id as each message
 * arrives made batches of one or two once a run streamed. Instead, a phone not known yet is *noted* when its
 * message is read and asked later, in batches of up to 50:
 * - as soon as 50 unknown phones are noted;
 * - when a waiting message comes near the front (fewer than `lookAhead` messages between it and the
 *   messages done), after a coalescing pause of `coalesceMs` (a few ms) that lets the reader add more;
 * - when the input ends;
 * - at the latest `maxHoldMs` (1 s) after a phone was noted: the pacer may have room for it before its turn
 *   in input order comes (other receivers ahead wait for their own per-receiver windows).
 * So the phones of the records already buffered are asked together: ceil(distinct phones / 50) calls, plus
 * at most one for a batch a near message asked before it was full, while the input fits the buffer.
 * The resolver (src/message/receivers.ts) does the asking, the de-duplication and the remembering.
 */
import { interruptedError } from '../core/errors.js';
import type { MessageBody } from '../message/schema.js';
import { LOOKUP_BATCH_SIZE, normalizePhone, PHONE_SHAPE, type ReceiverResolver, type ResolvedReceiver } from '../message/receivers.js';

export interface ResolveStageOptions {
  /** A message waiting for its phone is "near" when fewer than this many messages before it are not done. */
  lookAhead?: number;
  /** How long a near message waits for more phones before the batch is asked. Default 5 ms. */
  coalesceMs?: number;
  /** The longest a noted phone waits to be asked, near the front or not. Default 1000 ms. */
  maxHoldMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  /** Cancels a timer setTimer returned (the hold timer, once nothing is left to ask: a process exits at its end). */
  clearTimer?: (timer: unknown) => void;
}

export const DEFAULT_COALESCE_MS = 5;
export const DEFAULT_MAX_HOLD_MS = 1000;

interface Waiting { seq: number; phone: string }

export class ResolveStage {
  private readonly lookAhead: number;
  private readonly coalesceMs: number;
  private readonly maxHoldMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;
  /** Phones noted and not asked yet, in the order they were read. */
  private readonly wanted = new Map<string, Array<(asked: boolean) => void>>();
  /** Messages waiting for their phone to be asked, by sequence number (ascending). */
  private readonly waiting: Waiting[] = [];
  private waitingHead = 0;
  private done = 0;
  private timerSet = false;
  /** The pending maxHoldMs timer, if any. */
  private holdTimer: { handle: unknown } | undefined;
  private ended = false;

  constructor(
    private readonly resolver: ReceiverResolver,
    options: ResolveStageOptions = {},
  ) {
    this.lookAhead = Math.max(1, options.lookAhead ?? 32);
    this.coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
    this.maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  }

  /**
   * The receiver of message number `seq` (0-based, in input order). Call it when the message is read:
   * a phone is noted then, and the promise waits until its batch is asked.
   */
  async receiverFor(message: MessageBody, seq: number, signal?: AbortSignal): Promise<ResolvedReceiver> {
    if (message.receiveType === 'phone') {
      const phone = normalizePhone(message.receiveId);
      if (PHONE_SHAPE.test(phone) && this.needsAsking(phone)) {
        const asked = await this.noted(phone, seq);
        if (!asked || signal?.aborted) throw interruptedError();
      }
    }
    return this.resolver.resolve(message);
  }

  /** A message is done (settled, whatever its outcome): the ones after it come nearer. */
  messageDone(): void {
    this.done += 1;
    if (this.headIsNear()) this.askSoon();
  }

  /** No more messages will be read: ask what is noted. */
  inputEnded(): void {
    this.ended = true;
    if (this.wanted.size > 0) this.askSoon();
  }

  /** The run stops: nobody waits any longer (their sends fail as interrupted). */
  release(): void {
    for (const callbacks of this.wanted.values()) for (const cb of callbacks) cb(false);
    this.wanted.clear();
    this.cancelHold();
    this.waiting.length = 0;
    this.waitingHead = 0;
  }

  private needsAsking(phone: string): boolean {
    if (this.wanted.has(phone)) return true;
    // Known to the store or already being asked: resolve() finds it without a batch of its own.
    return !this.resolver.knows(phone);
  }

  private noted(phone: string, seq: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const callbacks = this.wanted.get(phone);
      if (callbacks) callbacks.push(resolve);
      else this.wanted.set(phone, [resolve]);
      this.waiting.push({ seq, phone });
      if (this.wanted.size >= LOOKUP_BATCH_SIZE) this.askBatch();
      else if (this.ended || this.headIsNear()) this.askSoon();
      this.holdAtMost();
    });
  }

  /** The first message still waiting for its phone to be asked, if it is close to being sent. */
  private headIsNear(): boolean {
    while (this.waitingHead < this.waiting.length && !this.wanted.has(this.waiting[this.waitingHead]!.phone)) {
      this.waitingHead += 1;
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
    const head = this.waiting[this.waitingHead];
    return head !== undefined && head.seq - this.done < this.lookAhead;
  }

  private askSoon(): void {
    if (this.timerSet) return;
    this.timerSet = true;
    this.setTimer(() => {
      this.timerSet = false;
      while (this.wanted.size > 0 && (this.ended || this.headIsNear())) this.askBatch();
    }, this.coalesceMs);
  }

  /** Whatever is noted when maxHoldMs have passed is asked, near or not. */
  private holdAtMost(): void {
    if (this.holdTimer !== undefined || this.wanted.size === 0) return;
    const hold = { handle: undefined as unknown };
    this.holdTimer = hold;
    hold.handle = this.setTimer(() => {
      if (this.holdTimer !== hold) return; // cancelled (a timer that cannot be cleared still fires)
      this.holdTimer = undefined;
      while (this.wanted.size > 0) this.askBatch();
    }, this.maxHoldMs);
  }

  private cancelHold(): void {
    if (this.holdTimer === undefined) return;
    this.clearTimer(this.holdTimer.handle);
    this.holdTimer = undefined;
  }

  /** The oldest noted phones, up to 50, go to the resolver as one lookup; their messages go on. */
  private askBatch(): void {
    const batch: string[] = [];
    const woken: Array<(asked: boolean) => void> = [];
    for (const [phone, callbacks] of this.wanted) {
      if (batch.length >= LOOKUP_BATCH_SIZE) break;
      batch.push(phone);
      woken.push(...callbacks);
    }
    for (const phone of batch) this.wanted.delete(phone);
    if (this.wanted.size === 0) this.cancelHold();
    void this.resolver.prefetch(batch);
    for (const cb of woken) cb(true);
  }
}
