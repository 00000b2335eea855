/**
 * The identify stage: each valid message gets its uuid, in input order (the derivation counts identical
 * messages, so the same input always yields the same uuids and a re-run is de-duplicated by Lark and by the
 * state file alike). The derivation itself lives in src/message/uuid.ts.
 */
import { UuidDeriver } from '../message/uuid.js';
import type { MessageBody } from '../message/schema.js';

export { UuidDeriver };

export class IdentifyStage {
  /** One deriver per run; pass one to several writers that are parts of one run (a pipeline's batches). */
  constructor(private readonly uuids: UuidDeriver = new UuidDeriver()) {}

  /** Must be called once per valid message, in input order. */
  uuidOf(message: MessageBody): string {
    return this.uuids.uuidFor(message);
  }
}
