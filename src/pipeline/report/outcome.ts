/**
 * What happened to each message: the shapes the writer emits, the report prints and the summary counts.
 */
import { ConnectorError, errorMessage } from '../../core/errors.js';
import type { PlannedUpload } from '../media/stage.js';

/** The exact request a message becomes (what a dry-run shows). */
export type RenderedRequest = RenderedSend | RenderedChange;

export interface RenderedSend {
  method: 'POST';
  url: string;
  body: { receive_id: string | null; msg_type: string; content: string; uuid: string };
  /** Phone receivers: the number that is looked up (batch_get_id) at send time to get the open_id. */
  lookup?: { mobile: string };
  /** Dry-run of a message with image / file sources: the uploads a send would make (none is made). */
  uploads?: PlannedUpload[];
}

/**
 * An edit (PUT: text, post), a card update (PATCH) or a recall (DELETE) of the message sent for a key. The
 * url names the message; when the message is one this dry run would only send earlier, `messageOf` says
 * which (its id is not known before it is sent) and the url holds `:message_id`.
 */
export interface RenderedChange {
  method: 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  body?: { msg_type?: string; content: string };
  messageOf?: { line: number; index: number };
}

export interface OutcomeError {
  code: string;
  message: string;
  larkCode?: number;
  logId?: string;
  retryable: boolean;
  field?: string;
}

interface Position {
  /** 1-based line of the input (or element number of a JSON array input, or event number). */
  line: number;
  /** 0-based position of the message inside its record (records may be arrays of messages). */
  index: number;
}

export type MessageOutcome = Position &
  (
    /** resumed: delivered by an earlier run of the same input (per the --state file), not sent again. */
    | { status: 'delivered'; messageId: string; uuid: string; resumed?: true }
    /** The message sent for the record's key now shows this record (PUT or PATCH). */
    | { status: 'edited'; messageId: string; uuid: string; resumed?: true }
    /** Lark refused the edit for good (edit count, window, type): a new message took over the key. */
    | { status: 'replaced'; messageId: string; replacedId: string; uuid: string; resumed?: true }
    /** A delete: the key's message was recalled (or was already gone). */
    | { status: 'recalled'; messageId: string; resumed?: true }
    /** messageId: the key's message an edit or recall was about. */
    | { status: 'failed'; error: OutcomeError; uuid?: string; messageId?: string }
    /**
     * The run stopped before it got to this message (a stop signal, an app-level failure of another message,
     * the store or the Lark host gone, a start failure): nothing is wrong with it; a resume sends it.
     * code: the cause's ErrorCode; reason: what stopped the run.
     */
    | { status: 'not_sent'; code: string; reason: string; uuid?: string }
    | { status: 'skipped'; reason: string }
    | { status: 'valid'; request: RenderedRequest }
  );

export type OutcomeStatus = MessageOutcome['status'];

export interface RunSummary {
  total: number;
  delivered: number;
  edited: number;
  replaced: number;
  recalled: number;
  failed: number;
  /** Not sent because the run stopped first (status not_sent). */
  notSent: number;
  skipped: number;
  /** Dry-run: messages that passed validation and were rendered. */
  valid: number;
  durationMs: number;
  /** True when the run was stopped (signal) before every message was read and settled. */
  interrupted: boolean;
}

export function emptySummary(): RunSummary {
  return {
    total: 0, delivered: 0, edited: 0, replaced: 0, recalled: 0, failed: 0, notSent: 0, skipped: 0, valid: 0,
    durationMs: 0, interrupted: false,
  };
}

export function countOutcome(summary: RunSummary, outcome: MessageOutcome): void {
  summary.total += 1;
  if (outcome.status === 'not_sent') summary.notSent += 1;
  else summary[outcome.status] += 1;
}

/** A message deliberately not acted on (a skipped record). */
export function skippedOutcome(line: number, index: number, reason: string): MessageOutcome {
  return { line, index, status: 'skipped', reason };
}

/** A message that failed before anything was sent for it (invalid; no uuid yet). */
export function failedOutcome(line: number, index: number, err: unknown): MessageOutcome {
  return { line, index, status: 'failed', error: toOutcomeError(err) };
}

/** The outcome of a message the run did not get to: `err` is what stopped the run. */
export function notSentOutcome(line: number, index: number, err: unknown, uuid?: string): MessageOutcome {
  const { code, message } = toOutcomeError(err);
  return { line, index, status: 'not_sent', code, reason: message, ...(uuid !== undefined ? { uuid } : {}) };
}

/** Turns anything thrown into the report's error shape; unknown errors keep only their message. */
export function toOutcomeError(err: unknown): OutcomeError {
  if (err instanceof ConnectorError) return err.toJSON() as OutcomeError;
  const message = errorMessage(err);
  return { code: 'INTERNAL', message: `unexpected error: ${message}`, retryable: false };
}
