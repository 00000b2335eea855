/**
 * The emulator's im/v1/images and im/v1/files: multipart/form-data bodies, Lark's limits and codes (234006
 * too large, 234010 empty, 234011 not an image Lark takes), keys issued per app and kept with their bytes
 * (what a spec reads back to prove a message carries the key of exactly its bytes).
 */
import { createHash } from 'node:crypto';
import { FILE_LIMIT_BYTES, FILE_TYPES, IMAGE_LIMIT_BYTES, imageFormat } from '../pipeline/media/bytes.js';
import { FILE_KEY_SHAPE, IMAGE_KEY_SHAPE } from '../message/content/media.js';
import { fieldError, larkError, type Reply } from './reply.js';

/** Lark's multipart body may carry the file plus a few fields: the largest body the upload routes read. */
export const MAX_UPLOAD_BODY_BYTES = FILE_LIMIT_BYTES + 1024 * 1024;

export interface Part {
  data: Buffer;
  fileName?: string;
  contentType?: string;
}

export interface StoredUpload {
  key: string;
  appId: string;
  kind: 'image' | 'file';
  bytes: number;
  sha256: string;
  fileType?: string;
  fileName?: string;
  duration?: number;
  createTime: number;
}

/** multipart/form-data -> its parts by name; a string saying what is wrong when it cannot be read. */
export function parseMultipart(contentType: string | undefined, body: Buffer): Map<string, Part> | string {
  const m = /^multipart\/form-data\s*;.*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '');
  if (!m) return 'Content-Type must be multipart/form-data with a boundary';
  const boundary = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts = new Map<string, Part>();
  let at = body.indexOf(boundary);
  if (at < 0) return 'the multipart body has no boundary line';
  for (;;) {
    at += boundary.length;
    if (body.subarray(at, at + 2).toString() === '--') return parts;
    at += 2; // CRLF after the boundary
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) return 'a multipart part has no header end';
    const headers = body.subarray(at, headerEnd).toString('utf8');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), boundary]), headerEnd + 4);
    if (next < 0) return 'a multipart part has no closing boundary';
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1];
    const fileName = /content-disposition:[^\r\n]*\bfilename="([^"]*)"/i.exec(headers)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1];
    if (name !== undefined) {
      parts.set(name, {
        data: body.subarray(headerEnd + 4, next),
        ...(fileName !== undefined ? { fileName } : {}),
        ...(type !== undefined ? { contentType: type.trim() } : {}),
      });
    }
    at = next + 2;
  }
}

export class UploadStore {
  private readonly byKey = new Map<string, StoredUpload>();
  private seq = 0;

  /** Every upload, oldest first. */
  all(): StoredUpload[] {
    return [...this.byKey.values()];
  }

  get(key: string): StoredUpload | undefined {
    return this.byKey.get(key);
  }

  add(u: Omit<StoredUpload, 'key'>): StoredUpload {
    const n = (++this.seq).toString(16).padStart(8, '0');
    const key = `${u.kind === 'image' ? 'img' : 'file'}_v3_${n}_${u.sha256.slice(0, 24)}`;
    const stored = { ...u, key };
    this.byKey.set(key, stored);
    return stored;
  }

  clear(): void {
    this.byKey.clear();
  }
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** POST im/v1/images: image_type=message, image=<bytes>. */
export function imageUpload(store: UploadStore, appId: string, parts: Map<string, Part>, logId: string, now: number): Reply {
  const type = parts.get('image_type')?.data.toString('utf8');
  if (type !== 'message' && type !== 'avatar') return fieldError(logId, 'image_type', 'image_type is required: message or avatar');
  const image = parts.get('image');
  if (!image) return fieldError(logId, 'image', 'image is required');
  if (image.data.length === 0) return larkError(400, 234010, 'File content cannot be empty.', logId);
  if (image.data.length > IMAGE_LIMIT_BYTES) return larkError(400, 234006, 'The file size exceeds the limit.', logId);
  if (!imageFormat(image.data)) return larkError(400, 234011, "Can't recognize image format.", logId);
  const u = store.add({
    appId,
    kind: 'image',
    bytes: image.data.length,
    sha256: sha(image.data),
    ...(image.fileName !== undefined ? { fileName: image.fileName } : {}),
    createTime: now,
  });
  return { status: 200, body: { code: 0, msg: 'success', data: { image_key: u.key } } };
}

/** POST im/v1/files: file_type, file_name, duration?, file=<bytes>. */
export function fileUpload(store: UploadStore, appId: string, parts: Map<string, Part>, logId: string, now: number): Reply {
  const fileType = parts.get('file_type')?.data.toString('utf8');
  if (!fileType || !(FILE_TYPES as readonly string[]).includes(fileType)) {
    return fieldError(logId, 'file_type', `file_type is required, one of ${FILE_TYPES.join(' | ')}`);
  }
  const fileName = parts.get('file_name')?.data.toString('utf8');
  if (!fileName) return fieldError(logId, 'file_name', 'file_name is required');
  const durationText = parts.get('duration')?.data.toString('utf8');
  if (durationText !== undefined && !/^\d+$/.test(durationText)) return fieldError(logId, 'duration', 'duration must be an integer (ms)');
  const file = parts.get('file');
  if (!file) return fieldError(logId, 'file', 'file is required');
  if (file.data.length === 0) return larkError(400, 234010, 'File content cannot be empty.', logId);
  if (file.data.length > FILE_LIMIT_BYTES) return larkError(400, 234006, 'The file size exceeds the limit.', logId);
  const u = store.add({
    appId,
    kind: 'file',
    bytes: file.data.length,
    sha256: sha(file.data),
    fileType,
    fileName,
    ...(durationText !== undefined ? { duration: Number(durationText) } : {}),
    createTime: now,
  });
  return { status: 200, body: { code: 0, msg: 'success', data: { file_key: u.key } } };
}

/**
 * Why a key in a message is refused, or undefined: malformed keys as Lark refuses them, and keys this
 * emulator issued to another app (a key is the app's own). Keys it never issued pass (seeds, demos).
 */
export function keyRefusal(store: UploadStore, appId: string, key: string, kind: 'image' | 'file'): string | undefined {
  if (!(kind === 'image' ? IMAGE_KEY_SHAPE : FILE_KEY_SHAPE).test(key)) return `invalid ${kind}_key`;
  const owner = store.get(key)?.appId;
  if (owner !== undefined && owner !== appId) return `${kind}_key belongs to another app`;
  return undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The image and file keys a message's content carries (image, file, audio, media, sticker, post img, card img). */
export function contentKeys(msgType: string, content: string): Array<{ kind: 'image' | 'file'; key: string }> {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return [];
  }
  if (!isObj(value)) return [];
  const out: Array<{ kind: 'image' | 'file'; key: string }> = [];
  const add = (kind: 'image' | 'file', v: unknown) => {
    if (typeof v === 'string') out.push({ kind, key: v });
  };
  if (msgType === 'image' || msgType === 'media') add('image', value['image_key']);
  if (msgType === 'file' || msgType === 'audio' || msgType === 'media' || msgType === 'sticker') add('file', value['file_key']);
  if (msgType === 'post' || msgType === 'interactive') {
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (isObj(node)) {
        if (node['tag'] === 'img') add('image', node['image_key'] ?? node['img_key']);
        if (node['tag'] === 'media') add('file', node['file_key']);
        Object.values(node).forEach(walk);
      }
    };
    walk(value);
  }
  return out;
}
