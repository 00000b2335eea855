/**
 * The record body a pipeline hands us, and what Lark accepts as `content` for each msg_type.
 *
 * One zod schema (messageBodySchema) checks the body, the content shape per contentType and the size
 * limits, so the pipeline gets one clear, one-line error per bad record BEFORE anything is sent.
 */
import { isRecord } from '../core/is-record.js';
import { PHONE_SHAPE } from './receivers.js';
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { nearestName } from '../core/nearest-name.js';
import { cardImageIssues, checkFileContent, checkImageContent, checkMediaContent, postImageIssues } from './media-content.js';

export const CONTENT_TYPES = [
  'text', 'post', 'image', 'interactive', 'share_chat', 'share_user', 'audio', 'media', 'file', 'sticker',
] as const;
export const RECEIVE_TYPES = ['user', 'email', 'phone', 'chat'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];
export type ReceiveType = (typeof RECEIVE_TYPES)[number];

export interface MessageBody {
  receiveType: ReceiveType;
  receiveId: string;
  contentType: ContentType;
  /** JSON string, as given (an object input is JSON.stringified). */
  content: string;
  uuid?: string;
}

export type ParseResult = { ok: true; message: MessageBody } | { ok: false; error: ValidationError };

/**
 * Lark's size limits (230025 over them) are on the send request's body, the JSON
 * {"receive_id","msg_type","content","uuid"} in UTF-8 bytes, not on `content` alone: the JSON escaping of
 * the content string counts too. requestBodyBytes measures exactly what the client sends and the emulator
 * measures (src/emulator/content.ts bodyLimitBytes).
 */
export const REQUEST_BODY_LIMITS: Partial<Record<ContentType, number>> = {
  text: 150 * 1024,
  post: 30 * 1024,
  interactive: 30 * 1024,
};
/** @deprecated the limits are on the request body: use REQUEST_BODY_LIMITS. */
export const CONTENT_SIZE_LIMITS = REQUEST_BODY_LIMITS;
/** A phone receiver is sent as its open_id ('ou_' + 32 hex characters), looked up later. */
const OPEN_ID_LENGTH = 35;
/** A message without a uuid gets a derived one of this length (src/message/uuid.ts). */
const DERIVED_UUID_LENGTH = 48;
/** One UTF-16 code unit is at most 6 bytes once JSON-escaped (\u0000); the rest of the body is under 100. */
const MAX_ESCAPED_BYTES_PER_CHAR = 6;

/** The UTF-8 bytes of the send request's body this message becomes (what Lark's limit is on). */
export function requestBodyBytes(m: Pick<MessageBody, 'receiveType' | 'receiveId' | 'contentType' | 'content' | 'uuid'>): number {
  const body = {
    receive_id: m.receiveType === 'phone' ? 'o'.repeat(OPEN_ID_LENGTH) : m.receiveId,
    msg_type: m.contentType,
    content: m.content,
    uuid: m.uuid ?? 'u'.repeat(DERIVED_UUID_LENGTH),
  };
  return Buffer.byteLength(JSON.stringify(body), 'utf8');
}

/** Why the message is over Lark's limit for its type, or undefined. Cheap when it is clearly under. */
function sizeProblem(m: MessageBody): string | undefined {
  const limit = REQUEST_BODY_LIMITS[m.contentType];
  if (limit === undefined) return undefined;
  const chars = m.content.length + m.receiveId.length + (m.uuid?.length ?? DERIVED_UUID_LENGTH) + OPEN_ID_LENGTH;
  if (chars * MAX_ESCAPED_BYTES_PER_CHAR + 100 <= limit) return undefined;
  const size = requestBodyBytes(m);
  if (size <= limit) return undefined;
  return (
    `makes a request body of ${size} bytes, over Lark's ${limit}-byte (${limit / 1024} KB) limit for ${m.contentType} messages ` +
    `(the limit counts the whole JSON body: receive_id, msg_type, the escaped content, uuid); split it into smaller messages`
  );
}
export const UUID_MAX_LENGTH = 50;

/** Post locales Lark documents; other `xx_yy` keys are accepted too (Lark adds locales over time). */
export const POST_LOCALES = ['zh_cn', 'en_us', 'ja_jp'] as const;
const LOCALE_LIKE = /^[a-z]{2}_[a-z]{2}$/i;
/** Keys that make a JSON object a message card (1.0 and 2.0 cards). */
const CARD_KEYS = ['elements', 'i18n_elements', 'header', 'i18n_header', 'body', 'schema'] as const;

/** Issues listed in one error message; more than this is noise. */
const MAX_ISSUES_IN_MESSAGE = 3;

// ---------------------------------------------------------------------------------------------
// small helpers

type Path = Array<string | number>;
interface Issue { path: Path; message: string }

const list = (xs: readonly string[]): string => xs.join(', ');

/** A short, one-line rendering of a bad value for an error message. */
function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}


/** "is required" vs "must be a string" for a required, non-empty string field. */
function requiredString(what: string): z.ZodString {
  return z
    .string({
      error: (iss) =>
        iss.input === undefined || iss.input === null
          ? `is required (${what})`
          : `must be a string, got ${kindOf(iss.input)} (${what})`,
    })
    .min(1, { error: `must not be empty (${what})` });
}

// ---------------------------------------------------------------------------------------------
// content shapes, one per contentType

type ContentCheck = (obj: Record<string, unknown>) => Issue[];

/** Runs a zod object schema on the parsed content and maps its issues under `content.`. */
function zodCheck(schema: z.ZodType): ContentCheck {
  return (obj) => {
    const r = schema.safeParse(obj);
    return r.success ? [] : r.error.issues.map((i) => ({ path: i.path as Path, message: i.message }));
  };
}

const textContent = z.looseObject({
  text: requiredString('text messages need {"text":"hello"}'),
});
const shareChatContent = z.looseObject({
  chat_id: requiredString('share_chat messages need {"chat_id":"oc_..."}'),
});
const shareUserContent = z.looseObject({
  user_id: requiredString('share_user messages need {"user_id":"ou_..."}'),
});

const POST_EXAMPLE = '{"zh_cn":{"title":"T","content":[[{"tag":"text","text":"hi"}]]}}';

const checkPost: ContentCheck = (obj) => {
  // Lark accepts both {"zh_cn": {...}} and {"post": {"zh_cn": {...}}}.
  let root = obj;
  let prefix: Path = [];
  if (isRecord(obj.post)) {
    root = obj.post;
    prefix = ['post'];
  } else if ('post' in obj) {
    return [{ path: ['post'], message: `must be an object of locales, e.g. {"post":${POST_EXAMPLE}}` }];
  }
  const locales = Object.keys(root).filter((k) => LOCALE_LIKE.test(k));
  if (locales.length === 0) {
    const hint = 'content' in root || 'title' in root ? ' (title/content must sit inside a locale)' : '';
    return [{
      path: prefix,
      message: `post needs at least one locale (${list(POST_LOCALES)})${hint}, e.g. ${POST_EXAMPLE}`,
    }];
  }
  const issues: Issue[] = [];
  for (const loc of locales) {
    const p: Path = [...prefix, loc];
    const body = root[loc];
    if (!isRecord(body)) {
      issues.push({ path: p, message: `must be an object {"title":"...","content":[[...]]}, got ${kindOf(body)}` });
      continue;
    }
    if (body.title !== undefined && typeof body.title !== 'string') {
      issues.push({ path: [...p, 'title'], message: `must be a string when given, got ${kindOf(body.title)}` });
    }
    const paragraphs = body.content;
    if (!Array.isArray(paragraphs)) {
      issues.push({
        path: [...p, 'content'],
        message: `${paragraphs === undefined ? 'is required' : `must be an array, got ${kindOf(paragraphs)}`}: an array of paragraphs, each an array of elements like {"tag":"text","text":"hi"}`,
      });
      continue;
    }
    paragraphs.forEach((para, i) => {
      if (!Array.isArray(para)) {
        issues.push({ path: [...p, 'content', i], message: `must be an array of elements (a paragraph), got ${kindOf(para)}` });
        return;
      }
      para.forEach((el, j) => {
        const ep: Path = [...p, 'content', i, j];
        if (!isRecord(el)) {
          issues.push({ path: ep, message: `must be an element object like {"tag":"text","text":"hi"}, got ${kindOf(el)}` });
        } else if (typeof el.tag !== 'string' || el.tag === '') {
          issues.push({ path: [...ep, 'tag'], message: 'is required: a string such as text, a, at, img, media, emotion, code_block, hr, md' });
        } else if (el.tag === 'img') {
          for (const i of postImageIssues(el)) issues.push({ path: [...ep, ...i.path], message: i.message });
        }
      });
    });
  }
  return issues;
};

const checkInteractive: ContentCheck = (obj) => {
  const type = obj.type;
  if (type === 'template' || type === 'card') {
    const idKey = type === 'template' ? 'template_id' : 'card_id';
    const example = type === 'template'
      ? '{"type":"template","data":{"template_id":"AAq...","template_variable":{}}}'
      : '{"type":"card","data":{"card_id":"7355..."}}';
    if (!isRecord(obj.data)) {
      return [{ path: ['data'], message: `is required for a ${type} card: an object, e.g. ${example}` }];
    }
    const id = obj.data[idKey];
    if (typeof id !== 'string' || id.trim() === '') {
      return [{ path: ['data', idKey], message: `is required: a non-empty string, e.g. ${example}` }];
    }
    return [];
  }
  const present = CARD_KEYS.filter((k) => obj[k] !== undefined);
  if (present.length === 0) {
    if (type !== undefined) {
      return [{ path: ['type'], message: `${show(type)} is not allowed; use "template" or "card", or send the card JSON itself` }];
    }
    const hint = isRecord(obj.card) ? ' (send the card JSON itself, not wrapped in {"card": ...})' : '';
    return [{
      path: [],
      message: `is not a card${hint}: expected a card JSON with one of ${list(CARD_KEYS)}, or {"type":"template","data":{"template_id":"..."}}, or {"type":"card","data":{"card_id":"..."}}`,
    }];
  }
  const issues: Issue[] = [];
  if (obj.elements !== undefined && !Array.isArray(obj.elements)) {
    issues.push({ path: ['elements'], message: `must be an array of card elements, got ${kindOf(obj.elements)}` });
  }
  for (const k of ['i18n_elements', 'header', 'i18n_header', 'body'] as const) {
    if (obj[k] !== undefined && !isRecord(obj[k])) {
      issues.push({ path: [k], message: `must be an object, got ${kindOf(obj[k])}` });
    }
  }
  if (obj.schema !== undefined && typeof obj.schema !== 'string') {
    issues.push({ path: ['schema'], message: `must be a string such as "2.0", got ${kindOf(obj.schema)}` });
  }
  return issues.length > 0 ? issues : cardImageIssues(obj);
};

const CONTENT_CHECKS: Record<ContentType, ContentCheck> = {
  text: zodCheck(textContent),
  post: checkPost,
  image: checkImageContent,
  interactive: checkInteractive,
  share_chat: zodCheck(shareChatContent),
  share_user: zodCheck(shareUserContent),
  audio: (obj) => checkFileContent('audio', obj),
  media: checkMediaContent,
  file: (obj) => checkFileContent('file', obj),
  sticker: (obj) => checkFileContent('sticker', obj),
};

/** Issues of a content string's shape for a contentType (the size is the whole body's: sizeProblem). */
export function checkContent(contentType: ContentType, content: string): Issue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (e) {
    const detail = e instanceof Error ? e.message.replace(/\s+/g, ' ').slice(0, 100) : '';
    return [{ path: [], message: `is not valid JSON (${detail}); give a JSON object string such as {"text":"hello"}, or an object` }];
  }
  if (!isRecord(parsed)) {
    return [{ path: [], message: `must be a JSON object, got ${kindOf(parsed)}; e.g. {"text":"hello"} for text` }];
  }
  // The common case without a zod run: what textContent accepts, exactly (a non-empty string `text`).
  const textOk = contentType === 'text' && typeof parsed.text === 'string' && parsed.text !== '';
  const issues = textOk ? [] : CONTENT_CHECKS[contentType](parsed);
  if (issues.length > 0) return issues;
  return [];
}

// ---------------------------------------------------------------------------------------------
// the record body

const trimLower = (v: unknown): unknown => (typeof v === 'string' ? v.trim().toLowerCase() : v);
const nullToUndefined = (v: unknown): unknown => (v === null ? undefined : v);

const receiveTypeSchema = z.preprocess(
  trimLower,
  z.enum(RECEIVE_TYPES, {
    error: (iss) =>
      iss.input === undefined || iss.input === null
        ? `is required; use one of ${list(RECEIVE_TYPES)}`
        : `${show(iss.input)} is not allowed; use one of ${list(RECEIVE_TYPES)}`,
  }),
);

// A phone column often arrives as a number: accept integers and read them as digits.
const receiveIdSchema = z.preprocess(
  (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v),
  z
    .string({
      error: (iss) =>
        iss.input === undefined || iss.input === null
          ? 'is required: the open_id (user), email, mobile number (phone) or chat_id (chat) of the receiver'
          : `must be a string, got ${kindOf(iss.input)}`,
    })
    .trim()
    .min(1, { error: 'must not be empty: give the open_id, email, mobile number or chat_id of the receiver' }),
);

const contentTypeSchema = z.preprocess(
  (v) => trimLower(nullToUndefined(v)),
  z
    .enum(CONTENT_TYPES, {
      error: (iss) => `${show(iss.input)} is not a Lark msg_type; use one of ${list(CONTENT_TYPES)} (default text)`,
    })
    .default('text'),
);

const contentSchema = z.preprocess(
  (v) => (isRecord(v) ? JSON.stringify(v) : v),
  z
    .string({
      error: (iss) =>
        iss.input === undefined || iss.input === null
          ? 'is required: a JSON object string (or an object), e.g. {"text":"hello"}'
          : `must be a JSON object string or an object, got ${kindOf(iss.input)}`,
    })
    .min(1, { error: 'must not be empty: a JSON object string (or an object), e.g. {"text":"hello"}' }),
);

const uuidSchema = z.preprocess(
  (v) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v),
  z
    .string({ error: (iss) => `must be a string of at most ${UUID_MAX_LENGTH} characters, got ${kindOf(iss.input)}` })
    .trim()
    .max(UUID_MAX_LENGTH, {
      error: (iss) => `must be at most ${UUID_MAX_LENGTH} characters (Lark's limit), got ${String((iss.input as string).length)}`,
    })
    .optional(),
);

// Basic shape only: Lark is the judge of whether the address exists.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const TOO_LARGE = 'CONTENT_TOO_LARGE';

/** Record body schema. Unknown extra fields are dropped; content is checked per contentType + size. */
export const messageBodySchema = z
  .object({
    receiveType: receiveTypeSchema,
    receiveId: receiveIdSchema,
    contentType: contentTypeSchema,
    content: contentSchema,
    uuid: uuidSchema,
  })
  .superRefine((body, ctx) => {
    // Zod skips this when a field failed, but stay safe against partial bodies.
    if (typeof body.receiveId !== 'string' || typeof body.content !== 'string' || !(body.contentType in CONTENT_CHECKS)) return;
    if (body.receiveType === 'email' && !EMAIL_SHAPE.test(body.receiveId)) {
      ctx.addIssue({ code: 'custom', path: ['receiveId'], message: `${show(body.receiveId)} is not an email address (name@example.com)` });
    }
    if (body.receiveType === 'phone' && !PHONE_SHAPE.test(body.receiveId.replace(/[\s\-().]/g, ''))) {
      ctx.addIssue({
        code: 'custom',
        path: ['receiveId'],
        message: `${show(body.receiveId)} is not a mobile number: digits, optionally with +country code (e.g. 13800000000 or +1 415 555 0100)`,
      });
    }
    const shape = checkContent(body.contentType, body.content);
    for (const issue of shape) ctx.addIssue({ code: 'custom', path: ['content', ...issue.path], message: issue.message });
    const tooLarge = shape.length === 0 ? sizeProblem(body as MessageBody) : undefined;
    if (tooLarge) ctx.addIssue({ code: 'custom', path: ['content'], message: tooLarge, params: { code: TOO_LARGE } });
  }) satisfies z.ZodType<MessageBody>;

function toValidationError(issues: readonly z.core.$ZodIssue[]): ValidationError {
  const first = issues[0];
  const tooLarge = issues.some((i) => i.code === 'custom' && (i.params as { code?: string } | undefined)?.code === TOO_LARGE);
  const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((i) => {
    const f = formatPath(i.path);
    return `${f === '' ? '(body)' : f}: ${i.message}`;
  });
  if (issues.length > MAX_ISSUES_IN_MESSAGE) shown.push(`(and ${issues.length - MAX_ISSUES_IN_MESSAGE} more)`);
  const field = first ? formatPath(first.path) : undefined;
  return new ValidationError({
    code: tooLarge ? 'CONTENT_TOO_LARGE' : 'MESSAGE_INVALID',
    message: shown.join(' | ').replace(/[\r\n]+/g, ' '),
    ...(field ? { field } : {}),
  });
}

const BODY_KEYS = ['receiveType', 'receiveId', 'contentType', 'content', 'uuid'] as const;

/**
 * A record that failed validation and has a key that is a misspelling of a body key it lacks
 * ("contenttype" for contentType) names that first: it is the likely cause of the error that follows.
 */
function withMisspeltKeys(value: Record<string, unknown>, error: ValidationError): ValidationError {
  const hints: string[] = [];
  for (const key of Object.keys(value)) {
    if ((BODY_KEYS as readonly string[]).includes(key)) continue;
    const near = nearestName(key, BODY_KEYS);
    if (near && !(near in value)) hints.push(`${key} is not a record key: did you mean ${near}?`);
  }
  if (hints.length === 0) return error;
  return new ValidationError({
    code: error.code,
    message: `${hints.join(' | ')} | ${error.message}`,
    ...(error.field !== undefined ? { field: error.field } : {}),
  });
}

function inputInvalid(message: string): ValidationError {
  return new ValidationError({ code: 'INPUT_INVALID', message });
}

const RECEIVE_TYPE_SET: ReadonlySet<string> = new Set(RECEIVE_TYPES);
const CONTENT_TYPE_SET: ReadonlySet<string> = new Set(CONTENT_TYPES);

/**
 * The body messageBodySchema would produce, for the common shape it certainly accepts (fields already in
 * their normal form, content a string that passes checkContent); undefined for anything else, which then
 * goes through zod for its result and its error messages. A zod run cost ~15% of a million-record dry run.
 */
function parseCommonBody(value: Record<string, unknown>): MessageBody | undefined {
  const { receiveType, receiveId, contentType: rawContentType, content, uuid: rawUuid } = value;
  if (typeof receiveType !== 'string' || !RECEIVE_TYPE_SET.has(receiveType)) return undefined;
  if (typeof receiveId !== 'string') return undefined;
  const id = receiveId.trim();
  if (id === '') return undefined;
  const contentType = rawContentType === undefined || rawContentType === null ? 'text' : rawContentType;
  if (typeof contentType !== 'string' || !CONTENT_TYPE_SET.has(contentType)) return undefined;
  if (typeof content !== 'string' || content === '') return undefined;
  let uuid: string | undefined;
  if (typeof rawUuid === 'string') {
    uuid = rawUuid.trim();
    if (uuid === '') uuid = undefined;
    else if (uuid.length > UUID_MAX_LENGTH) return undefined;
  } else if (rawUuid !== undefined && rawUuid !== null) {
    return undefined;
  }
  // The superRefine checks of messageBodySchema, in the same terms.
  if (receiveType === 'email' && !EMAIL_SHAPE.test(id)) return undefined;
  if (receiveType === 'phone' && !PHONE_SHAPE.test(id.replace(/[\s\-().]/g, ''))) return undefined;
  if (checkContent(contentType as ContentType, content).length > 0) return undefined;
  const message: MessageBody = {
    receiveType: receiveType as ReceiveType,
    receiveId: id,
    contentType: contentType as ContentType,
    content,
    ...(uuid !== undefined ? { uuid } : {}),
  };
  return sizeProblem(message) === undefined ? message : undefined;
}

/** Never throws. value = one parsed JSON value (should be an object). */
export function parseMessageBody(value: unknown): ParseResult {
  try {
    if (!isRecord(value)) {
      return {
        ok: false,
        error: inputInvalid(`record: expected a message object {receiveType, receiveId, contentType, content}, got ${kindOf(value)}`),
      };
    }
    const common = parseCommonBody(value);
    if (common) return { ok: true, message: common };
    const r = messageBodySchema.safeParse(value);
    if (r.success) {
      const m = r.data;
      const message: MessageBody = {
        receiveType: m.receiveType,
        receiveId: m.receiveId,
        contentType: m.contentType,
        content: m.content,
        ...(m.uuid !== undefined ? { uuid: m.uuid } : {}),
      };
      return { ok: true, message };
    }
    return { ok: false, error: withMisspeltKeys(value, toValidationError(r.error.issues)) };
  } catch (e) {
    // e.g. a getter that throws, or a cyclic object in `content`
    return { ok: false, error: inputInvalid(`record: could not be read (${e instanceof Error ? e.message : String(e)})`) };
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
