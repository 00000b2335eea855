/**
 * The resume stage: a message the state says an earlier run delivered is reported as delivered (resumed)
 * and not sent again. A state that records another message at this position means the input changed: the
 * answer is `mismatch`, and the writer stops (nothing is sent by position into a different input).
 */
import { ConnectorError } from '../core/errors.js';

/** What the state knows of a position: the earlier message id, undefined, or a throw for a mismatch. */
export type DeliveredBefore = (line: number, index: number, uuid: string) => string | undefined;

export type ResumeAnswer =
  | { kind: 'send' }
  | { kind: 'done'; messageId: string }
  | { kind: 'mismatch'; error: ConnectorError };

const SEND: ResumeAnswer = { kind: 'send' };

export class ResumeStage {
  constructor(private readonly deliveredBefore: DeliveredBefore | undefined) {}

  check(line: number, index: number, uuid: string): ResumeAnswer {
    if (!this.deliveredBefore) return SEND;
    try {
      const messageId = this.deliveredBefore(line, index, uuid);
      return messageId === undefined ? SEND : { kind: 'done', messageId };
    } catch (err) {
      if (err instanceof ConnectorError) return { kind: 'mismatch', error: err };
      throw err;
    }
  }
}
