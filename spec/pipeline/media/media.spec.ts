import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/core/errors.js';
import { HostAllowList, parseHostRule } from '../../../src/pipeline/media/allow.js';
import { IMAGE_LIMIT_BYTES, bytesProblem, fileTypeOf, imageFormat } from '../../../src/pipeline/media/bytes.js';
import { MediaFetcher } from '../../../src/pipeline/media/fetch.js';
import { MediaStage, type MediaUploader } from '../../../src/pipeline/media/stage.js';
import type { FileUpload, ImageUpload } from '../../../src/lark/endpoints/media.js';
import { InMemoryUploadKeyStore } from '../../../src/pipeline/media/upload-keys.js';
import type { MessageBody } from '../../../src/message/schema.js';
import { dataUri, gif, jpeg, mp4, opus, pdf, png, startFileServer, type FileServer } from './helpers.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function reason(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof ConnectorError)) throw new Error(`expected a ConnectorError, got ${String(err)}`);
  return err;
}

describe('host rules', () => {
  it('reads names, wildcards and ports, and refuses what is none', () => {
    expect(parseHostRule('Charts.Example.com')).toEqual({ host: 'charts.example.com', wildcard: false });
    expect(parseHostRule('*.example.com:8443')).toEqual({ host: 'example.com', wildcard: true, port: '8443' });
    expect(parseHostRule('http://example.com')).toBeUndefined();
    expect(parseHostRule('exa mple.com')).toBeUndefined();
  });

  it('matches exactly, a wildcard only below its domain, a port only when it is that port (none: the default)', () => {
    const list = new HostAllowList(['a.com', '*.b.com', 'c.com:8080']);
    expect(list.allows(new URL('https://a.com/x'))).toBe(true);
    expect(list.allows(new URL('https://evil-a.com/x'))).toBe(false);
    expect(list.allows(new URL('https://x.b.com/x'))).toBe(true);
    expect(list.allows(new URL('https://b.com/x'))).toBe(false);
    expect(list.allows(new URL('https://xb.com/x'))).toBe(false);
    expect(list.allows(new URL('http://c.com:8080/x'))).toBe(true);
    expect(list.allows(new URL('http://c.com/x'))).toBe(false);
    expect(list.allows(new URL('https://a.com:8443/x'))).toBe(false);
    expect(list.allows(new URL('https://a.com:443/x'))).toBe(true);
  });
});

describe('byte checks', () => {
  it('tells image formats by their bytes, not their names', () => {
    expect(imageFormat(png(2, 2, [1, 2, 3]))).toBe('png');
    expect(imageFormat(gif())).toBe('gif');
    expect(imageFormat(jpeg(1))).toBe('jpeg');
    expect(imageFormat(pdf('x'))).toBeUndefined();
  });

  it('derives file_type from the content, Office types from the extension', () => {
    expect(fileTypeOf(opus(1), 'a.bin')).toBe('opus');
    expect(fileTypeOf(mp4(1), undefined)).toBe('mp4');
    expect(fileTypeOf(pdf('x'), 'x.txt')).toBe('pdf');
    const ole = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]);
    expect(fileTypeOf(ole, 'q.xls')).toBe('xls');
    expect(fileTypeOf(Buffer.from('PK\x03\x04rest'), 'deck.pptx')).toBe('ppt');
    expect(fileTypeOf(Buffer.from('PK\x03\x04rest'), 'a.zip')).toBe('stream');
    expect(fileTypeOf(Buffer.from('plain text'), 'a.doc')).toBe('stream');
  });

  it('refuses empty, over the limit, not an image, audio that is not opus, media that is not mp4', () => {
    expect(bytesProblem('image', Buffer.alloc(0), undefined)).toMatch(/empty/);
    expect(bytesProblem('image', Buffer.alloc(IMAGE_LIMIT_BYTES + 1, 0xff), undefined)).toMatch(/too large/);
    expect(bytesProblem('image', pdf('x'), undefined)).toMatch(/not an image/);
    expect(bytesProblem('audio', mp4(1), 'mp4')).toMatch(/opus/);
    expect(bytesProblem('media', opus(1), 'opus')).toMatch(/mp4/);
    expect(bytesProblem('file', pdf('x'), 'pdf')).toBeUndefined();
  });
});

describe('MediaFetcher', () => {
  let server: FileServer;
  let root: string;
  let outside: string;
  const chart = png(3, 3, [9, 9, 9]);

  beforeAll(async () => {
    server = await startFileServer({ '/chart.png': chart });
    const base = await mkdtemp(join(tmpdir(), 'media-fetch-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    await mkdir(join(root, 'sub'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(root, 'sub', 'in.png'), chart);
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(join(outside, 'secret.txt'), join(root, 'link.txt'));
  });
  afterAll(async () => {
    await server.close();
    await rm(join(root, '..'), { recursive: true, force: true });
  });

  it('refuses every URL when no host is allowed, naming the option', async () => {
    const err = await reason(new MediaFetcher({ allowHosts: [] }).fetch(`${server.base}/chart.png`, 'image'));
    expect(err.code).toBe('MEDIA_INVALID');
    expect(err.message).toContain('media.allowHosts');
    expect(server.hits.get('/chart.png')).toBeUndefined();
  });

  it('fetches from an allowed host, and follows a redirect only to an allowed host', async () => {
    const fetcher = new MediaFetcher({ allowHosts: [`127.0.0.1:${server.port}`] });
    expect((await fetcher.fetch(`${server.base}/chart.png`, 'image')).bytes.equals(chart)).toBe(true);
    const via = await fetcher.fetch(`${server.base}/redirect?to=/chart.png`, 'image');
    expect(sha(via.bytes)).toBe(sha(chart));
    const away = await reason(fetcher.fetch(`${server.base}/redirect?to=${encodeURIComponent('http://localhost:1/x.png')}`, 'image'));
    expect(away.message).toMatch(/redirected to localhost:1, a host that is not allowed/);
  });

  it('names a 404, a timeout and a download stopped at the limit', async () => {
    const fetcher = new MediaFetcher({ allowHosts: ['127.0.0.1'], timeoutMs: 300 });
    const fast = new MediaFetcher({ allowHosts: [`127.0.0.1:${server.port}`], timeoutMs: 300 });
    expect((await reason(fetcher.fetch(`${server.base}/chart.png`, 'image'))).message).toMatch(/not allowed/);
    expect((await reason(fast.fetch(`${server.base}/nope.png`, 'image'))).message).toMatch(/HTTP 404/);
    expect((await reason(fast.fetch(`${server.base}/hang`, 'image'))).message).toMatch(/timed out after 300 ms/);
    const big = new MediaFetcher({ allowHosts: [`127.0.0.1:${server.port}`], timeoutMs: 20_000 });
    expect((await reason(big.fetch(`${server.base}/big`, 'image'))).message).toMatch(/too large/);
    // The client stopped reading at the limit: the server could write only what the socket buffers held.
    expect(server.bigBytes()).toBeLessThan(IMAGE_LIMIT_BYTES + 8 * 1024 * 1024);
  });

  it('decodes data: URIs', async () => {
    const fetcher = new MediaFetcher({ allowHosts: [] });
    expect((await fetcher.fetch(dataUri('image/png', chart), 'image')).bytes.equals(chart)).toBe(true);
    expect((await fetcher.fetch('data:text/plain,hello%20you', 'file')).bytes.toString()).toBe('hello you');
    expect((await reason(fetcher.fetch('data:image/png;base64,@@@', 'image'))).message).toMatch(/not valid base64/);
  });

  it('reads paths only inside the root: .. and symlinks out are refused, nothing without a root', async () => {
    const fetcher = new MediaFetcher({ allowHosts: [], root });
    expect((await fetcher.fetch('sub/in.png', 'image')).bytes.equals(chart)).toBe(true);
    expect((await fetcher.fetch(join(root, 'sub', 'in.png'), 'image')).name).toBe('in.png');
    expect((await reason(fetcher.fetch('../outside/secret.txt', 'file'))).message).toMatch(/outside node option media.root/);
    expect((await reason(fetcher.fetch('link.txt', 'file'))).message).toMatch(/outside node option media.root/);
    expect((await reason(fetcher.fetch(join(outside, 'secret.txt'), 'file'))).message).toMatch(/outside/);
    expect((await reason(fetcher.fetch('sub/missing.png', 'image'))).message).toMatch(/no such file/);
    const none = await reason(new MediaFetcher({ allowHosts: [] }).fetch('sub/in.png', 'image'));
    expect(none.message).toMatch(/media.root, and it is not set/);
  });
});

class CountingUploader implements MediaUploader {
  readonly images: ImageUpload[] = [];
  readonly files: FileUpload[] = [];
  async uploadImage(req: ImageUpload): Promise<string> {
    await new Promise((r) => setTimeout(r, 20));
    this.images.push(req);
    return `img_${sha(req.bytes).slice(0, 12)}`;
  }
  async uploadFile(req: FileUpload): Promise<string> {
    await new Promise((r) => setTimeout(r, 20));
    this.files.push(req);
    return `file_${req.fileType}_${sha(req.bytes).slice(0, 12)}`;
  }
}

const msg = (contentType: MessageBody['contentType'], content: unknown): MessageBody => ({
  receiveType: 'user',
  receiveId: 'ou_1',
  contentType,
  content: JSON.stringify(content),
});

describe('MediaStage', () => {
  const a = png(2, 2, [1, 0, 0]);
  const b = png(2, 2, [0, 1, 0]);

  it('uploads the same bytes once however many messages and sources share them', async () => {
    const uploader = new CountingUploader();
    const keys = new InMemoryUploadKeyStore();
    const stage = new MediaStage({ fetcher: new MediaFetcher({ allowHosts: [] }), uploader, keys });
    const messages = [
      ...Array.from({ length: 10 }, () => msg('image', { image: dataUri('image/png', a) })),
      msg('image', { image: dataUri('image/x-anything', a) }),
      msg('image', { image: dataUri('image/png', b) }),
      msg('post', { zh_cn: { content: [[{ tag: 'img', image: dataUri('image/png', b) }, { tag: 'text', text: 'x' }]] } }),
      msg('interactive', { elements: [{ tag: 'img', image: dataUri('image/png', a), alt: { tag: 'plain_text', content: '' } }] }),
    ];
    const out = await Promise.all(messages.map((m) => stage.prepare(m)));
    expect(uploader.images.length).toBe(2);
    expect(stage.uploads).toBe(2);
    expect(JSON.parse(out[0]!.content)).toEqual({ image_key: `img_${sha(a).slice(0, 12)}` });
    expect(JSON.parse(out[11]!.content)).toEqual({ image_key: `img_${sha(b).slice(0, 12)}` });
    expect(JSON.parse(out[12]!.content).zh_cn.content[0][0]).toEqual({ tag: 'img', image_key: `img_${sha(b).slice(0, 12)}` });
    expect(JSON.parse(out[13]!.content).elements[0].img_key).toBe(`img_${sha(a).slice(0, 12)}`);
    // A second stage on the same store (a re-run, another worker) uploads nothing.
    const again = new MediaStage({ fetcher: new MediaFetcher({ allowHosts: [] }), uploader, keys });
    await again.prepare(messages[0]!);
    expect(uploader.images.length).toBe(2);
  });

  it('sends file name, file_type and duration with a file, and a cover with media', async () => {
    const uploader = new CountingUploader();
    const stage = new MediaStage({ fetcher: new MediaFetcher({ allowHosts: [] }), uploader, keys: new InMemoryUploadKeyStore() });
    const audio = await stage.prepare(msg('audio', { file: dataUri('audio/ogg', opus(1)), duration: 1500 }));
    expect(JSON.parse(audio.content)).toEqual({ file_key: `file_opus_${sha(opus(1)).slice(0, 12)}` });
    expect(uploader.files[0]).toMatchObject({ fileType: 'opus', durationMs: 1500, fileName: 'file.opus' });
    const media = await stage.prepare(msg('media', { file: dataUri('video/mp4', mp4(1)), image: dataUri('image/png', a), file_name: 'clip.mp4' }));
    expect(Object.keys(JSON.parse(media.content)).sort()).toEqual(['file_key', 'image_key']);
    expect(uploader.files[1]).toMatchObject({ fileType: 'mp4', fileName: 'clip.mp4' });
    expect(uploader.images.length).toBe(1);
  });

  it('fails a bad source naming it and the reason, uploading nothing', async () => {
    const uploader = new CountingUploader();
    const stage = new MediaStage({ fetcher: new MediaFetcher({ allowHosts: [] }), uploader, keys: new InMemoryUploadKeyStore() });
    const notImage = await reason(stage.prepare(msg('image', { image: dataUri('image/png', pdf('x')) })));
    expect(notImage.message).toMatch(/^content.image: media source data:image\/png;base64,… \(\d+ characters\): not an image/);
    expect((await reason(stage.prepare(msg('audio', { file: dataUri('audio/ogg', mp4(2)) })))).message).toMatch(/needs an opus file/);
    expect((await reason(stage.prepare(msg('file', { file: 'data:text/plain,' })))).message).toMatch(/empty/);
    expect(uploader.images.length + uploader.files.length).toBe(0);
  });

  it('plans in a dry-run: source, bytes, sha256, file_type and a placeholder key, no upload', async () => {
    const uploader = new CountingUploader();
    const stage = new MediaStage({ fetcher: new MediaFetcher({ allowHosts: [] }), uploader, keys: new InMemoryUploadKeyStore(), thumbnailMaxBytes: 1024 });
    const plan = await stage.plan(msg('file', { file: dataUri('application/pdf', pdf('r')), file_name: 'r.pdf' }));
    expect(plan.uploads).toEqual([
      expect.objectContaining({ upload: 'file', bytes: pdf('r').length, sha256: sha(pdf('r')), fileType: 'pdf', fileName: 'r.pdf' }),
    ]);
    expect(JSON.parse(plan.content)).toEqual({ file_key: plan.uploads[0]!.key });
    const image = await stage.plan(msg('image', { image: dataUri('image/png', a) }));
    expect(image.uploads[0]!.thumbnail).toBe(dataUri('image/png', a));
    expect(uploader.images.length + uploader.files.length).toBe(0);
  });
});
