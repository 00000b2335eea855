/**
 * The dry-run's send stage: the exact POST a message would become, without Lark. Phone receivers show the
 * number that a real run looks up (it needs the network, which a dry-run never uses).
 */
import type { MessageBody } from '../message/schema.js';
import { directReceiver, normalizePhone } from '../message/receivers.js';
import type { RenderedRequest, RenderedSend } from './report/outcome.js';
import { larkMsgType } from './msg-type.js';
import type { PlannedUpload } from './media/stage.js';
import { LARK_PATHS, RECEIVE_ID_TYPES, type ReceiveIdType } from '../core/vocabulary.js';

export function renderRequest(baseUrl: string, message: MessageBody, uuid: string, uploads?: PlannedUpload[]): RenderedSend {
  const direct = directReceiver(message);
  const receiveIdType = direct?.receiveIdType ?? 'open_id';
  const request: RenderedSend = {
    method: 'POST',
    url: cached(sendUrls, baseUrl, urlsOf)[receiveIdType],
    body: {
      receive_id: direct?.receiveId ?? null,
      msg_type: larkMsgType(message.contentType),
      content: message.content,
      uuid,
    },
  };
  if (!direct) request.lookup = { mobile: normalizePhone(message.receiveId) };
  // Media sources: the uploads a send would make first (the content shows placeholder keys).
  if (uploads && uploads.length > 0) request.uploads = uploads;
  return request;
}

/** A dry-run's outcome of a valid message: its request, with the uuid it gets (derived, or its own). */
export function renderedOutcome(baseUrl: string, line: number, index: number, message: MessageBody, uuid: string): ValidOutcome {
  const derived = message.uuid === undefined ? uuid : undefined;
  return new ValidOutcome(line, index, renderRequest(baseUrl, message, uuid), derived);
}

/** Entries a cache of this module keeps at most: a long-lived process (the console) sees many hosts. */
const SMALL_CACHE = 64;

/** A value made once per key: a run has a handful of keys, and each would cost a new string per message. */
function cached<T>(cache: Map<string, T>, key: string, make: (key: string) => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= SMALL_CACHE) cache.clear();
    value = make(key);
    cache.set(key, value);
  }
  return value;
}

/**
 * The send url of each receive_id_type, per base url: one string each for a whole run, not one per message,
 * so that reportLine finds the url's quoted form by the string itself.
 */
const sendUrls = new Map<string, Readonly<Record<ReceiveIdType, string>>>();
const urlsOf = (baseUrl: string): Readonly<Record<ReceiveIdType, string>> => {
  const url = (t: ReceiveIdType): string => `${baseUrl}${LARK_PATHS.messages}?receive_id_type=${t}`;
  return Object.fromEntries(RECEIVE_ID_TYPES.map((t) => [t, url(t)])) as Record<ReceiveIdType, string>;
};

/** The text between a POST line's index and its receive_id, by url: the url's JSON escaping is its cost. */
const postHeads = new Map<string, string>();
const postHeadOf = (url: string): string =>
  `,"status":"valid","request":{"method":"POST","url":${JSON.stringify(url)},"body":{"receive_id":`;

/** msg_type words as JSON strings (no escaping needed, but JSON.stringify would be a call per message). */
const quotedTypes = new Map<string, string>();
const quote = (s: string): string => JSON.stringify(s);

/**
 * A dry-run outcome: the same fields in the same order as a plain object literal (JSON, the report and the
 * console see no difference), and a class so that the report can tell that it has exactly this shape and
 * write its line without JSON.stringify walking three objects: the report line is a large part of a dry run.
 */
export class ValidOutcome {
  readonly line: number;
  readonly index: number;
  readonly status = 'valid' as const;
  readonly request: RenderedRequest;
  /** The body's uuid when it is a derived one (hex digits: its JSON is the digits in quotes). */
  readonly #hexUuid: string | undefined;

  constructor(line: number, index: number, request: RenderedRequest, hexUuid?: string) {
    this.line = line;
    this.index = index;
    this.request = request;
    this.#hexUuid = hexUuid;
  }

  /**
   * JSON.stringify(this) + '\n', byte for byte, for the shape renderRequest makes for a direct receiver;
   * undefined otherwise (a phone lookup, or fields changed to other types), and the caller stringifies.
   */
  reportLine(): string | undefined {
    const { line, index, request } = this;
    if (request.method !== 'POST') return undefined;
    const body = request.body;
    if (request.lookup !== undefined || request.uploads !== undefined || !Number.isSafeInteger(line) || !Number.isSafeInteger(index)) return undefined;
    const { receive_id: receiveId, msg_type: msgType, content, uuid } = body;
    if (typeof receiveId !== 'string' || typeof msgType !== 'string' || typeof content !== 'string' || typeof uuid !== 'string') {
      return undefined;
    }
    if (request.method !== 'POST' || typeof request.url !== 'string') return undefined;
    return postLine(line, index, request.url, receiveId, msgType, content, uuid, uuid === this.#hexUuid);
  }
}

/**
 * The report line of a valid message with a direct receiver, from the message itself: what
 * reportLine(renderedOutcome(...)) gives, without the outcome's three objects (the dry-run's block renderer
 * writes a million of these). Undefined for a receiver that needs a lookup (a phone): the outcome's JSON.
 */
export function directReportLine(baseUrl: string, line: number, index: number, message: MessageBody, uuid: string): string | undefined {
  const direct = directReceiver(message);
  if (!direct || !Number.isSafeInteger(line) || !Number.isSafeInteger(index)) return undefined;
  const url = cached(sendUrls, baseUrl, urlsOf)[direct.receiveIdType];
  return postLine(line, index, url, direct.receiveId, larkMsgType(message.contentType), message.content, uuid, message.uuid === undefined);
}

/**
 * JSON.stringify of a valid POST outcome + '\n', its fields in the outcome's order. hexUuid: the uuid is a
 * derived one (hex digits, nothing to escape).
 */
function postLine(line: number, index: number, url: string, receiveId: string, msgType: string, content: string, uuid: string, hexUuid: boolean): string {
  // q(line), not `${line}`: number-to-string conversion goes through V8's number-string cache, whose
  // entries (one per distinct line number) survive young-generation GCs, and enough survivors make V8
  // double the young generation (peak RSS). JSON.stringify writes the digits without caching them.
  const q = JSON.stringify;
  const head = cached(postHeads, url, postHeadOf);
  const type = cached(quotedTypes, msgType, quote);
  const quotedUuid = hexUuid ? `"${uuid}"` : q(uuid);
  const position = `{"line":${q(line)},"index":${index === 0 ? '0' : q(index)}`;
  return `${position}${head}${q(receiveId)},"msg_type":${type},"content":${q(content)},"uuid":${quotedUuid}}}}\n`;
}
