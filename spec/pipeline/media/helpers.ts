/** Small media for specs (built here, so each is known to be exactly what its name says) and a file server. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A valid w x h RGB PNG of one colour (distinct colours = distinct bytes). */
export function png(w: number, h: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function gif(): Buffer {
  return Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
}

export function jpeg(seed: number): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(`jfif ${seed}`), Buffer.from([0xff, 0xd9])]);
}

export function pdf(text: string): Buffer {
  return Buffer.from(`%PDF-1.4\n% ${text}\n%%EOF\n`);
}

/** An Ogg page whose first packet is an OpusHead: what fileTypeOf reads as opus. */
export function opus(seed: number): Buffer {
  const head = Buffer.alloc(28);
  head.write('OggS', 0, 'latin1');
  return Buffer.concat([head, Buffer.from('OpusHead'), Buffer.from([1, 2, 0x38, 1, seed & 255])]);
}

export function mp4(seed: number): Buffer {
  return Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.from(`mp4 ${seed}`)]);
}

export function dataUri(type: string, bytes: Buffer): string {
  return `data:${type};base64,${bytes.toString('base64')}`;
}

export interface FileServer {
  base: string;
  port: number;
  /** Requests per path. */
  hits: Map<string, number>;
  /** Bytes /big wrote before the client went away. */
  bigBytes(): number;
  close(): Promise<void>;
}

/**
 * Serves `files` by path; `/redirect?to=URL` redirects; `/hang` never answers; `/big` streams forever with no
 * length (the download must stop at the limit); `/declared-big` declares 11 MB; any other path is 404.
 */
export async function startFileServer(files: Record<string, Buffer>): Promise<FileServer> {
  const hits = new Map<string, number>();
  let big = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
      res.end();
      return;
    }
    if (url.pathname === '/hang') return;
    if (url.pathname === '/declared-big') {
      // Says it is 11 MB, sends a few bytes and waits: the limit must be applied from the header alone.
      res.writeHead(200, { 'content-length': 11 * 1024 * 1024, 'content-type': 'image/png' });
      res.write(png(1, 1, [1, 2, 3]));
      return;
    }
    if (url.pathname === '/big') {
      res.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.concat([png(1, 1, [1, 2, 3]), Buffer.alloc(64 * 1024)]);
      const pump = (): void => {
        for (;;) {
          if (res.destroyed) return;
          big += chunk.length;
          if (!res.write(chunk)) break;
        }
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
      return;
    }
    const body = files[url.pathname];
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    hits,
    bigBytes: () => big,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
