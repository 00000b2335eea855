/**
 * multipart/form-data bodies for Lark's upload APIs. Every file part carries a file name and a content type
 * (public clients that send a Buffer without them get refused or mangled by some gateways).
 */
import { randomBytes } from 'node:crypto';

export type MultipartField =
  | { name: string; value: string }
  | { name: string; data: Buffer; fileName: string; contentType?: string };

export function multipartBody(fields: readonly MultipartField[], boundary = `lark-im-${randomBytes(12).toString('hex')}`): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  const quote = (s: string): string => s.replace(/["\r\n\\]/g, '_');
  for (const f of fields) {
    if ('value' in f) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(f.name)}"\r\n\r\n${f.value}\r\n`));
    } else {
      const head =
        `--${boundary}\r\nContent-Disposition: form-data; name="${quote(f.name)}"; filename="${quote(f.fileName)}"\r\n` +
        `Content-Type: ${f.contentType ?? 'application/octet-stream'}\r\n\r\n`;
      chunks.push(Buffer.from(head), f.data, Buffer.from('\r\n'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
