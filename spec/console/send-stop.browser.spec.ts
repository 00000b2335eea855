// A real send in the browser (Debian chromium): 40 messages to one user at Lark's 5/s per receiver. The page
// shows sent / total with the quota's ETA, Stop stops cleanly (the rest not sent, the state saved) and says how
// to resume, and Resume sends only the rest. The emulator's uuid de-duplication is OFF.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startConsole, type ConsoleHandle } from '../../src/console/server.js';
import { LarkEmulator, defaultSeed } from '../../src/emulator/index.js';
import { launchBrowser, openConsolePage, SHOTS } from './browser.js';
import { setConnection } from './http.js';

const USER = 'ou_a11ce000000000000000000000000001';
const COUNT = 40;
const records = Array.from({ length: COUNT }, (_, i) =>
  JSON.stringify({ receiveType: 'user', receiveId: USER, contentType: 'text', content: { text: `hello ${i + 1}` } })).join('\n');

describe('console send: progress with the ETA, Stop and Resume (browser)', () => {
  let emu: LarkEmulator;
  let con: ConsoleHandle;
  let root: string;
  let session: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let pageErrors: string[];
  const toUser = () => emu.messages().filter((m) => m.receiveId === USER);
  const text = (sel: string) => page.locator(sel).textContent();
  /** The top of the send section (its status, ETA, resume box and the first outcomes), for the docs. */
  const shot = async (name: string) => {
    await page.locator('#send-section').scrollIntoViewIfNeeded();
    const box = (await page.locator('#send-section').boundingBox())!;
    await page.screenshot({ path: SHOTS + name, fullPage: true, clip: { x: box.x, y: box.y + (await page.evaluate(() => window.scrollY)), width: box.width, height: Math.min(box.height, 460) } });
  };

  beforeAll(async () => {
    const seed = defaultSeed();
    emu = await LarkEmulator.start({ seed, dedupWindowSeconds: 0 });
    root = await mkdtemp(path.join(os.tmpdir(), 'console-stop-'));
    con = await startConsole({ port: 0, host: '127.0.0.1', root });
    const app = seed.apps[0]!;
    const connection = { appId: app.appId, appSecret: app.appSecret, domain: emu.baseUrl };
    await setConnection(con, connection);
    ({ session, page, pageErrors } = await openConsolePage(con.url));
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await con?.close();
    await emu?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('shows sent / total and the ETA of the per-receiver quota, and stops cleanly on Stop', async () => {
    expect(await page.locator('#stop-btn').isVisible()).toBe(false);
    await page.fill('#records', records);
    await page.click('#send-btn');
    await page.waitForSelector('#stop-btn:visible');
    await expect.poll(async () => Number(/Sending: (\d+) of 40/.exec((await text('#send-status')) ?? '')?.[1] ?? 0), { timeout: 15_000 }).toBeGreaterThanOrEqual(10);
    await page.selectOption('#lang', 'zh_TW');
    expect(await text('#send-eta')).toMatch(/^預計還需 \d+ 秒：Lark 對同一接收者每秒最多接收 5 則訊息。$/);
    expect(await text('#stop-btn')).toBe('停止');
    await page.selectOption('#lang', 'en_US');
    const eta = (await text('#send-eta')) ?? '';
    const m = /^About (\d+) s left: Lark takes at most 5 messages a second to one receiver\.$/.exec(eta);
    expect(m, eta).not.toBeNull();
    const done = Number(/Sending: (\d+) of 40/.exec((await text('#send-status')) ?? '')![1]);
    // 40 - done messages at 5/s, give or take the second the status and the ETA were drawn apart.
    expect(Number(m![1])).toBeGreaterThanOrEqual(Math.floor((COUNT - done) / 5) - 2);
    expect(Number(m![1])).toBeLessThanOrEqual(Math.ceil((COUNT - done) / 5) + 1);
    expect(await page.locator('#send-progress').evaluate((p) => (p as HTMLProgressElement).max)).toBe(COUNT);
    await shot('send-progress.png');

    await page.click('#stop-btn');
    await page.waitForSelector('#resume-area:not([hidden])', { timeout: 20_000 });
    const stopped = /^Stopped: (\d+) delivered, 0 failed, (\d+) not sent, 0 skipped\.$/.exec((await text('#send-status')) ?? '');
    expect(stopped, (await text('#send-status')) ?? '').not.toBeNull();
    const [delivered, notSent] = [Number(stopped![1]), Number(stopped![2])];
    expect(delivered + notSent).toBe(COUNT);
    expect(notSent).toBeGreaterThan(0);
    expect(toUser()).toHaveLength(delivered);
    expect(await page.locator('#stop-btn').isVisible()).toBe(false);
    expect(await text('#send-eta')).toBe('');
    expect(await text('#resume-help')).toContain(`(${notSent} not sent, and any that failed), nothing twice`);
    expect(await text('#resume-btn')).toBe(`Resume: send the ${notSent} not sent`);
    const folder = path.join(root, '.lark-im-console');
    expect(await text('#resume-cli')).toMatch(new RegExp(`^lark-im write --config lark-im\\.json --input ${folder}/run-[\\w-]+\\.jsonl --state ${folder}/run-[\\w-]+\\.state$`));
    expect(await page.locator('#send-results li[data-status=not_sent]').count()).toBe(notSent);
    // The bar shows what was sent, not the messages the stop left unsent.
    expect(await page.locator('#send-progress').evaluate((p) => (p as HTMLProgressElement).value)).toBe(delivered);
    await shot('send-stopped.png');
    // The same in Chinese: the status, the resume box and its button.
    await page.selectOption('#lang', 'zh_CN');
    expect(await text('#send-status')).toBe(`已停止：${delivered} 条已送达，0 条失败，${notSent} 条未发送，0 条跳过。`);
    expect(await text('#resume-btn')).toBe(`继续：发送未发送的 ${notSent} 条`);
    expect(await text('#resume-help')).toContain(`${notSent} 条未发送`);
    await page.selectOption('#lang', 'en_US');
  }, 40_000);

  it('Resume sends only the rest: every message once', async () => {
    await page.click('#resume-btn');
    await expect.poll(() => text('#send-status'), { timeout: 30_000 }).toBe(`Done: ${COUNT} delivered, 0 failed, 0 not sent, 0 skipped.`);
    expect(await page.locator('#report-link').isVisible()).toBe(true);
    expect(await page.locator('#resume-area').isHidden()).toBe(true);
    const got = toUser();
    expect(got).toHaveLength(COUNT);
    expect(new Set(got.map((m) => m.content)).size).toBe(COUNT);
  }, 40_000);

  it('logged no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
