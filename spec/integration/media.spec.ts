/**
 * Images and files end to end: ~50 messages built from a handful of distinct images and files (URLs from a
 * local server, one image under two URLs, data: URIs, files under media.root) plus each kind of bad source,
 * sent through the connector to the emulator. Every good message carries the key of exactly its bytes,
 * uploads = distinct contents, each bad one fails with its reason, and a second run with the same state
 * uploads nothing.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LarkImConnector } from '../../src/connector.js';
import { parseConfig } from '../../src/config.js';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { retryPolicies } from '../../src/lark/retry.js';
import { JournalUploadKeyStore } from '../../src/pipeline/media/journal-keys.js';
import { RunState } from '../../src/pipeline/state.js';
import type { MessageOutcome, RenderedSend } from '../../src/pipeline/report/outcome.js';
import { dataUri, mp4, opus, pdf, png, startFileServer, type FileServer } from '../pipeline/media/helpers.js';
import { ALICE, APP, BOB, CHAT_WITH_BOT, UNPACED, connectorFor, records, startEmulator } from './helpers.js';
import { defaultSeed, DEFAULT_SCOPES } from '../../src/emulator/index.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const A = png(4, 4, [200, 10, 10]);
const B = png(4, 4, [10, 200, 10]);
const C = png(4, 4, [10, 10, 200]);
const REPORT = pdf('weekly report');
const VOICE = opus(7);
const CLIP = mp4(7);

describe('images and files from URLs, data: URIs and paths, uploaded once', () => {
  let emu: LarkEmulator;
  let files: FileServer;
  let base: string;
  let dir: string;
  let root: string;

  beforeAll(async () => {
    emu = await startEmulator({ limits: false, dedupWindowSeconds: 0 });
    files = await startFileServer({ '/a.png': A, '/copy/a.png': A, '/report.pdf': REPORT });
    base = files.base;
    dir = await mkdtemp(join(tmpdir(), 'media-int-'));
    root = join(dir, 'root');
    await mkdir(root);
    await mkdir(join(dir, 'outside'));
    await writeFile(join(root, 'c.png'), C);
    await writeFile(join(root, 'voice.opus'), VOICE);
    await writeFile(join(dir, 'outside', 'secret.png'), B);
  });
  afterAll(async () => {
    await emu.close();
    await files.close();
    await rm(dir, { recursive: true, force: true });
  });

  // The download timeout: what the hanging source fails with. Long enough for the good downloads from the local
  // server on a loaded machine (at 1 s, a few of them timed out there, with the server in this same process).
  const MEDIA_TIMEOUT_MS = 5000;

  function connector(): LarkImConnector {
    const config = parseConfig(
      {
        connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emu.baseUrl, timeoutMs: 5000 },
        node: { media: { allowHosts: [`127.0.0.1:${files.port}`, `localhost:${files.port}`], root, timeoutMs: MEDIA_TIMEOUT_MS } },
      },
      {},
    );
    return new LarkImConnector(config, { retry: retryPolicies.fast, pacing: UNPACED });
  }

  /** The good kinds: content, and the bytes each of its keys must be the upload of. */
  const good = (): Array<{ contentType: string; content: unknown; bytes: Buffer[] }> => [
    { contentType: 'image', content: { image: `${base}/a.png` }, bytes: [A] },
    // The same image under a second URL (another host name, another path): the same upload.
    { contentType: 'image', content: { image: `http://localhost:${files.port}/copy/a.png` }, bytes: [A] },
    { contentType: 'image', content: { image: dataUri('image/png', A) }, bytes: [A] },
    { contentType: 'image', content: { image: dataUri('image/png', B) }, bytes: [B] },
    { contentType: 'image', content: { image: 'c.png' }, bytes: [C] },
    { contentType: 'file', content: { file: `${base}/report.pdf`, file_name: 'report.pdf' }, bytes: [REPORT] },
    { contentType: 'audio', content: { file: 'voice.opus', duration: 2000 }, bytes: [VOICE] },
    { contentType: 'media', content: { file: dataUri('video/mp4', CLIP), image: dataUri('image/png', B), file_name: 'clip.mp4' }, bytes: [CLIP, B] },
    { contentType: 'post', content: { zh_cn: { title: 'Chart', content: [[{ tag: 'img', image: `${base}/a.png` }]] } }, bytes: [A] },
    { contentType: 'interactive', content: { elements: [{ tag: 'img', image: join(root, 'c.png'), alt: { tag: 'plain_text', content: 'c' } }] }, bytes: [C] },
  ];
  const DISTINCT = 6; // A, B, C, REPORT, VOICE, CLIP

  const bad: Array<{ contentType: string; content: unknown; reason: RegExp; code?: string }> = [
    { contentType: 'image', content: { image: 'http://127.0.0.1:1/missing.png' }, reason: /port|not allowed/ },
    { contentType: 'image', content: { image: 'PLACEHOLDER/missing.png' }, reason: /HTTP 404/ },
    { contentType: 'image', content: { image: 'PLACEHOLDER/hang' }, reason: new RegExp(`timed out after ${MEDIA_TIMEOUT_MS} ms`) },
    // Over the limit by its Content-Length: refused before the body (the streamed case: spec/pipeline/media).
    { contentType: 'image', content: { image: 'PLACEHOLDER/declared-big' }, reason: /too large: 11534336 bytes/ },
    { contentType: 'image', content: { image: dataUri('image/png', REPORT) }, reason: /not an image/ },
    { contentType: 'image', content: { image: 'https://example.com/a.png' }, reason: /host example\.com is not allowed/ },
    { contentType: 'image', content: { image: '../outside/secret.png' }, reason: /outside node option media\.root/ },
    { contentType: 'audio', content: { file: dataUri('video/mp4', CLIP) }, reason: /needs an opus file/ },
    { contentType: 'image', content: { image_key: 'https://example.com/a.png' }, reason: /is a URL, not an image key.*\{"image": URL\}/, code: 'MESSAGE_INVALID' },
  ];

  function input() {
    const receivers = [
      { receiveType: 'user', receiveId: ALICE.openId },
      { receiveType: 'user', receiveId: BOB.openId },
      { receiveType: 'chat', receiveId: CHAT_WITH_BOT.chatId },
    ];
    const kinds = good();
    const values: unknown[] = [];
    for (let i = 0; i < 50; i++) {
      const g = kinds[i % kinds.length]!;
      values.push({ ...receivers[i % receivers.length], contentType: g.contentType, content: g.content });
    }
    for (const b of bad) {
      const content = JSON.parse(JSON.stringify(b.content).replace('PLACEHOLDER', base)) as unknown;
      values.push({ ...receivers[0], contentType: b.contentType, content });
    }
    return records(values);
  }

  async function runOnce(c: LarkImConnector, state?: RunState) {
    const outcomes: MessageOutcome[] = [];
    const summary = await c.writeStream(input(), {
      onOutcome: (o) => void outcomes.push(o),
      ...(state ? { uploadKeys: new JournalUploadKeyStore(state, APP.appId) } : {}),
    });
    return { outcomes, summary };
  }

  /** The sha256 of the upload behind every key in a delivered message's content, in content order. */
  function keyShas(content: string): string[] {
    const uploads = new Map(emu.uploads().map((u) => [u.key, u.sha256]));
    const keys = [...content.matchAll(/"(?:image_key|img_key|file_key)":"([^"]+)"/g)].map((m) => m[1]!);
    return keys.map((k) => uploads.get(k) ?? `unknown key ${k}`);
  }

  it('delivers every good message with the key of exactly its bytes, uploads each content once, fails each bad source with its reason', async () => {
    const statePath = join(dir, 'run.state');
    const state = await RunState.open(statePath);
    const c = connector();
    const { outcomes, summary } = await runOnce(c, state);
    await state.close();
    c.close();

    expect(summary.total).toBe(50 + bad.length);
    expect(summary.delivered).toBe(50);
    expect(summary.failed).toBe(bad.length);
    const kinds = good();
    const delivered = new Map(emu.messages().map((m) => [m.messageId, m]));
    outcomes.slice(0, 50).forEach((o, i) => {
      expect(o.status).toBe('delivered');
      if (o.status !== 'delivered') return;
      const sent = delivered.get(o.messageId)!;
      const want = kinds[i % kinds.length]!.bytes.map(sha).sort();
      expect(keyShas(sent.content).sort()).toEqual(want);
      expect(sent.content).not.toMatch(/"(image|file)":/);
    });
    // Uploads = distinct contents; none of the bad ones (the over-limit one included) reached Lark.
    expect(emu.uploads().length).toBe(DISTINCT);
    expect(emu.stats().uploads).toBe(DISTINCT);
    expect(new Set(emu.uploads().map((u) => u.sha256))).toEqual(new Set([A, B, C, REPORT, VOICE, CLIP].map(sha)));
    expect(Math.max(...emu.uploads().map((u) => u.bytes))).toBeLessThan(1024);
    const fileTypes = emu.uploads().filter((u) => u.kind === 'file').map((u) => u.fileType).sort();
    expect(fileTypes).toEqual(['mp4', 'opus', 'pdf']);

    outcomes.slice(50).forEach((o, i) => {
      expect(o.status).toBe('failed');
      if (o.status !== 'failed') return;
      expect(o.error.code).toBe(bad[i]!.code ?? 'MEDIA_INVALID');
      expect(o.error.message).toMatch(bad[i]!.reason);
    });
    expect(emu.messages().length).toBe(50);

    // A second run with the same state (a new process: nothing in memory) sends everything again and uploads nothing.
    const again = await RunState.open(statePath);
    const c2 = connector();
    const second = await runOnce(c2, again);
    await again.close();
    c2.close();
    expect(second.summary.delivered).toBe(50);
    expect(emu.uploads().length).toBe(DISTINCT);
    expect(emu.stats().uploads).toBe(DISTINCT);
    const resent = new Map(emu.messages().map((m) => [m.messageId, m]));
    second.outcomes.slice(0, 50).forEach((o, i) => {
      if (o.status !== 'delivered') throw new Error(`message ${i} not delivered`);
      expect(keyShas(resent.get(o.messageId)!.content).sort()).toEqual(kinds[i % kinds.length]!.bytes.map(sha).sort());
    });
  }, 60_000);

  it('dry-run shows the uploads (source, bytes, sha256, file_type) and a placeholder key, and uploads nothing', async () => {
    const before = emu.stats().uploads;
    const c = connector();
    const outcomes: MessageOutcome[] = [];
    await c.writeStream(records([{ receiveType: 'user', receiveId: ALICE.openId, contentType: 'file', content: { file: `${base}/report.pdf` } }]), {
      dryRun: true,
      onOutcome: (o) => void outcomes.push(o),
    });
    c.close();
    const o = outcomes[0]!;
    if (o.status !== 'valid' || o.request.method !== 'POST') throw new Error(`expected a rendered send, got ${o.status}`);
    const request = o.request as RenderedSend;
    expect(request.uploads).toEqual([
      expect.objectContaining({ source: `${base}/report.pdf`, upload: 'file', bytes: REPORT.length, sha256: sha(REPORT), fileType: 'pdf', fileName: 'report.pdf' }),
    ]);
    expect(JSON.parse(request.body.content)).toEqual({ file_key: request.uploads![0]!.key });
    expect(emu.stats().uploads).toBe(before);
  });

  it('markdown converted to a card or a post: its image links become uploaded images (the node has a media option)', async () => {
    const c = connector();
    const outcomes: MessageOutcome[] = [];
    const markdown = `# Daily\n\nCPU chart:\n\n![cpu](${base}/a.png)\n\nand the root one ![c](c.png)`;
    const summary = await c.writeStream(
      records([
        { receiveType: 'user', receiveId: ALICE.openId, contentType: 'markdown', markdownAs: 'card', content: markdown },
        { receiveType: 'user', receiveId: ALICE.openId, contentType: 'markdown', content: markdown },
      ]),
      { onOutcome: (o) => void outcomes.push(o) },
    );
    c.close();
    expect(summary.delivered).toBe(2);
    const delivered = new Map(emu.messages().map((m) => [m.messageId, m]));
    for (const o of outcomes) {
      if (o.status !== 'delivered') throw new Error(`expected delivered, got ${o.status}`);
      const sent = delivered.get(o.messageId)!;
      expect(keyShas(sent.content)).toEqual([sha(A), sha(C)]);
      expect(sent.content).not.toContain('[image:');
    }
    expect(delivered.get((outcomes[0] as { messageId: string }).messageId)!.msgType).toBe('interactive');
  });

  it('check reports im:resource only when media is used: ok when granted, a warn with advice when not', async () => {
    const c = connector();
    const items = await c.connectionTest();
    c.close();
    expect(items.find((i) => i.item === 'media')).toMatchObject({ status: 'ok' });
    const plain = connectorFor(emu);
    expect((await plain.connectionTest()).some((i) => i.item === 'media')).toBe(false);
    plain.close();

    const seed = defaultSeed();
    seed.apps[0]!.scopes = DEFAULT_SCOPES.filter((s) => s !== 'im:resource');
    const bare = await startEmulator({ seed });
    try {
      const config = parseConfig(
        { connection: { appId: APP.appId, appSecret: APP.appSecret, domain: bare.baseUrl }, node: { media: { root } } },
        {},
      );
      const withMedia = new LarkImConnector(config, { retry: retryPolicies.fast });
      const media = (await withMedia.connectionTest()).find((i) => i.item === 'media');
      withMedia.close();
      expect(media?.status).toBe('warn');
      expect(media?.detail).toMatch(/im:resource is not granted: .*Apply for it/);
    } finally {
      await bare.close();
    }
  });
});
