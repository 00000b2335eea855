/**
 * What an upload's bytes are, read from the bytes themselves: an image's format by its magic numbers, a
 * file's Lark file_type (opus, mp4, pdf, doc, xls, ppt, else stream), and Lark's limits (image 10 MB, file
 * 30 MB, never empty). Checked before anything is uploaded, so Lark never sees what it would refuse.
 */
import { extname } from 'node:path';

export const IMAGE_LIMIT_BYTES = 10 * 1024 * 1024;
export const FILE_LIMIT_BYTES = 30 * 1024 * 1024;

/** Lark's file_type values for im/v1/files. */
export const FILE_TYPES = ['opus', 'mp4', 'pdf', 'doc', 'xls', 'ppt', 'stream'] as const;
export type FileType = (typeof FILE_TYPES)[number];

/** What a slot needs: an image, or a file of any type, or the audio / video a message type demands. */
export type MediaKind = 'image' | 'file' | 'audio' | 'media';

export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'bmp', 'ico'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

const startsWith = (b: Uint8Array, bytes: readonly number[], at = 0): boolean =>
  b.length >= at + bytes.length && bytes.every((x, i) => b[at + i] === x);
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** The image format of the bytes, or undefined when they are none Lark accepts. */
export function imageFormat(b: Uint8Array): ImageFormat | undefined {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a'))) return 'gif';
  if (startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8)) return 'webp';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(b, ascii('BM')) && b.length >= 26) return 'bmp';
  if (startsWith(b, [0x00, 0x00, 0x01, 0x00]) && b.length >= 22) return 'ico';
  return undefined;
}

const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OFFICE_BY_EXTENSION: Record<string, FileType> = {
  '.doc': 'doc', '.docx': 'doc', '.xls': 'xls', '.xlsx': 'xls', '.ppt': 'ppt', '.pptx': 'ppt',
};

/**
 * Lark's file_type for the bytes: opus (an Ogg stream whose first packet is OpusHead), mp4 (an ISO media
 * file: `ftyp` at offset 4), pdf; doc / xls / ppt when the name says so and the bytes are an Office file
 * (OLE or zip); else stream.
 */
export function fileTypeOf(b: Uint8Array, fileName: string | undefined): FileType {
  if (startsWith(b, ascii('OggS')) && startsWith(b, ascii('OpusHead'), 28)) return 'opus';
  if (startsWith(b, ascii('ftyp'), 4)) return 'mp4';
  if (startsWith(b, ascii('%PDF-'))) return 'pdf';
  const office = fileName ? OFFICE_BY_EXTENSION[extname(fileName).toLowerCase()] : undefined;
  if (office && (startsWith(b, OLE) || startsWith(b, ZIP))) return office;
  return 'stream';
}

export function limitFor(kind: MediaKind): number {
  return kind === 'image' ? IMAGE_LIMIT_BYTES : FILE_LIMIT_BYTES;
}

const mb = (n: number): string => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;

/** Why these bytes cannot be uploaded as `kind`, or undefined; fileType is the detected one (files). */
export function bytesProblem(kind: MediaKind, b: Uint8Array, fileType: FileType | undefined): string | undefined {
  if (b.length === 0) return 'it is empty (0 bytes)';
  const limit = limitFor(kind);
  if (b.length > limit) return `too large: ${b.length} bytes, over Lark's ${mb(limit)} limit for ${kind === 'image' ? 'images' : 'files'}`;
  if (kind === 'image' && !imageFormat(b)) return `not an image Lark takes (${IMAGE_FORMATS.join(', ')}): the bytes are no known image format`;
  if (kind === 'audio' && fileType !== 'opus') return `an audio message needs an opus file (Ogg Opus), got ${fileType ?? 'stream'}`;
  if (kind === 'media' && fileType !== 'mp4') return `a media message needs an mp4 video, got ${fileType ?? 'stream'}`;
  return undefined;
}

/** A file name for the upload's multipart part when the source gave none. */
export function defaultFileName(kind: MediaKind, fileType: FileType | undefined, format: ImageFormat | undefined): string {
  if (kind === 'image') return `image.${format === 'jpeg' ? 'jpg' : (format ?? 'png')}`;
  const ext = fileType === undefined || fileType === 'stream' ? 'bin' : fileType;
  return `file.${ext}`;
}
