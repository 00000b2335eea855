/**
 * The content checks of the types that carry uploaded keys (image, file, audio, media, sticker; a post's
 * img element; a card's img element): a key must look like one (img_..., file_...), and a source may stand
 * instead of it (src/pipeline/media/sources.ts). A URL or a path in a key field fails with the source form
 * to use instead. Lark refuses such keys too; here it fails before anything is sent, dry-run included.
 */
import { isRecord } from '../../core/is-record.js';
import type { Issue as ContentIssue, Path } from '../issue.js';

export const IMAGE_KEY_SHAPE = /^img_[A-Za-z0-9_-]+$/;
export const FILE_KEY_SHAPE = /^file_[A-Za-z0-9_-]+$/;

function looksLikeSource(v: string): string | undefined {
  if (/^https?:\/\//i.test(v)) return 'a URL';
  if (/^data:/i.test(v)) return 'a data: URI';
  if (/^(\.{0,2}\/|~\/|[A-Za-z]:\\)/.test(v) || /[/\\]/.test(v)) return 'a path';
  return undefined;
}

/** Why `value` is not a key of this shape, with the source form to use when it is a URL or a path. */
export function keyProblem(value: unknown, kind: 'image' | 'file', sourceHint: string): string | undefined {
  const shape = kind === 'image' ? IMAGE_KEY_SHAPE : FILE_KEY_SHAPE;
  const prefix = kind === 'image' ? 'img_' : 'file_';
  if (typeof value !== 'string' || value === '') return `must be a non-empty string: an ${kind} key (${prefix}...)`;
  if (shape.test(value)) return undefined;
  const source = looksLikeSource(value);
  if (source) return `is ${source}, not an ${kind} key (${prefix}...): use ${sourceHint} instead (uploaded for you)`;
  return `is not an ${kind} key (${prefix}... from the upload API; or use ${sourceHint} to have it uploaded)`;
}

function sourceProblem(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? undefined : 'must be a non-empty string: an http(s) URL, a data: URI or a local path';
}

/** image: {"image_key": "img_..."} or {"image": SOURCE}. */
export function checkImageContent(obj: Record<string, unknown>): ContentIssue[] {
  return keyOrSource(obj, 'image_key', 'image', 'image', '{"image": URL}', 'image messages need {"image_key":"img_..."} or {"image": URL, data: URI or path}');
}

/** file / audio / sticker (stickers have no source form): {"file_key": "file_..."} or {"file": SOURCE, ...}. */
export function checkFileContent(type: 'file' | 'audio' | 'sticker', obj: Record<string, unknown>): ContentIssue[] {
  if (type === 'sticker') {
    const p = keyProblem(obj.file_key, 'file', 'a sticker\'s file_key (stickers cannot be uploaded)');
    return p ? [{ path: ['file_key'], message: obj.file_key === undefined ? 'is required (sticker messages need {"file_key":"file_..."})' : p }] : [];
  }
  const issues = keyOrSource(obj, 'file_key', 'file', 'file', '{"file": URL}', `${type} messages need {"file_key":"file_..."} or {"file": URL, data: URI or path}`);
  return [...issues, ...fileExtrasIssues(obj)];
}

/** media: a file (key or source) and an optional cover (image_key or image). */
export function checkMediaContent(obj: Record<string, unknown>): ContentIssue[] {
  const issues = checkFileContent('audio', obj).map((i) =>
    i.path.length === 0 ? { ...i, message: 'media messages need {"file_key":"file_..."} or {"file": URL}, and optionally a cover image_key or image' } : i,
  );
  if (obj.image_key !== undefined && obj.image !== undefined) {
    issues.push({ path: ['image'], message: 'give the cover as image_key or as image (a source), not both' });
  } else if (obj.image_key !== undefined) {
    const p = keyProblem(obj.image_key, 'image', '{"image": URL} for the cover');
    if (p) issues.push({ path: ['image_key'], message: p });
  } else if (obj.image !== undefined) {
    const p = sourceProblem(obj.image);
    if (p) issues.push({ path: ['image'], message: p });
  }
  return issues;
}

function keyOrSource(
  obj: Record<string, unknown>,
  keyField: string,
  sourceField: string,
  kind: 'image' | 'file',
  hint: string,
  required: string,
): ContentIssue[] {
  const key = obj[keyField];
  const source = obj[sourceField];
  if (key !== undefined && source !== undefined) {
    return [{ path: [sourceField], message: `give ${keyField} or ${sourceField} (a source), not both` }];
  }
  if (source !== undefined) {
    const p = sourceProblem(source);
    return p ? [{ path: [sourceField], message: p }] : [];
  }
  if (key === undefined || key === null) return [{ path: [keyField], message: `is required (${required})` }];
  const p = keyProblem(key, kind, hint);
  return p ? [{ path: [keyField], message: p }] : [];
}

function fileExtrasIssues(obj: Record<string, unknown>): ContentIssue[] {
  const issues: ContentIssue[] = [];
  if (obj.file_name !== undefined && (typeof obj.file_name !== 'string' || obj.file_name.trim() === '')) {
    issues.push({ path: ['file_name'], message: 'must be a non-empty string when given (the name the file is uploaded with)' });
  }
  if (obj.duration !== undefined && !(typeof obj.duration === 'number' && Number.isSafeInteger(obj.duration) && obj.duration >= 0)) {
    issues.push({ path: ['duration'], message: 'must be a whole number of milliseconds when given' });
  }
  return issues;
}

/** A post img element: image_key (a key) or image (a source). */
export function postImageIssues(el: Record<string, unknown>): ContentIssue[] {
  return keyOrSource(el, 'image_key', 'image', 'image', '{"tag":"img","image": URL}', 'an img element needs "image_key" or "image"');
}

/**
 * Every img element of a card, at any depth: img_key (a key) or image (a source). `path` is the walk's own
 * stack, copied only into an issue: every card of a run is walked, and almost none has an issue.
 */
export function cardImageIssues(node: unknown, path: Path = [], out: ContentIssue[] = []): ContentIssue[] {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const x: unknown = node[i];
      if (typeof x !== 'object' || x === null) continue;
      path.push(i);
      cardImageIssues(x, path, out);
      path.pop();
    }
  } else if (isRecord(node)) {
    if (node.tag === 'img') {
      const issues = keyOrSource(node, 'img_key', 'image', 'image', '{"tag":"img","image": URL}', 'an img element needs "img_key" or "image"');
      for (const i of issues) out.push({ path: [...path, ...i.path], message: i.message });
    }
    for (const k in node) {
      const v = node[k];
      if (typeof v !== 'object' || v === null || !Object.hasOwn(node, k)) continue;
      path.push(k);
      cardImageIssues(v, path, out);
      path.pop();
    }
  }
  return out;
}
