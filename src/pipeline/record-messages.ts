/**
 * lifecycle (classify) -> transform -> validate, for one input record: the messages it becomes, each valid or
 * the reason it is not. The writer and the dry-run's block renderer (src/pipeline/dry-run/) both run this, so
 * that they agree message for message.
 */
import { ValidationError, errorMessage } from '../core/errors.js';
import { parseRecord } from '../message/schema.js';
import type { InputRecord } from '../input.js';
import { messageBodyTransform, type Draft, type RecordTransform } from './transform/index.js';
import { validateDrafts, type Validated } from './validate.js';
import { classify, type Classified, type LifecyclePolicy } from './lifecycle/stage.js';
import { holdsMarkdownBody, isMarkdownBodyTransform, sendModeTransform } from './transform/send-modes.js';
import type { NodeConfig } from '../config.js';

/** A record deliberately not acted on (e.g. a delete event): one skipped outcome. */
export interface Skipped { skipped: string }

export class RecordMessages {
  /** The transform changes markdown bodies only (the CLI's message-body mode). */
  private readonly passesMarkdownOnly: boolean;

  constructor(
    private readonly transform: RecordTransform,
    private readonly policy: LifecyclePolicy,
  ) {
    this.passesMarkdownOnly = isMarkdownBodyTransform(transform);
  }

  /** The lifecycle's reading of a record (a skipped or unparsable record is one outcome). */
  classified(record: InputRecord): Classified {
    if (record.skipReason !== undefined) return { kind: 'skipped', reason: record.skipReason };
    if (record.parseError !== undefined) {
      return { kind: 'failed', error: new ValidationError({ code: 'INPUT_INVALID', message: record.parseError }) };
    }
    return classify(record.value, this.policy);
  }

  /** transform -> validate: the messages of one record (a skipped or failed record is one outcome). */
  messagesOf(c: Classified): ReadonlyArray<Validated | Skipped> {
    if (c.kind === 'skipped') return [{ skipped: c.reason }];
    if (c.kind === 'failed') return [{ ok: false, error: c.error }];
    // The default transforms pass the value through: parseRecord is transform + validate in one step
    // (the same messages and errors) without a draft object per message.
    if (this.transform === messageBodyTransform) return parseRecord(c.value);
    if (this.passesMarkdownOnly && !holdsMarkdownBody(c.value)) return parseRecord(c.value);
    let drafts: Draft[];
    try {
      drafts = this.transform(c.value);
    } catch (err) {
      // A transform is to return failed drafts, not throw; one that throws fails its record, not the run.
      const message = `record: the transform failed (${errorMessage(err)})`;
      return [{ ok: false, error: new ValidationError({ code: 'INPUT_INVALID', message }) }];
    }
    return validateDrafts(drafts);
  }
}

/** The node's send mode as the transform stage (images from sources only when the node has `media`). */
export function nodeTransform(node: NodeConfig): RecordTransform {
  return sendModeTransform(node, { uploadImages: node.media !== undefined });
}

/** The node's lifecycle policy; a platform may bring the key when the node names none (Airbyte's primary key). */
export function nodePolicy(node: NodeConfig, defaultMessageKey?: string[]): LifecyclePolicy {
  const messageKey = node.messageKey ?? defaultMessageKey;
  return { updateEvents: node.updateEvents, deleteEvents: node.deleteEvents, ...(messageKey ? { messageKey } : {}) };
}
