/**
 * A media source -> its bytes: an http(s) URL (hosts from media.allowHosts only, redirects followed only to
 * allowed hosts, stopped at the type's size limit and at the timeout), a data: URI (base64 or percent-encoded)
 * or a local path (inside media.root only). Every refusal is a MEDIA_INVALID error naming the source and
 * the reason; nothing here throws anything else.
 */
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { ConnectorError } from '../../core/errors.js';
import { HostAllowList, pathInsideRoot } from './allow.js';
import { limitFor, type MediaKind } from './bytes.js';

export const DEFAULT_MEDIA_TIMEOUT_MS = 20_000;
const MAX_REDIRECTS = 5;

export interface FetchOptions {
  /** Host rules (node option media.allowHosts); empty = no URL may be fetched. */
  allowHosts: readonly string[];
  /** Local paths are read only inside this folder (node option media.root); absent = none. */
  root?: string;
  /** A download's whole time, redirects included. */
  timeoutMs?: number;
}

export interface Fetched {
  bytes: Buffer;
  /** The name the source suggests (the URL's or the path's last segment). */
  name?: string;
}

export type SourceForm = 'url' | 'data' | 'path';

/** The form a source string has (an unknown scheme is refused by fetch). */
export function sourceForm(source: string): SourceForm {
  if (/^https?:\/\//i.test(source)) return 'url';
  if (/^data:/i.test(source)) return 'data';
  return 'path';
}

/** The source as errors and the dry-run show it: a data: URI shortened to its type and length. */
export function describeSource(source: string): string {
  if (sourceForm(source) !== 'data') return source.length > 200 ? `${source.slice(0, 200)}…` : source;
  const comma = source.indexOf(',');
  const head = comma < 0 ? source.slice(0, 40) : source.slice(0, comma);
  return `${head},… (${source.length} characters)`;
}

export function mediaError(source: string, reason: string, field?: string): ConnectorError {
  return new ConnectorError({
    code: 'MEDIA_INVALID',
    message: `${field ? `${field}: ` : ''}media source ${describeSource(source)}: ${reason}`,
    retryable: false,
    ...(field ? { field } : {}),
  });
}

export class MediaFetcher {
  private readonly hosts: HostAllowList;
  private readonly timeoutMs: number;

  constructor(private readonly options: FetchOptions) {
    this.hosts = new HostAllowList(options.allowHosts);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
  }

  /** The bytes of `source`, at most the limit of `kind`; MEDIA_INVALID on any refusal or failure. */
  async fetch(source: string, kind: MediaKind, signal?: AbortSignal): Promise<Fetched> {
    const limit = limitFor(kind);
    const form = sourceForm(source);
    if (form === 'url') return this.download(source, limit, signal);
    if (form === 'data') return { bytes: decodeDataUri(source, limit) };
    if (/^[a-z][a-z0-9+.-]+:\/\//i.test(source)) {
      throw mediaError(source, 'only http(s):// URLs, data: URIs and local paths are sources');
    }
    return this.readLocal(source, limit);
  }

  private async readLocal(source: string, limit: number): Promise<Fetched> {
    const root = this.options.root;
    if (root === undefined || root === '') {
      throw mediaError(source, 'local paths are read only inside node option media.root, and it is not set');
    }
    const inside = await pathInsideRoot(source, root);
    if ('refused' in inside) throw mediaError(source, inside.refused);
    let file: FileHandle;
    try {
      file = await open(inside.path, 'r');
    } catch (err) {
      throw mediaError(source, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    try {
      const info = await file.stat();
      if (!info.isFile()) throw mediaError(source, 'is not a file');
      if (info.size > limit) throw mediaError(source, tooLarge(info.size, limit));
      const bytes = Buffer.alloc(info.size);
      const { bytesRead } = info.size > 0 ? await file.read(bytes, 0, info.size, 0) : { bytesRead: 0 };
      return { bytes: bytes.subarray(0, bytesRead), name: basename(inside.path) };
    } finally {
      await file.close();
    }
  }

  private async download(source: string, limit: number, signal: AbortSignal | undefined): Promise<Fetched> {
    if (this.hosts.empty) {
      throw mediaError(source, 'URLs are fetched only from the hosts in node option media.allowHosts, and it is empty');
    }
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let url: URL;
    try {
      url = new URL(source);
    } catch {
      throw mediaError(source, 'is not a valid URL');
    }
    for (let hops = 0; ; hops++) {
      if (!this.hosts.allows(url)) {
        const what = hops === 0 ? `host ${url.host} is not allowed` : `redirected to ${url.host}, a host that is not allowed`;
        throw mediaError(source, `${what} (node option media.allowHosts)`);
      }
      const res = await request(url, both).catch((err: unknown) => {
        throw mediaError(source, deadline.aborted ? `timed out after ${this.timeoutMs} ms` : wireReason(err, signal));
      });
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (hops >= MAX_REDIRECTS) throw mediaError(source, `more than ${MAX_REDIRECTS} redirects`);
        url = new URL(res.headers.location, url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw mediaError(source, 'redirected to a URL that is not http(s)');
        continue;
      }
      if (status !== 200) {
        res.resume();
        throw mediaError(source, `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`);
      }
      const bytes = await readBody(res, limit, both).catch((err: unknown) => {
        if (err instanceof TooLarge) throw mediaError(source, err.message);
        throw mediaError(source, deadline.aborted ? `timed out after ${this.timeoutMs} ms` : wireReason(err, signal));
      });
      const last = decodeURIComponentSafe(url.pathname.split('/').pop() ?? '');
      return { bytes, ...(last !== '' ? { name: last } : {}) };
    }
  }
}

class TooLarge extends Error {}

function tooLarge(size: number | string, limit: number): string {
  return `too large: ${size} bytes, over the ${limit / 1024 / 1024} MB limit (the download was stopped there)`;
}

function request(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    const req = get(url, { signal, headers: { 'user-agent': 'lark-im-connector' } }, resolve);
    req.on('error', reject);
  });
}

/** The body, refused as soon as it is known to pass `limit` (Content-Length, or the bytes counted). */
function readBody(res: IncomingMessage, limit: number, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new TooLarge(tooLarge(declared, limit)));
      res.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onAbort = () => res.destroy(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Rejected before the destroy: destroying emits 'aborted' at once, which would reject with less.
        reject(new TooLarge(tooLarge(`more than ${limit}`, limit)));
        res.destroy();
        return;
      }
      chunks.push(chunk);
    });
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('the connection was closed mid-download')));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('close', () => signal.removeEventListener('abort', onAbort));
  });
}

function wireReason(err: unknown, signal: AbortSignal | undefined): string {
  if (signal?.aborted) return 'the run was stopped';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code === 'ECONNREFUSED') return 'the connection was refused';
  return `the download failed (${code ?? (err instanceof Error ? err.message : 'error')})`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** data:[type][;base64],payload -> bytes, refused past `limit` before decoding. */
function decodeDataUri(source: string, limit: number): Buffer {
  const comma = source.indexOf(',');
  if (comma < 0) throw mediaError(source, 'is not a data: URI (data:[type][;base64],...)');
  const meta = source.slice(5, comma);
  const payload = source.slice(comma + 1);
  const base64 = /;base64$/i.test(meta);
  const estimate = base64 ? Math.floor((payload.length * 3) / 4) : payload.length;
  if (estimate > limit + 3) throw mediaError(source, tooLarge(estimate, limit).replace(' (the download was stopped there)', ''));
  if (base64) {
    const clean = payload.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean)) throw mediaError(source, 'its base64 payload is not valid base64');
    return Buffer.from(clean, clean.includes('-') || clean.includes('_') ? 'base64url' : 'base64');
  }
  try {
    return Buffer.from(decodeURIComponent(payload), 'latin1');
  } catch {
    throw mediaError(source, 'its payload is not valid percent-encoding');
  }
}
