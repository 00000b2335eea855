// Launches the system chromium (Debian package) through playwright-core: no browser download.
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Where the browser specs put their screenshots (a path prefix): the docs' docs/screenshots/ only on request
 * (UPDATE_SCREENSHOTS=1 npx vitest run spec/console), so a test run leaves the work tree clean; otherwise a
 * temporary folder (the calls still run).
 */
export const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
  : path.join(mkdtempSync(path.join(os.tmpdir(), 'lark-im-shots-')), '/');

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

/** A fresh profile per run (persistent context on a temp user-data-dir), removed by close(). */
export async function launchBrowser(): Promise<{ browser: Browser | null; context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    // A browser spec that skips is not a pass: say what is missing and fail.
    throw new Error(`${CHROMIUM} not found: bash .ci/install-test-deps.sh installs Debian's chromium (or set CHROMIUM_PATH)`);
  }
  const { chromium } = await import('playwright-core');
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'console-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1100, height: 900 },
    acceptDownloads: true,
  });
  return {
    browser: context.browser(),
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A browser on the console's printed URL (with its token), once the page has built its forms. Page errors
 * (and, with consoleErrors, console.error lines) are collected in pageErrors for the spec to assert on.
 */
export async function openConsolePage(url: string, options: { consoleErrors?: boolean } = {}): Promise<{
  session: Awaited<ReturnType<typeof launchBrowser>>;
  page: Page;
  pageErrors: string[];
}> {
  const session = await launchBrowser();
  const page = session.context.pages()[0] ?? (await session.context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  if (options.consoleErrors) page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]');
  return { session, page, pageErrors };
}
