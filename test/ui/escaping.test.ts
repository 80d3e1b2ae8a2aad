import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startUiServer, type UiServer } from '../../emulator/ui/server.ts';
import { uclab } from '../support/cli.ts';
import { hasPeer } from '../support/peers.ts';
import { itWithBrowser, launch, openPage, screenshot } from './browser.ts';
import { HOSTILE_LOG } from './fixtures/script-cn.ts';

const FIXTURE = resolve(import.meta.dirname, 'fixtures', 'script-cn.ts');
/** The certificate subject as node's X509Certificate writes it (RFC 4514 escapes `<` and `>`). */
const SUBJECT_CN = 'CN=\\<script\\>alert(1)\\</script\\>\\<b\\>bold\\</b\\> &amp\\;';

/** Everything hostile shows as its characters, and none of it became an element or ran. */
async function expectShownAsText(page: Page): Promise<void> {
  const refused = page.locator('.row.out-refused').first();
  await refused.waitFor({ timeout: 60_000 });
  const body = await page.locator('body').innerText();
  expect(body).toContain('The trunk opens <b>over TLS</b>');
  expect(body).toContain(`[${HOSTILE_LOG}]`);
  expect(body).toContain(`admin:show cert own ${HOSTILE_LOG}`);
  await refused.click();
  // The panel renders after the click: wait for it rather than reading it at once.
  await expect.poll(() => page.locator('.detail').innerText(), { timeout: 15_000 }).toContain(SUBJECT_CN);
  const injected = await page.evaluate(() => ({
    scripts: document.querySelectorAll('#app script').length,
    images: document.querySelectorAll('#app img').length,
    // The page's own <b> (a device name) is fine; one holding the scenario's or the CN's text is not.
    bold: [...document.querySelectorAll('#app b')].filter((b) => /bold|over TLS/.test(b.textContent ?? ''))
      .length,
  }));
  expect(injected).toEqual({ scripts: 0, images: 0, bold: 0 });
}

describe('strings from certificates, logs and scenarios', () => {
  let browser: Browser | null = null;
  let server: UiServer;
  beforeAll(async () => {
    server = await startUiServer();
    if (hasPeer('chromium')) browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server.close();
  });

  itWithBrowser(
    'render as text on the live page: a certificate whose CN is <script> is shown, not run',
    async () => {
      if (!browser) throw new Error('no browser');
      const { page, errors, context } = await openPage(browser);
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.goto(server.url);
      const started = await server.session.start(FIXTURE, 'fault', false);
      expect(started.ok).toBe(true);
      await page.locator('.status', { hasText: 'PASSED' }).waitFor({ timeout: 60_000 });
      await expectShownAsText(page);
      await screenshot(page, 'escaping-live');
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    },
  );

  itWithBrowser('render as text in a report file', async () => {
    if (!browser) throw new Error('no browser');
    const file = join(mkdtempSync(join(tmpdir(), 'uclab-report-xss-')), 'r.html');
    const r = await uclab(['run', FIXTURE, '--quiet', '--report', file], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const { page, errors, context } = await openPage(browser, { offline: true });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pathToFileURL(file).href);
    await expectShownAsText(page);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
