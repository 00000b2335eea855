import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { multipartBody, type MultipartField } from '../../src/lark/multipart.js';
import { png, pdf } from '../pipeline/media/helpers.js';
import { ALICE, start, token } from './helpers.js';

async function upload(emu: LarkEmulator, tok: string, path: string, fields: MultipartField[]) {
  const { body, contentType } = multipartBody(fields);
  const res = await fetch(emu.baseUrl + path, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': contentType }, body: new Uint8Array(body) });
  return { status: res.status, body: (await res.json()) as { code: number; data?: Record<string, string> } };
}

async function sendContent(emu: LarkEmulator, tok: string, msgType: string, content: unknown) {
  const res = await fetch(`${emu.baseUrl}/open-apis/im/v1/messages?receive_id_type=open_id`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
    body: JSON.stringify({ receive_id: ALICE, msg_type: msgType, content: JSON.stringify(content) }),
  });
  return (await res.json()) as { code: number; msg: string };
}

describe('emulator: im/v1/images and im/v1/files', () => {
  let emu: LarkEmulator;
  let tok: string;
  beforeAll(async () => {
    emu = await start();
    tok = await token(emu);
  });
  afterAll(() => emu.close());

  it('issues keys for images and files, kept with the sha256 of their bytes, usable in messages', async () => {
    const image = png(2, 2, [1, 2, 3]);
    const img = await upload(emu, tok, '/open-apis/im/v1/images', [
      { name: 'image_type', value: 'message' },
      { name: 'image', data: image, fileName: 'a.png' },
    ]);
    expect(img.body.code).toBe(0);
    const file = await upload(emu, tok, '/open-apis/im/v1/files', [
      { name: 'file_type', value: 'pdf' },
      { name: 'file_name', value: 'r.pdf' },
      { name: 'file', data: pdf('r'), fileName: 'r.pdf' },
    ]);
    expect(file.body.code).toBe(0);
    const stored = emu.uploads();
    expect(stored.map((u) => [u.key, u.sha256])).toEqual([
      [img.body.data!.image_key, createHash('sha256').update(image).digest('hex')],
      [file.body.data!.file_key, createHash('sha256').update(pdf('r')).digest('hex')],
    ]);
    expect((await sendContent(emu, tok, 'image', { image_key: img.body.data!.image_key })).code).toBe(0);
    expect((await sendContent(emu, tok, 'file', { file_key: file.body.data!.file_key })).code).toBe(0);
  });

  it("answers Lark's codes: empty 234010, not an image 234011, too large 234006, missing fields 99992402", async () => {
    const image = (data: Buffer) => upload(emu, tok, '/open-apis/im/v1/images', [{ name: 'image_type', value: 'message' }, { name: 'image', data, fileName: 'x.png' }]);
    expect((await image(Buffer.alloc(0))).body.code).toBe(234010);
    expect((await image(pdf('x'))).body.code).toBe(234011);
    expect((await image(Buffer.concat([png(1, 1, [0, 0, 0]), Buffer.alloc(10 * 1024 * 1024)]))).body.code).toBe(234006);
    expect((await upload(emu, tok, '/open-apis/im/v1/files', [{ name: 'file', data: pdf('x'), fileName: 'x' }])).body.code).toBe(99992402);
  });

  it('refuses a key that is a URL or a path, as Lark does', async () => {
    const url = await sendContent(emu, tok, 'image', { image_key: 'https://example.com/a.png' });
    expect(url.code).toBe(230001);
    expect(url.msg).toMatch(/invalid image_key/);
    expect((await sendContent(emu, tok, 'file', { file_key: '/tmp/report.pdf' })).code).toBe(230001);
    expect((await sendContent(emu, tok, 'post', { zh_cn: { content: [[{ tag: 'img', image_key: 'chart.png' }]] } })).code).toBe(230001);
  });
});
