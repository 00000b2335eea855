/**
 * The transform stage: a pipeline record's value -> the message bodies it becomes (drafts), before validation.
 *
 * This is the seam the send modes plug into (message body, dynamic binding, fixed receivers, templates,
 * markdown): each is a RecordTransform. A draft is either a raw body for the validate stage, or a failure that
 * already says why this message cannot be built (e.g. the bound field is missing), so one record can yield
 * several messages, each with its own outcome.
 */
import type { ConnectorError } from '../../core/errors.js';

/** One message-to-be: a raw body for the validate stage, or the reason it could not be built. */
export type Draft = { body: unknown; error?: undefined } | { body?: undefined; error: ConnectorError };

/** What the transform stage runs on each record value (for update events: the new value). */
export type RecordTransform = (value: unknown) => Draft[];

/**
 * The "message body" send mode (the record is a message body or an array of them): the value passes through.
 * An array becomes one draft per element; the validate stage reports an empty array or a non-object.
 */
export const messageBodyTransform: RecordTransform = (value) =>
  Array.isArray(value) && value.length > 0 ? value.map((body: unknown) => ({ body })) : [{ body: value }];
