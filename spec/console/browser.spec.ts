// The console in a real browser (Debian chromium via playwright-core), against the embedded emulator.
// Takes the screenshots the docs use (saved under docs/screenshots/ with UPDATE_SCREENSHOTS=1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { startConsole, type ConsoleHandle } from '../../src/console/server.js';
import { launchBrowser, openConsolePage, SHOTS } from './browser.js';
import { DEMO_SECRET, mixedRecords } from './http.js';
import { dataUri, png } from '../pipeline/media/helpers.js';

describe('console in a browser (emulator)', () => {
  let con: ConsoleHandle;
  let session: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    // Its own folder: a send keeps its files there (.lark-im-console/), never in the work tree.
    con = await startConsole({ port: 0, host: '127.0.0.1', emulator: true, root: mkdtempSync(join(tmpdir(), 'console-root-')) });
    // The printed URL carries the token: the first load turns it into a cookie and leaves the address clean.
    ({ session, page, pageErrors } = await openConsolePage(con.url, { consoleErrors: true }));
    context = session.context;
    expect(page.url()).toBe(new URL('/', con.url).toString());
    const cookie = (await context.cookies()).find((c) => c.name === 'lark_im_console');
    expect(cookie).toMatchObject({ value: con.token, httpOnly: true, sameSite: 'Strict' });
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await con?.close();
  });

  it('renders the connection and node forms from the manifest, with labels and the secret masked', async () => {
    await expect(page.getByLabel('App ID', { exact: false }).first().inputValue()).resolves.toBe('cli_demo_app');
    const secret = page.locator('#connection-appSecret');
    expect(await secret.getAttribute('type')).toBe('password');
    expect(await secret.inputValue()).toBe('');
    expect(await secret.getAttribute('placeholder')).toBe('(saved)');
    // every visible form control has a label
    const unlabelled = await page.$$eval('input:not([type=hidden]), select, textarea', (els) =>
      els.filter((el) => !(el as HTMLElement).closest('[hidden]') && (el as HTMLInputElement).labels?.length === 0).map((el) => el.id));
    expect(unlabelled).toEqual([]);
    // required marks from the manifest
    expect(await page.locator('label[for=connection-appId] .req').count()).toBe(1);
    // Select from the manifest enum, with the emulator URL as a custom value
    expect(await page.locator('#connection-domain option').allTextContents()).toEqual(
      expect.arrayContaining(['Feishu (open.feishu.cn)', 'Lark (open.larksuite.com)']));
    expect(await page.locator('#connection-domain-custom').inputValue()).toBe(con.emulatorUrl);
    // node settings
    expect(await page.locator('#node-maxInFlight').getAttribute('type')).toBe('number');
    expect(await page.locator('#node-updateEvents option').count()).toBe(3);
    // tooltips are visible hints tied to the inputs
    const hintId = await page.locator('#connection-appId').getAttribute('aria-describedby');
    expect(await page.locator(`#${hintId}`).textContent()).toMatch(/developer console/);
  });

  it('tests the connection: each item in order with its status', async () => {
    await page.locator('#test-btn').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#test-results li[data-item=read]');
    const items = await page.$$eval('#test-results li', (lis) => lis.map((li) => [li.getAttribute('data-item'), li.getAttribute('data-status')]));
    expect(items).toEqual([['credentials', 'ok'], ['bot', 'ok'], ['permissions', 'ok'], ['read', 'ok']]);
    expect(await page.locator('#test-status').textContent()).toContain('4 ok');
    await page.locator('#connection-section').screenshot({ path: SHOTS + 'connection-test.png' });
  });

  it('shows a failing credentials item with its advice for a wrong secret', async () => {
    await page.fill('#connection-appSecret', 'not-the-right-secret');
    await page.click('#test-btn');
    await page.waitForSelector('#test-results li[data-item=credentials][data-status=fail]');
    const detail = await page.locator('#test-results li[data-item=credentials] .test-detail').textContent();
    expect(detail).toMatch(/secret/i);
    expect(await page.locator('#connection-appSecret').inputValue()).toBe('');
    expect(await page.locator('#connection-appSecret').getAttribute('placeholder')).toBe('(saved)');
    expect(await page.content()).not.toContain('not-the-right-secret');
    await page.locator('#connection-section').screenshot({ path: SHOTS + 'connection-test-fail.png' });
    // put the right secret back
    await page.fill('#connection-appSecret', DEMO_SECRET);
    await page.click('#test-btn');
    await page.waitForSelector('#test-results li[data-item=credentials][data-status=ok]');
  });

  it('dry-runs a mixed upload: rendered requests, previews and field-level errors', async () => {
    await page.setInputFiles('#records-file', { name: 'mixed.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(mixedRecords()) });
    await expect.poll(() => page.locator('#records').inputValue()).toContain('Nightly report');
    await page.click('#dry-run-btn');
    await page.waitForSelector('#dry-run-results li');
    expect(await page.locator('#dry-run-results li[data-status=valid]').count()).toBe(2);
    expect(await page.locator('#dry-run-results li[data-status=failed]').count()).toBe(2);
    const first = page.locator('#dry-run-results li').nth(0);
    expect(await first.locator('dl').first().textContent()).toContain('open_id');
    expect(await first.locator('pre.content').textContent()).toContain('"text"');
    // text preview: <at> as @Name, markup shown as text, never executed
    expect(await first.locator('.bubble .mention').textContent()).toBe('@Alice');
    expect(await first.locator('.bubble').textContent()).toContain('<script>alert(1)</script>');
    expect(await page.locator('.bubble script').count()).toBe(0);
    // post preview: title, paragraphs, safe links only
    const post = page.locator('#dry-run-results li').nth(1);
    expect(await post.locator('.post-title').textContent()).toBe('Nightly report');
    expect(await post.locator('.bubble a').getAttribute('href')).toBe('https://example.com/r/1');
    expect(await post.locator('.bubble a').count()).toBe(1);
    // errors name the field
    const missing = page.locator('#dry-run-results li').nth(2);
    expect(await missing.locator('.field-name').textContent()).toMatch(/receiveId/);
    expect(await page.locator('#dry-run-status').textContent()).toContain('2 valid');
    await page.locator('#records-section').screenshot({ path: SHOTS + 'dry-run.png' });
  });

  it('dry-run of image sources: the uploads a send would make, each image as a thumbnail of the checked bytes', async () => {
    const image2x2 = png(2, 2, [255, 0, 0]);
    const uri = dataUri('image/png', image2x2);
    const records = [
      { receiveType: 'user', receiveId: 'ou_a11ce000000000000000000000000001', contentType: 'image', content: { image: uri } },
      { receiveType: 'user', receiveId: 'ou_a11ce000000000000000000000000001', contentType: 'post', content: { zh_cn: { title: 'Chart', content: [[{ tag: 'img', image: uri }]] } } },
    ];
    await page.fill('#records', records.map((r) => JSON.stringify(r)).join('\n'));
    await page.click('#dry-run-btn');
    // The previous test's results (2 valid as well) stay until these replace them.
    await page.waitForSelector('#dry-run-results .uploads');
    expect(await page.locator('#dry-run-results li[data-status=valid]').count()).toBe(2);
    const image = page.locator('#dry-run-results > li').nth(0);
    expect(await image.locator('.uploads .upload').count()).toBe(1);
    expect(await image.locator('.uploads').textContent()).toMatch(new RegExp(`image · png.*${image2x2.length} B`));
    // The thumbnail is the checked image itself (decoded by the browser: 2x2), in the upload list and the preview.
    const sizes = await image.locator('img.thumbnail').evaluateAll((els) => els.map((e) => `${(e as HTMLImageElement).naturalWidth}x${(e as HTMLImageElement).naturalHeight}`));
    expect(sizes).toEqual(['2x2', '2x2']);
    const post = page.locator('#dry-run-results > li').nth(1);
    expect(await post.locator('.bubble-post img.thumbnail').count()).toBe(1);
    expect(await post.locator('pre.content').textContent()).toContain('img_dryrun_');
  });

  it('sends with live progress, per-message outcomes and a report download', async () => {
    await page.fill('#records', mixedRecords());
    await page.click('#send-btn');
    await page.waitForSelector('#report-link:not([hidden])', { timeout: 15_000 });
    expect(await page.locator('#send-results li[data-status=delivered]').count()).toBe(2);
    expect(await page.locator('#send-results li[data-status=failed]').count()).toBe(2);
    expect(await page.locator('#send-results li[data-status=delivered] code').first().textContent()).toMatch(/^om_/);
    expect(await page.locator('#send-status').textContent()).toContain('2 delivered');
    expect(await page.locator('#send-progress').evaluate((p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max])).toEqual([4, 4]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-link')]);
    const file = await download.path();
    const { readFile } = await import('node:fs/promises');
    // The CLI's report format: one line per message, no summary line.
    const lines = (await readFile(file!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { status: string });
    expect(lines.map((l) => l.status)).toEqual(['delivered', 'delivered', 'failed', 'failed']);
    await page.locator('#send-section').screenshot({ path: SHOTS + 'send.png' });
  });

  it('source tab: lists the bot\'s chats and previews the newest messages of one, with sender names (read, not sent)', async () => {
    const sentBefore = await page.locator('#send-results li').count();
    await page.locator('#source-chats-btn').click();
    await page.waitForSelector('#source-chat option', { state: 'attached' });
    expect(await page.locator('#source-chat option').count()).toBe(2);
    await page.locator('#source-preview-btn').click();
    await page.waitForSelector('#source-results li');
    expect(await page.locator('#source-results li').count()).toBe(20);
    expect(await page.locator('#source-status').textContent()).toBe('20 messages (newest first)');
    // Newest first: the times in the cards go down.
    const times = await page.$$eval('#source-results li .meta', (ps) => ps.map((p) => Date.parse(p.textContent!.split(' · ')[0]!)));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times[0]).toBeGreaterThan(times.at(-1)!);
    // The seeded senders by name (the emulator's demo app may read its contact range), their ids as tooltips;
    // the bot's own message (sent above) by its app id.
    const senders = await page.$$eval('#source-results li .sender', (els) => els.map((e) => [e.textContent, e.getAttribute('title')]));
    expect(senders).toHaveLength(20);
    const users = senders.filter(([name]) => name !== 'cli_demo_app');
    expect(users.length).toBeGreaterThanOrEqual(18);
    for (const [name, id] of users) {
      expect(name).toMatch(/^(Alice Wang|Bob Li|Carol Zhang|Dave Chen|Frank Zhao)$/);
      expect(id).toMatch(/^ou_/);
    }
    expect(await page.locator('#source-names').textContent()).toBe('');
    expect(await page.locator('#send-results li').count()).toBe(sentBefore);
    await page.locator('#source-section').screenshot({ path: SHOTS + 'source-preview.png' });
  });

  it('switches language: field titles, tooltips, buttons and test items in Chinese', async () => {
    await page.selectOption('#lang', 'zh_CN');
    expect(await page.locator('label[for=connection-domain] .label-text').textContent()).toBe('域名');
    expect(await page.locator('#test-btn').textContent()).toBe('测试连接');
    expect(await page.locator('#test-results li[data-item=credentials] .test-title').textContent()).toBe('应用凭证');
    // The details too (the manifest's messages), not only the titles; values such as the URL stay as they are.
    const detail = (item: string) => page.locator(`#test-results li[data-item=${item}] .test-detail`).textContent();
    expect(await detail('credentials')).toMatch(/^应用 cli_demo_app 已从 http:\/\/127\.0\.0\.1:\d+\/? 获取 tenant_access_token（未使用代理）$/);
    expect(await detail('permissions')).toBe('已授予 im:message:send_as_bot 和 contact:user.id:readonly');
    expect(await detail('bot')).toMatch(/^机器人“.+”已启用$/);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-Hans');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: SHOTS + 'zh-CN.png' });
    await page.selectOption('#lang', 'zh_TW');
    expect(await page.locator('label[for=connection-domain] .label-text').textContent()).toBe('網域');
    expect(await page.locator('#connection-appSecret').getAttribute('placeholder')).toBe('（已儲存）');
    expect(await detail('credentials')).toMatch(/^應用 cli_demo_app 已從 .+ 取得 tenant_access_token（未使用代理）$/);
    expect(await detail('read')).toMatch(/：來源會讀取機器人所在會話的全部訊息$/);
    await page.selectOption('#lang', 'en_US');
    expect(await page.locator('#test-btn').textContent()).toBe('Test connection');
    expect(await detail('credentials')).toMatch(/^App cli_demo_app obtained a tenant_access_token from .+ \(no proxy\)$/);
    await page.screenshot({ path: SHOTS + 'overview.png', fullPage: true });
  });

  it('logged no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
