/**
 * Where a source may stand instead of a key, per content type, and how the key takes its place:
 *   image        {"image": SOURCE}                                  -> {"image_key": KEY}
 *   file / audio {"file": SOURCE, "file_name"?, "duration"?}        -> {"file_key": KEY}
 *   media        {"file": SOURCE, "image"?: SOURCE (cover), ...}    -> {"file_key": KEY, "image_key": KEY}
 *   post         {"tag": "img", "image": SOURCE}                    -> {"tag": "img", "image_key": KEY}
 *   interactive  any {"tag": "img", "image": SOURCE} element        -> {"tag": "img", "img_key": KEY}
 * The slots point into a parsed content object; put() writes the key there.
 */
import { isRecord } from '../../core/is-record.js';
import type { MediaKind } from './bytes.js';

export interface MediaSlot {
  source: string;
  kind: MediaKind;
  /** The file name the upload carries (file / audio / media). */
  fileName?: string;
  /** Milliseconds (audio / media uploads). */
  durationMs?: number;
  /** Where the source sits, e.g. content.image or content.zh_cn.content[0][1].image. */
  field: string;
  put(key: string): void;
}

/** Content types a source can appear in. */
const MEDIA_CONTENT_TYPES: ReadonlySet<string> = new Set(['image', 'file', 'audio', 'media', 'post', 'interactive']);
const SOURCE_KEY = /"(?:image|file)"\s*:/;

/** Cheap: whether a content string may hold a source (then mediaSlots tells exactly). */
export function mayHoldSource(contentType: string, content: string): boolean {
  return MEDIA_CONTENT_TYPES.has(contentType) && SOURCE_KEY.test(content);
}

/** The sources of a parsed content object (an empty list when it has none). */
export function mediaSlots(contentType: string, content: Record<string, unknown>): MediaSlot[] {
  switch (contentType) {
    case 'image':
      return typeof content.image === 'string' ? [keySlot(content, 'image', 'image_key', 'image', 'content.image')] : [];
    case 'file':
    case 'audio':
    case 'media': {
      const slots: MediaSlot[] = [];
      if (typeof content.file === 'string') slots.push(fileSlot(content, contentType));
      if (contentType === 'media' && typeof content.image === 'string') {
        slots.push(keySlot(content, 'image', 'image_key', 'image', 'content.image'));
      }
      return slots;
    }
    case 'post':
      return postSlots(content);
    case 'interactive':
      return cardSlots(content, 'content', []);
    default:
      return [];
  }
}

function keySlot(obj: Record<string, unknown>, from: string, to: string, kind: MediaKind, field: string): MediaSlot {
  return {
    source: obj[from] as string,
    kind,
    field,
    put(key) {
      delete obj[from];
      obj[to] = key;
    },
  };
}

function fileSlot(obj: Record<string, unknown>, kind: 'file' | 'audio' | 'media'): MediaSlot {
  const slot: MediaSlot = {
    source: obj.file as string,
    kind,
    field: 'content.file',
    put(key) {
      delete obj.file;
      delete obj.file_name;
      delete obj.duration;
      obj.file_key = key;
    },
  };
  if (typeof obj.file_name === 'string' && obj.file_name.trim() !== '') slot.fileName = obj.file_name.trim();
  if (typeof obj.duration === 'number') slot.durationMs = obj.duration;
  return slot;
}

function postSlots(content: Record<string, unknown>): MediaSlot[] {
  const root = isRecord(content.post) ? content.post : content;
  const prefix = isRecord(content.post) ? 'content.post' : 'content';
  const slots: MediaSlot[] = [];
  for (const [locale, body] of Object.entries(root)) {
    if (!isRecord(body) || !Array.isArray(body.content)) continue;
    body.content.forEach((para: unknown, i) => {
      if (!Array.isArray(para)) return;
      para.forEach((el: unknown, j) => {
        if (isRecord(el) && el.tag === 'img' && typeof el.image === 'string') {
          slots.push(keySlot(el, 'image', 'image_key', 'image', `${prefix}.${locale}.content[${i}][${j}].image`));
        }
      });
    });
  }
  return slots;
}

/** Every img element of a card (1.0 or 2.0, any depth) whose `image` is a source. */
function cardSlots(node: unknown, path: string, out: MediaSlot[]): MediaSlot[] {
  if (Array.isArray(node)) {
    node.forEach((x, i) => cardSlots(x, `${path}[${i}]`, out));
  } else if (isRecord(node)) {
    if (node.tag === 'img' && typeof node.image === 'string') out.push(keySlot(node, 'image', 'img_key', 'image', `${path}.image`));
    for (const [k, v] of Object.entries(node)) if (typeof v === 'object' && v !== null) cardSlots(v, `${path}.${k}`, out);
  }
  return out;
}
