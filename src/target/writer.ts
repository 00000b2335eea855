/**
 * The target writer: turns a stream of input records into one outcome per message, in input order.
 *
 * For each record: parse it (one body or an array of bodies), validate every message, give it its uuid
 * (derived in input order, so a re-run derives the same ones), resolve its receiver, and send it. Sends run
 * concurrently (the Lark client paces them under the app's quota); outcomes are still emitted in input
 * order through a bounded window, so memory stays flat however long the input is.
 */
import { ConnectorError, ValidationError } from '../lark/errors.js';
import type { LarkClient, SendMessageRequest } from '../lark/client.js';
import { parseRecord, type MessageBody } from '../message/schema.js';
import { UuidDeriver } from '../message/uuid.js';
import { normalizePhone, ReceiverResolver } from '../message/receivers.js';
import type { InputRecord } from '../input.js';
import {
  countOutcome,
  emptySummary,
  toOutcomeError,
  type MessageOutcome,
  type RenderedRequest,
  type RunSummary,
} from './outcome.js';

/** Codes that mean no later message can succeed either: stop sending and fail the rest with this reason. */
const APP_LEVEL_CODES = new Set([
  'APP_ID_WRONG',
  'APP_SECRET_WRONG',
  'APP_UNAVAILABLE',
  'QUOTA_EXCEEDED',
  'TOKEN_INVALID',
]);
/** Lark codes for scopes the app lacks on the send API itself (a phone lookup's scope is not app-level). */
const APP_LEVEL_LARK_CODES = new Set([99991672, 99991676, 99991679]);

export interface WriterOptions {
  /** Base URL the rendered requests point at. */
  baseUrl: string;
  /** Needed unless dryRun. */
  client?: LarkClient;
  resolver?: ReceiverResolver;
  dryRun?: boolean;
  /** How many messages may be between read and reported at once (bounds memory, feeds the pacer). */
  window?: number;
  /** Called once per message in input order; a returned promise is awaited (report backpressure). */
  onOutcome?: (outcome: MessageOutcome) => void | Promise<void>;
  /** Aborting stops reading new records; messages already taken are finished and reported. */
  signal?: AbortSignal;
  /** Clock for durationMs. */
  now?: () => number;
}

export class MessageWriter {
  private readonly uuids = new UuidDeriver();
  private readonly window: number;
  private appLevelError: ConnectorError | undefined;

  constructor(private readonly options: WriterOptions) {
    if (!options.dryRun && !options.client) throw new Error('MessageWriter needs a client unless dryRun');
    this.window = Math.max(1, options.window ?? 256);
  }

  async run(records: AsyncIterable<InputRecord> | Iterable<InputRecord>): Promise<RunSummary> {
    const now = this.options.now ?? Date.now;
    const started = now();
    const summary = emptySummary();
    const pending: Array<Promise<MessageOutcome>> = [];
    const emit = async (outcome: MessageOutcome) => {
      countOutcome(summary, outcome);
      await this.options.onOutcome?.(outcome);
    };

    for await (const record of records) {
      if (this.options.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      for (const task of this.tasksFor(record)) {
        pending.push(task);
        // Head-of-line wait keeps input order and caps memory at `window` messages.
        while (pending.length >= this.window) await emit(await pending.shift()!);
      }
    }
    for (const task of pending) await emit(await task);
    summary.durationMs = now() - started;
    return summary;
  }

  /** One promise per message of the record, created in input order (uuid derivation depends on it). */
  private tasksFor(record: InputRecord): Array<Promise<MessageOutcome>> {
    const { line } = record;
    if (record.skipReason !== undefined) {
      return [Promise.resolve<MessageOutcome>({ line, index: 0, status: 'skipped', reason: record.skipReason })];
    }
    if (record.parseError !== undefined) {
      const error = new ValidationError({ code: 'INPUT_INVALID', message: record.parseError });
      return [Promise.resolve({ line, index: 0, status: 'failed', error: toOutcomeError(error) })];
    }
    return parseRecord(record.value).map((parsed, index) => {
      if (!parsed.ok) {
        return Promise.resolve<MessageOutcome>({ line, index, status: 'failed', error: toOutcomeError(parsed.error) });
      }
      const uuid = this.uuids.uuidFor(parsed.message);
      if (this.options.dryRun) {
        return Promise.resolve<MessageOutcome>({ line, index, status: 'valid', request: this.render(parsed.message, uuid) });
      }
      return this.send(parsed.message, uuid).then(
        (messageId): MessageOutcome => ({ line, index, status: 'delivered', messageId, uuid }),
        (err: unknown): MessageOutcome => ({ line, index, status: 'failed', error: toOutcomeError(err), uuid }),
      );
    });
  }

  private async send(message: MessageBody, uuid: string): Promise<string> {
    const client = this.options.client!;
    this.throwIfAppLevelFailure();
    const receiver = await this.resolveReceiver(message);
    this.throwIfAppLevelFailure();
    const request: SendMessageRequest = {
      receiveIdType: receiver.receiveIdType,
      receiveId: receiver.receiveId,
      msgType: message.contentType,
      content: message.content,
      uuid,
    };
    try {
      return (await client.sendMessage(request)).messageId;
    } catch (err) {
      if (isAppLevel(err)) this.appLevelError ??= err;
      throw err;
    }
  }

  private resolveReceiver(message: MessageBody) {
    const resolver = this.options.resolver;
    if (!resolver) throw new Error('MessageWriter needs a receiver resolver to send');
    return resolver.resolve(message);
  }

  /** After an app-level failure (credentials revoked, quota gone) the rest fail fast with the same cause. */
  private throwIfAppLevelFailure(): void {
    const cause = this.appLevelError;
    if (!cause) return;
    throw new ConnectorError({
      code: cause.code,
      message: `not sent: an earlier message failed with an app-level error, so sending stopped. ${cause.message}`,
      retryable: false,
      ...(cause.larkCode !== undefined ? { larkCode: cause.larkCode } : {}),
    });
  }

  /** The exact POST a message becomes; phone receivers show the number that is looked up at send time. */
  private render(message: MessageBody, uuid: string): RenderedRequest {
    const direct = DIRECT_RECEIVE_ID_TYPES[message.receiveType];
    const receiveIdType = direct ?? 'open_id';
    const request: RenderedRequest = {
      method: 'POST',
      url: `${this.options.baseUrl}/open-apis/im/v1/messages?receive_id_type=${receiveIdType}`,
      body: {
        receive_id: direct ? message.receiveId : null,
        msg_type: message.contentType,
        content: message.content,
        uuid,
      },
    };
    if (!direct) request.lookup = { mobile: normalizePhone(message.receiveId) };
    return request;
  }
}

const DIRECT_RECEIVE_ID_TYPES: Record<MessageBody['receiveType'], SendMessageRequest['receiveIdType'] | undefined> = {
  user: 'open_id',
  email: 'email',
  chat: 'chat_id',
  phone: undefined,
};

function isAppLevel(err: unknown): err is ConnectorError {
  if (!(err instanceof ConnectorError)) return false;
  return APP_LEVEL_CODES.has(err.code) || (err.larkCode !== undefined && APP_LEVEL_LARK_CODES.has(err.larkCode));
}
