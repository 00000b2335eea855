// The console page before it is ready, and without its token, in a real browser (Debian chromium): a loading
// state while the script builds the forms, and a page that says how to open the console instead of a red
// banner over an empty form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Route } from 'playwright-core';
import { startConsole, type ConsoleHandle } from '../../src/console/server.js';
import { launchBrowser, SHOTS } from './browser.js';
import { baseOf } from './http.js';

describe('console page states (browser)', () => {
  let con: ConsoleHandle;
  let session: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;

  beforeAll(async () => {
    con = await startConsole({ port: 0, host: '127.0.0.1', emulator: true });
    session = await launchBrowser();
    page = session.context.pages()[0] ?? (await session.context.newPage());
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await con?.close();
  });

  it('shows a loading state until the script has built the forms, then the forms', async () => {
    // Hold the page's script and its stylesheet: what the HTML shows alone is what a slow machine shows first
    // (the form stays hidden by the HTML itself, not by a stylesheet that may not have arrived).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const hold = async (route: Route) => {
      await held;
      await route.continue();
    };
    await page.route('**/js/app.js', hold);
    await page.route('**/styles.css', hold);
    await page.goto(con.url, { waitUntil: 'commit' });
    await page.waitForSelector('#loading', { state: 'visible' });
    expect(await page.locator('#loading').textContent()).toContain('Loading the console');
    expect(await page.locator('#loading').getAttribute('role')).toBe('status');
    expect(await page.locator('#main').isVisible()).toBe(false);
    release();
    await page.waitForSelector('body[data-ready=true]');
    expect(await page.locator('#loading').isVisible()).toBe(false);
    expect(await page.locator('#connection-form').isVisible()).toBe(true);
    expect(await page.locator('#connection-appId').inputValue()).toBe('cli_demo_app');
    await page.unroute('**/js/app.js');
    await page.unroute('**/styles.css');
  });

  it('without the token: a page that says how to open the console, no form and no red banner', async () => {
    await session.context.clearCookies();
    const answer = await page.goto(baseOf(con));
    expect(answer?.status()).toBe(401);
    expect(await page.locator('h1').textContent()).toBe('Open the console with its link');
    for (const shown of ['h1', '.token-url']) expect(await page.locator(shown).isVisible(), shown).toBe(true);
    expect(await page.locator('.token-url').textContent()).toBe(`${baseOf(con)}?token=…`);
    expect(await page.locator('body').textContent()).toContain('lark-im console');
    expect(await page.locator('#connection-form').count()).toBe(0);
    expect(await page.locator('.fatal').count()).toBe(0);
    await page.screenshot({ path: SHOTS + 'token-missing.png' });
    // Opening the printed URL from here works as ever.
    await page.goto(con.url);
    await page.waitForSelector('body[data-ready=true]');
    expect(await page.locator('.fatal').count()).toBe(0);
  });
});
