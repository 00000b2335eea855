/**
 * The dry-run's send stage: the exact POST a message would become, without Lark. Phone receivers show the
 * number that a real run looks up (it needs the network, which a dry-run never uses).
 */
import type { MessageBody } from '../message/schema.js';
import { directReceiver, normalizePhone } from '../message/receivers.js';
import type { RenderedRequest, RenderedSend } from './report/outcome.js';
import { larkMsgType } from './msg-type.js';
import type { PlannedUpload } from './media/stage.js';
import { LARK_PATHS } from '../core/vocabulary.js';

export function renderRequest(baseUrl: string, message: MessageBody, uuid: string, uploads?: PlannedUpload[]): RenderedSend {
  const direct = directReceiver(message);
  const receiveIdType = direct?.receiveIdType ?? 'open_id';
  const request: RenderedSend = {
    method: 'POST',
    url: `${baseUrl}${LARK_PATHS.messages}?receive_id_type=${receiveIdType}`,
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

  constructor(line: number, index: number, request: RenderedRequest) {
    this.line = line;
    this.index = index;
    this.request = request;
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
    // q(line), not `${line}`: number-to-string conversion goes through V8's number-string cache, whose
    // entries (one per distinct line number) survive young-generation GCs, and enough survivors make V8
    // double the young generation (peak RSS). JSON.stringify writes the digits without caching them.
    const q = JSON.stringify;
    return `{"line":${q(line)},"index":${q(index)},"status":"valid","request":{"method":"POST","url":${q(request.url)},"body":{"receive_id":${q(receiveId)},"msg_type":${q(msgType)},"content":${q(content)},"uuid":${q(uuid)}}}}\n`;
  }
}
