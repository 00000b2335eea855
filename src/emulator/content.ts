/** The shape check of each msg_type's `content` string, as Lark judges it. */
import { LARK_MSG_TYPES, type LarkMsgType as MsgType, type PostTag } from '../core/vocabulary.js';

const MSG_TYPE_SET: ReadonlySet<string> = new Set(LARK_MSG_TYPES);
export function isMsgType(v: string): v is MsgType {
  return MSG_TYPE_SET.has(v);
}

/** Request-body byte limits: text 150 KB; post and interactive 30 KB (230025 over). */
export function bodyLimitBytes(msgType: MsgType): number {
  return msgType === 'post' || msgType === 'interactive' ? 30 * 1024 : 150 * 1024;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Returns why `content` does not fit `msgType`, or undefined when it does. */
export function contentProblem(msgType: MsgType, content: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return 'content is not valid JSON';
  }
  if (!isObj(value)) return 'content must be a JSON object';
  switch (msgType) {
    case 'text':
      return isStr(value['text']) ? undefined : 'text content needs a non-empty "text" string';
    case 'post':
      return postProblem(value);
    case 'image':
      return isStr(value['image_key']) ? undefined : 'image content needs "image_key"';
    case 'audio':
    case 'file':
    case 'sticker':
      return isStr(value['file_key']) ? undefined : `${msgType} content needs "file_key"`;
    case 'media':
      if (!isStr(value['file_key'])) return 'media content needs "file_key"';
      return value['image_key'] === undefined || isStr(value['image_key']) ? undefined : 'media "image_key" must be a string';
    case 'interactive':
      return cardProblem(value);
    case 'share_chat':
      return isStr(value['chat_id']) ? undefined : 'share_chat content needs "chat_id"';
    case 'share_user':
      return isStr(value['user_id']) ? undefined : 'share_user content needs "user_id"';
  }
}

const LOCALE = /^[a-z]{2}_[a-z]{2}$/;

function postProblem(value: Obj): string | undefined {
  const root = isObj(value['post']) ? value['post'] : value;
  const locales = Object.entries(root).filter(([k]) => LOCALE.test(k));
  if (locales.length === 0) return 'post content needs a locale (zh_cn, en_us, ja_jp, ...)';
  for (const [locale, body] of locales) {
    if (!isObj(body)) return `post ${locale} must be an object`;
    if (body['title'] !== undefined && typeof body['title'] !== 'string') return `post ${locale}.title must be a string`;
    const paragraphs = body['content'];
    if (!Array.isArray(paragraphs)) return `post ${locale}.content must be an array of paragraphs`;
    for (const p of paragraphs) {
      if (!Array.isArray(p)) return `post ${locale}.content paragraphs must be arrays`;
      for (const el of p) {
        if (!isObj(el) || !isStr(el['tag'])) return `post ${locale} elements need a "tag"`;
        const problem = postElementProblem(el);
        if (problem) return `post ${locale} ${problem}`;
      }
    }
  }
  return undefined;
}

/** Required fields of each post element tag Lark documents (text may be empty; unknown tags are refused). */
const POST_ELEMENT_FIELDS: Record<PostTag, readonly string[]> = {
  text: ['text'],
  a: ['text', 'href'],
  at: ['user_id'],
  img: ['image_key'],
  media: ['file_key'],
  emotion: ['emoji_type'],
  code_block: ['text'],
  hr: [],
  md: ['text'],
};
const POST_STYLES: ReadonlySet<string> = new Set(['bold', 'underline', 'lineThrough', 'italic']);

function postElementProblem(el: Obj): string | undefined {
  const tag = el['tag'] as string;
  if (!Object.hasOwn(POST_ELEMENT_FIELDS, tag)) return `element tag "${tag}" is not a post element`;
  const fields = POST_ELEMENT_FIELDS[tag as PostTag];
  for (const f of fields) if (typeof el[f] !== 'string') return `${tag} element needs a "${f}" string`;
  const style = el['style'];
  if (style !== undefined && !(Array.isArray(style) && style.every((x) => typeof x === 'string' && POST_STYLES.has(x)))) {
    return `${tag} element style must be a list of ${[...POST_STYLES].join(', ')}`;
  }
  return undefined;
}

function cardProblem(value: Obj): string | undefined {
  const data = value['data'];
  if (value['type'] === 'template') {
    return isObj(data) && isStr(data['template_id']) ? undefined : 'template card needs data.template_id';
  }
  if (value['type'] === 'card') {
    return isObj(data) && isStr(data['card_id']) ? undefined : 'card reference needs data.card_id';
  }
  if (value['schema'] !== undefined) return isObj(value['body']) ? undefined : 'card 2.0 needs a "body" object';
  if (Array.isArray(value['elements']) || isObj(value['header']) || isObj(value['i18n_elements'])) return undefined;
  return 'interactive content must be a card (elements / header / i18n_elements / schema+body) or a template';
}
