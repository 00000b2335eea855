/**
 * The upload stage: a message whose content holds sources (see sources.ts) gets each source fetched,
 * checked (size, not empty, image format, file_type; audio opus, media mp4), uploaded once per distinct
 * bytes and replaced by its key. Concurrent messages with the same bytes share one upload; a key already in
 * the store (this run, the --state journal, Redis) is not uploaded again. A bad source fails its message
 * with MEDIA_INVALID naming the source and the reason; nothing is sent for it.
 *
 * The dry-run's plan() does the same fetching and checks and shows what would be uploaded, with a
 * placeholder key in the message, and uploads nothing.
 */
import { createHash } from 'node:crypto';
import { isRecord } from '../../core/is-record.js';
import type { FileUpload, ImageUpload } from '../../lark/endpoints/media.js';
import type { MessageBody } from '../../message/schema.js';
import { bytesProblem, defaultFileName, fileTypeOf, imageFormat, type FileType, type ImageFormat } from './bytes.js';
import { describeSource, mediaError, type MediaFetcher } from './fetch.js';
import { mayHoldSource, mediaSlots, type MediaSlot } from './sources.js';
import { uploadId, type UploadKeyStore } from './upload-keys.js';


/** The two upload calls (the Lark client's im/v1/images and im/v1/files). */
export interface MediaUploader {
  uploadImage(req: ImageUpload, options?: { signal?: AbortSignal }): Promise<string>;
  uploadFile(req: FileUpload, options?: { signal?: AbortSignal }): Promise<string>;
}

/** One upload as the dry-run shows it. */
export interface PlannedUpload {
  source: string;
  field: string;
  upload: 'image' | 'file';
  bytes: number;
  sha256: string;
  fileType?: FileType;
  format?: ImageFormat;
  fileName?: string;
  /** The key the message shows: a placeholder (dry-run) for the key the upload would give. */
  key: string;
  /** data: URI of the image for a preview (only when asked for, and small enough). */
  thumbnail?: string;
}

export interface MediaStageOptions {
  fetcher: MediaFetcher;
  /** Needed to upload (not for plan()). */
  uploader?: MediaUploader;
  keys: UploadKeyStore;
  /** plan(): attach a data: URI thumbnail to images up to this many bytes (console previews). */
  thumbnailMaxBytes?: number;
}

interface Loaded {
  slot: MediaSlot;
  bytes: Buffer;
  sha256: string;
  upload: 'image' | 'file';
  fileType?: FileType;
  format?: ImageFormat;
  fileName: string;
  id: string;
}

export class MediaStage {
  /** Uploads under way (or done) in this process, by upload id: the same bytes share one. */
  private readonly inflight = new Map<string, Promise<string>>();
  private uploadCount = 0;

  constructor(private readonly options: MediaStageOptions) {}

  /** Uploads made by this stage (a key found in the store is not one). */
  get uploads(): number {
    return this.uploadCount;
  }

  /** Whether the message may need this stage (cheap; a false answer is certain). */
  applies(message: MessageBody): boolean {
    return mayHoldSource(message.contentType, message.content);
  }

  /** The message with every source replaced by its uploaded key. Throws MEDIA_INVALID or the upload's error. */
  async prepare(message: MessageBody, signal?: AbortSignal): Promise<MessageBody> {
    const parsed = parseContent(message);
    const slots = parsed ? mediaSlots(message.contentType, parsed) : [];
    if (slots.length === 0) return message;
    const loaded = await Promise.all(slots.map((s) => this.load(s, signal)));
    const keys = await Promise.all(loaded.map((l) => this.keyOf(l, signal)));
    loaded.forEach((l, i) => l.slot.put(keys[i]!));
    return { ...message, content: JSON.stringify(parsed) };
  }

  /** Dry-run: what prepare() would upload, and the content with placeholder keys. Uploads nothing. */
  async plan(message: MessageBody, signal?: AbortSignal): Promise<{ content: string; uploads: PlannedUpload[] }> {
    const parsed = parseContent(message);
    const slots = parsed ? mediaSlots(message.contentType, parsed) : [];
    if (slots.length === 0) return { content: message.content, uploads: [] };
    const loaded = await Promise.all(slots.map((s) => this.load(s, signal)));
    const uploads = loaded.map((l): PlannedUpload => {
      const key = `${l.upload === 'image' ? 'img' : 'file'}_dryrun_${l.sha256.slice(0, 16)}`;
      l.slot.put(key);
      const planned: PlannedUpload = {
        source: describeSource(l.slot.source),
        field: l.slot.field,
        upload: l.upload,
        bytes: l.bytes.length,
        sha256: l.sha256,
        ...(l.fileType ? { fileType: l.fileType } : {}),
        ...(l.format ? { format: l.format } : {}),
        ...(l.upload === 'file' ? { fileName: l.fileName } : {}),
        key,
      };
      const max = this.options.thumbnailMaxBytes;
      if (l.format && max !== undefined && l.bytes.length <= max) {
        planned.thumbnail = `data:image/${l.format};base64,${l.bytes.toString('base64')}`;
      }
      return planned;
    });
    return { content: JSON.stringify(parsed), uploads };
  }

  private async load(slot: MediaSlot, signal: AbortSignal | undefined): Promise<Loaded> {
    const fetched = await this.options.fetcher.fetch(slot.source, slot.kind, signal);
    const bytes = fetched.bytes;
    const name = slot.fileName ?? fetched.name;
    const upload = slot.kind === 'image' ? 'image' : 'file';
    const fileType = upload === 'file' ? fileTypeOf(bytes, name) : undefined;
    const problem = bytesProblem(slot.kind, bytes, fileType);
    if (problem) throw mediaError(slot.source, problem, slot.field);
    const format = upload === 'image' ? imageFormat(bytes) : undefined;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return {
      slot,
      bytes,
      sha256,
      upload,
      ...(fileType ? { fileType } : {}),
      ...(format ? { format } : {}),
      fileName: name && name.trim() !== '' ? name : defaultFileName(slot.kind, fileType, format),
      id: uploadId(upload, sha256, fileType),
    };
  }

  /** The key of the bytes: in flight here, in the store, or uploaded now (once). */
  private keyOf(l: Loaded, signal: AbortSignal | undefined): Promise<string> {
    const running = this.inflight.get(l.id);
    if (running) return running;
    const started = this.findOrUpload(l, signal);
    this.inflight.set(l.id, started);
    // A failed upload is not remembered: a later message with the same bytes tries again.
    started.catch(() => this.inflight.delete(l.id));
    return started;
  }

  private async findOrUpload(l: Loaded, signal: AbortSignal | undefined): Promise<string> {
    const known = await this.options.keys.get(l.id);
    if (known !== undefined) return known;
    const uploader = this.options.uploader;
    if (!uploader) throw new Error('MediaStage needs an uploader to upload');
    const key =
      l.upload === 'image'
        ? await uploader.uploadImage({ bytes: l.bytes, fileName: l.fileName }, signal ? { signal } : {})
        : await uploader.uploadFile(
            {
              bytes: l.bytes,
              fileName: l.fileName,
              fileType: l.fileType ?? 'stream',
              ...(l.slot.durationMs !== undefined ? { durationMs: l.slot.durationMs } : {}),
            },
            signal ? { signal } : {},
          );
    this.uploadCount++;
    await this.options.keys.set(l.id, key);
    return key;
  }
}

function parseContent(message: MessageBody): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(message.content);
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
