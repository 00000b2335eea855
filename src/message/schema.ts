/**
 * The record body a pipeline hands us, and its one parser: each field's rule (what it accepts, how it is
 * normalised, what its error says) is written once below; then the receiver's shape, the content per
 * contentType (./content/) and the request's size (./size.ts). The pipeline gets one clear, one-line error
 * per bad record BEFORE anything is sent. Hand-written rather than a zod schema: this runs once per record
 * of a streaming dry-run, and a zod run per record is a large part of that run's time.
 */
import { isRecord } from '../core/is-record.js';
import { kindOf } from '../core/kind-of.js';
import { errorMessage, type ValidationError } from '../core/errors.js';
import {
  CONTENT_TYPES, RECEIVE_TYPE_NAMES, receiveTypeOf, type ContentType, type ReceiveType, type ReceiveTypeName,
} from '../core/vocabulary.js';
import { checkContent } from './content/check.js';
import { inputInvalid, issuesError, show, withMisspeltKeys } from './error-text.js';
import type { Issue } from './issue.js';
import { PHONE_SHAPE } from './receivers.js';
import { sizeProblem } from './size.js';

export interface MessageBody {
  receiveType: ReceiveType;
  receiveId: string;
  contentType: ContentType;
  /** JSON string, as given (an object input is JSON.stringified). */
  content: string;
  uuid?: string;
}

export type ParseResult = { ok: true; message: MessageBody } | { ok: false; error: ValidationError };

export const UUID_MAX_LENGTH = 50;
const BODY_KEYS = ['receiveType', 'receiveId', 'contentType', 'content', 'uuid'] as const;

// Basic shape only: Lark is the judge of whether the address exists.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** What a phone's shape is checked on: the number without separators (resolving normalises further). */
const PHONE_SEPARATORS = /[\s\-().]/g;

// ---------------------------------------------------------------------------------------------
// the fields: each reads its raw value into its normal form, or says why it cannot

/**
 * A field's value is wrong; the message says why (the path is the field's name). A problem of a value of
 * the right kind (an empty receiveId, a too long uuid) still lets the body's other checks run on `value`,
 * so that one error names every problem the user has to fix.
 */
class Problem {
  constructor(readonly message: string, readonly value?: string) {}
}

const RECEIVE_TYPE_SET: ReadonlySet<string> = new Set(RECEIVE_TYPE_NAMES);
const CONTENT_TYPE_SET: ReadonlySet<string> = new Set(CONTENT_TYPES);
const isMissing = (v: unknown): v is null | undefined => v === undefined || v === null;
/** Strings are read trimmed and in lower case (" User " is user); other values as they are. */
const trimLower = (v: unknown): unknown => (typeof v === 'string' ? v.trim().toLowerCase() : v);

function readReceiveType(raw: unknown): ReceiveType | Problem {
  const v = typeof raw === 'string' && RECEIVE_TYPE_SET.has(raw) ? raw : trimLower(raw);
  if (typeof v === 'string' && RECEIVE_TYPE_SET.has(v)) return receiveTypeOf(v as ReceiveTypeName);
  const allowed = `use one of ${RECEIVE_TYPE_NAMES.join(', ')}`;
  return new Problem(isMissing(v) ? `is required; ${allowed}` : `${show(v)} is not allowed; ${allowed}`);
}

function readReceiveId(raw: unknown): string | Problem {
  // A phone column often arrives as a number: integers are read as digits.
  const v = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (typeof v !== 'string') {
    return new Problem(isMissing(v)
      ? 'is required: the open_id (user), email, mobile number (phone), chat_id (chat), user_id or union_id of the ' +
        'receiver'
      : `must be a string, got ${kindOf(v)}`);
  }
  const id = v.trim();
  if (id === '') {
    return new Problem('must not be empty: give the open_id, email, mobile number, chat_id, user_id or union_id of the receiver', id);
  }
  return id;
}

/** Absent or null is text. */
function readContentType(raw: unknown): ContentType | Problem {
  if (isMissing(raw)) return 'text';
  const v = typeof raw === 'string' && CONTENT_TYPE_SET.has(raw) ? raw : trimLower(raw);
  if (typeof v === 'string' && CONTENT_TYPE_SET.has(v)) return v as ContentType;
  return new Problem(`${show(v)} is not a Lark msg_type; use one of ${CONTENT_TYPES.join(', ')} (default text)`);
}

/** A JSON string as given, or an object (stringified). Its shape is checkContent's. */
function readContent(raw: unknown): string | Problem {
  const v = isRecord(raw) ? JSON.stringify(raw) : raw;
  if (typeof v !== 'string') {
    return new Problem(isMissing(v)
      ? 'is required: a JSON object string (or an object), e.g. {"text":"hello"}'
      : `must be a JSON object string or an object, got ${kindOf(v)}`);
  }
  if (v === '') return new Problem('must not be empty: a JSON object string (or an object), e.g. {"text":"hello"}', v);
  return v;
}

/** Optional: absent, null or blank is none (the message then gets a derived one). */
function readUuid(raw: unknown): string | undefined | Problem {
  if (isMissing(raw)) return undefined;
  if (typeof raw !== 'string') return new Problem(`must be a string of at most ${UUID_MAX_LENGTH} characters, got ${kindOf(raw)}`);
  const uuid = raw.trim();
  if (uuid === '') return undefined;
  if (uuid.length > UUID_MAX_LENGTH) {
    return new Problem(`must be at most ${UUID_MAX_LENGTH} characters (Lark's limit), got ${uuid.length}`, uuid);
  }
  return uuid;
}

// ---------------------------------------------------------------------------------------------
// the body

/** The issues of a body whose fields are each fine: the receiver's shape, the content's, then the size. */
function bodyIssues(m: MessageBody): Issue[] | undefined {
  let issues: Issue[] | undefined;
  if (m.receiveType === 'email' && !EMAIL_SHAPE.test(m.receiveId)) {
    (issues ??= []).push({ path: ['receiveId'], message: `${show(m.receiveId)} is not an email address (name@example.com)` });
  }
  if (m.receiveType === 'phone' && !PHONE_SHAPE.test(m.receiveId.replace(PHONE_SEPARATORS, ''))) {
    (issues ??= []).push({
      path: ['receiveId'],
      message:
        `${show(m.receiveId)} is not a mobile number: digits, optionally with +country code ` +
        '(e.g. 13800000000 or +1 415 555 0100)',
    });
  }
  const shape = checkContent(m.contentType, m.content);
  for (const issue of shape) (issues ??= []).push({ path: ['content', ...issue.path], message: issue.message });
  const tooLarge = shape.length === 0 ? sizeProblem(m) : undefined;
  if (tooLarge) (issues ??= []).push({ path: ['content'], message: tooLarge, tooLarge: true });
  return issues;
}

function body(
  receiveType: ReceiveType,
  receiveId: string,
  contentType: ContentType,
  content: string,
  uuid: string | undefined,
): MessageBody {
  return uuid === undefined
    ? { receiveType, receiveId, contentType, content }
    : { receiveType, receiveId, contentType, content, uuid };
}

/** The body, or every field's issue (in field order); unknown extra fields are dropped. */
function readBody(value: Record<string, unknown>): MessageBody | Issue[] {
  const receiveType = readReceiveType(value.receiveType);
  const receiveId = readReceiveId(value.receiveId);
  const contentType = readContentType(value.contentType);
  const content = readContent(value.content);
  const uuid = readUuid(value.uuid);
  if (
    typeof receiveType === 'string' && typeof receiveId === 'string' && typeof contentType === 'string' &&
    typeof content === 'string' && !(uuid instanceof Problem)
  ) {
    const message = body(receiveType, receiveId, contentType, content, uuid);
    return bodyIssues(message) ?? message;
  }
  const fields = { receiveType, receiveId, contentType, content, uuid };
  const issues: Issue[] = [];
  let checkable = true;
  for (const key of BODY_KEYS) {
    const v = fields[key];
    if (!(v instanceof Problem)) continue;
    issues.push({ path: [key], message: v.message });
    if (v.value === undefined) checkable = false;
  }
  if (!checkable) return issues;
  const unwrap = <T>(v: T | Problem): T => (v instanceof Problem ? (v.value as T) : v);
  const partial = body(unwrap(receiveType), unwrap(receiveId), unwrap(contentType), unwrap(content), unwrap(uuid));
  return [...issues, ...(bodyIssues(partial) ?? [])];
}

/** Never throws. value = one parsed JSON value (should be an object). */
export function parseMessageBody(value: unknown): ParseResult {
  try {
    if (!isRecord(value)) {
      return {
        ok: false,
        error: inputInvalid(
          `record: expected a message object {receiveType, receiveId, contentType, content}, got ${kindOf(value)}`,
        ),
      };
    }
    const body = readBody(value);
    if (!Array.isArray(body)) return { ok: true, message: body };
    return { ok: false, error: withMisspeltKeys(value, BODY_KEYS, issuesError(body)) };
  } catch (e) {
    // e.g. a getter that throws, or a cyclic object in `content`
    return { ok: false, error: inputInvalid(`record: could not be read (${errorMessage(e)})`) };
  }
}

/**
 * A record is one body or an array of bodies: one entry per body, in order (entry i is element i).
 * A value that is neither gives one INPUT_INVALID entry; so does an empty array.
 */
export function parseRecord(value: unknown): ParseResult[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [{ ok: false, error: inputInvalid('record: empty array: no message') }];
    return value.map((v) => parseMessageBody(v));
  }
  if (!isRecord(value)) {
    return [{
      ok: false,
      error: inputInvalid(`record: expected a message object or an array of them, got ${kindOf(value)}`),
    }];
  }
  return [parseMessageBody(value)];
}
