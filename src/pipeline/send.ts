/**
 * The send stage: one message, its receiver resolved, to Lark with its uuid. It never waits for another
 * message (the pacer in the client spaces the sends); after the stop signal nothing new goes out, and
 * after an app-level failure (credentials revoked, quota gone) the rest fail fast with the same cause,
 * without calling Lark again.
 */
import { ConnectorError, interruptedError, isAppLevel } from '../core/errors.js';
import type { LarkClient } from '../lark/client.js';
import type { MessageChangeRequest } from '../lark/endpoints/message-changes.js';
import type { MessageBody } from '../message/schema.js';
import type { ResolvedReceiver } from '../message/receivers.js';
import { larkMsgType } from './msg-type.js';

export class SendStage {
  private appLevelError: ConnectorError | undefined;

  constructor(
    private readonly client: LarkClient,
    private readonly signal: AbortSignal,
    /** Told once, with the cause, when an app-level failure stops the sending. */
    private readonly onAppLevelError?: (err: ConnectorError) => void,
  ) {}

  /** The message id Lark gave the message. */
  async send(message: MessageBody, receiver: ResolvedReceiver, uuid: string): Promise<string> {
    const request = {
      receiveIdType: receiver.receiveIdType,
      receiveId: receiver.receiveId,
      msgType: larkMsgType(message.contentType),
      content: message.content,
      uuid,
    };
    return this.guarded(async () => (await this.client.sendMessage(request, { signal: this.signal })).messageId);
  }

  /** Edits, updates or recalls a message sent earlier (a record's update or delete), stopped like a send. */
  change(request: MessageChangeRequest): Promise<unknown> {
    return this.guarded(() => this.client.changeMessage(request, { signal: this.signal }));
  }

  /** One call to Lark: not after the stop, and an app-level failure stops every later one. */
  private async guarded<T>(call: () => Promise<T>): Promise<T> {
    this.throwIfStopped();
    try {
      return await call();
    } catch (err) {
      if (isAppLevel(err) && !this.appLevelError) {
        this.appLevelError = err;
        this.onAppLevelError?.(err);
      }
      throw err;
    }
  }

  /** Before each network step: the stop signal, or an earlier app-level failure, ends the message here. */
  throwIfStopped(): void {
    if (this.signal.aborted) throw interruptedError();
    const cause = this.appLevelError;
    if (!cause) return;
    throw new ConnectorError({
      code: cause.code,
      message: `not sent: an earlier message failed with an app-level error, so sending stopped. ${cause.message}`,
      retryable: false,
      notSent: true,
      ...(cause.larkCode !== undefined ? { larkCode: cause.larkCode } : {}),
      ...(cause.stops !== undefined ? { stops: cause.stops } : {}),
    });
  }
}
