/** im/v1/images and im/v1/files: uploads (multipart) whose keys images, files, audio and media messages carry. */
import { dataOf, malformed, type Endpoint } from './endpoint.js';
import { LARK_PATHS as PATHS, SCOPES } from '../../core/vocabulary.js';

/** An image for im/v1/images: its bytes and the file name its part carries. */
export interface ImageUpload {
  bytes: Buffer;
  fileName: string;
}

/** A file for im/v1/files; fileType is Lark's (opus, mp4, pdf, doc, xls, ppt, stream). */
export interface FileUpload {
  bytes: Buffer;
  fileName: string;
  fileType: string;
  durationMs?: number;
}

function keyOf(field: 'image_key' | 'file_key', op: string) {
  return (res: Parameters<Endpoint<unknown, string>['parse']>[0]): string => {
    const key = dataOf<Record<string, unknown>>(res)?.[field];
    if (typeof key !== 'string' || key === '') throw malformed(op, res.logId);
    return key;
  };
}

export const uploadImage: Endpoint<ImageUpload, string> = {
  op: 'upload_image',
  pacer: 'upload',
  request: (req) => ({
    method: 'POST',
    path: PATHS.images,
    multipart: [
      { name: 'image_type', value: 'message' },
      { name: 'image', data: req.bytes, fileName: req.fileName },
    ],
    scope: SCOPES.upload,
  }),
  parse: keyOf('image_key', 'upload_image'),
};

export const uploadFile: Endpoint<FileUpload, string> = {
  op: 'upload_file',
  pacer: 'upload',
  request: (req) => ({
    method: 'POST',
    path: PATHS.files,
    multipart: [
      { name: 'file_type', value: req.fileType },
      { name: 'file_name', value: req.fileName },
      ...(req.durationMs !== undefined ? [{ name: 'duration', value: String(req.durationMs) }] : []),
      { name: 'file', data: req.bytes, fileName: req.fileName },
    ],
    scope: SCOPES.upload,
  }),
  parse: keyOf('file_key', 'upload_file'),
};
