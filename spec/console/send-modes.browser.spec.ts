// The console's send-mode editor in a real browser against the emulator: mode switch, binding table with field
// suggestions from the pasted records, a template with its live preview, the fixed-receiver picker, and a send.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startConsole, type ConsoleHandle } from '../../src/console/server.js';
import { launchBrowser, openConsolePage } from './browser.js';
import { SOURCE_CONTENT_TYPES } from '../../src/pipeline/transform/config.js';

const RECORDS = [
  { id: 7, status: 'paid', customer: { name: 'Alice "A" Wang', email: 'alice@example.com' } },
  { id: 8, status: 'shipped', customer: { name: 'No Email' } },
].map((r) => JSON.stringify(r)).join('\n');

describe('console send modes (browser, emulator)', () => {
  let con: ConsoleHandle;
  let session: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    // Its own folder: a send keeps its files there (.lark-im-console/), never in the work tree.
    con = await startConsole({ port: 0, host: '127.0.0.1', emulator: true, root: mkdtempSync(join(tmpdir(), 'console-root-')) });
    ({ session, page, pageErrors } = await openConsolePage(con.url));
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await con?.close();
  });

  it('dynamic binding with a template: fields offered from the records, live preview, dry-run and send', async () => {
    await page.fill('#records', RECORDS);
    await page.dispatchEvent('#records', 'input');
    await page.selectOption('#node-sendType', { label: 'Dynamic binding (receivers from record fields)' });
    await page.click('#send-mode-editor fieldset:first-of-type button:has-text("Add")');
    await page.selectOption('#send-mode-editor select[aria-label="Receiver type"]', 'email');
    // The selects offer the connector's lists (from the manifest), not copies kept in the page.
    const optionsOf = (label: string) =>
      page.$$eval(`#send-mode-editor select[aria-label="${label}"] option`, (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(await optionsOf('Receiver type')).toEqual(['chat_id', 'open_id', 'user_id', 'union_id', 'phone', 'email']);
    const options = await page.$$eval('#send-mode-editor datalist option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(expect.arrayContaining(['id', 'customer.name', 'customer.email']));
    await page.fill('#send-mode-editor input[aria-label="Record field"]', 'customer.email');
    await page.check('#send-mode-editor input[type=checkbox]');
    expect(await optionsOf('Content type')).toEqual([...SOURCE_CONTENT_TYPES]);
    await page.fill('#send-mode-editor textarea', '{"text": "Order {{id}} for {{customer.name}}"}');
    // The live preview renders the first record with these settings.
    await expect.poll(() => page.locator('.template-preview').textContent(), { timeout: 10_000 }).toContain('Order 7 for Alice \\"A\\" Wang');
    await page.click('#dry-run-btn');
    await page.waitForSelector('#dry-run-results li');
    expect(await page.$$eval('#dry-run-results li', (lis) => lis.map((li) => li.getAttribute('data-status')))).toEqual(['valid', 'failed']);
    expect(await page.locator('#dry-run-results li').nth(1).textContent()).toContain('customer.email');
    await page.click('#send-btn');
    await expect.poll(() => page.locator('#send-status').getAttribute('data-kind'), { timeout: 15_000 }).toMatch(/ok|warn/);
    expect(await page.$$eval('#send-results li', (lis) => lis.map((li) => li.getAttribute('data-status')))).toEqual(['delivered', 'failed']);
  });

  it('fixed receivers: the picker searches the emulator and the pick is what the preview sends to', async () => {
    await page.selectOption('#node-sendType', { label: 'Fixed receivers' });
    await page.fill('#send-mode-editor input[type=search]', 'ops');
    await page.click('#send-mode-editor button:has-text("Search")');
    await page.waitForSelector('.picker-results li', { timeout: 5000 }).catch(async (e) => { throw new Error(String(await page.locator('#send-mode-editor').textContent()) + e); });
    expect(await page.locator('.picker-results li').first().textContent()).toContain('Ops Alerts');
    await page.click('.picker-results li button');
    expect(await page.locator('.picked li').count()).toBe(1);
    await expect.poll(() => page.locator('.template-preview').textContent(), { timeout: 10_000 }).toContain('receive_id_type=chat_id');
    expect(pageErrors).toEqual([]);
  });
});
