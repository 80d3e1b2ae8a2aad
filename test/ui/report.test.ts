import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { uclab } from '../support/cli.ts';
import { hasPeer } from '../support/peers.ts';
import { itWithBrowser, launch, openPage, screenshot } from './browser.ts';

describe('uclab run --report', () => {
  let browser: Browser | null = null;
  let file = '';
  beforeAll(async () => {
    if (hasPeer('chromium')) browser = await launch();
    file = join(mkdtempSync(join(tmpdir(), 'uclab-report-')), 'itl.html');
    const r = await uclab(['run', 'itl-regen-callmanager-and-tvs', '--quiet', '--report', file], {
      timeoutMs: 120_000,
    });
    if (r.code !== 0) throw new Error(`uclab run failed (${r.code}): ${r.stderr}`);
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
  });

  itWithBrowser(
    'writes one HTML file that opens from disk with networking off and shows every variant',
    async () => {
      if (!browser) throw new Error('no browser');
      const html = readFileSync(file, 'utf8');
      expect(html).not.toMatch(/<script[^>]+src="(?!data:)/);
      expect(html).not.toMatch(/<link[^>]+href="(?!data:)/);
      const { page, errors, context } = await openPage(browser, { offline: true });
      const fetched: string[] = [];
      page.on('request', (r) => {
        if (!/^(data|file):/.test(r.url())) fetched.push(r.url());
      });
      await page.goto(pathToFileURL(file).href);
      const tabs = page.locator('.variant-tabs button');
      await tabs.first().waitFor({ timeout: 20_000 });
      expect(await tabs.allInnerTexts()).toEqual([
        'itl-regen-callmanager-and-tvs [fault] passed',
        'itl-regen-callmanager-and-tvs [fix] passed',
        'itl-regen-callmanager-and-tvs [fix-delete-itl] passed',
        'itl-regen-callmanager-and-tvs [fix-after-the-failure] passed',
      ]);
      expect(await page.locator('[data-phone="SEPB000B4BA0AEE"]').innerText()).toContain(
        'Trust List Update Failed',
      );
      const refused = page.locator('.row.out-refused', { hasText: 'TVS' }).first();
      expect(await refused.innerText()).toContain('TVS certificate is not in the ITL (role 21)');
      await refused.click();
      await expect
        .poll(() => page.locator('.detail').innerText(), { timeout: 15_000 })
        .toContain('CN=cucm-pub.lab.example');
      await screenshot(page, 'report-fault');

      await page.keyboard.press(']');
      await page.locator('.scenario-variant', { hasText: 'variant fix:' }).waitFor();
      expect(await page.locator('.row.out-refused').count()).toBe(0);
      expect(await page.locator('[data-phone="SEPB000B4BA0AEE"] .reg').innerText()).toContain('registered');
      await screenshot(page, 'report-fix');
      expect(fetched).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    },
  );
});
