import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { uclab, uclabUntil } from '../support/cli.ts';
import { hasPeer } from '../support/peers.ts';
import { itWithBrowser, launch, openPage, screenshot } from './browser.ts';

describe('the page attached to a lab kept up by uclab up', () => {
  let browser: Browser | null = null;
  beforeAll(async () => {
    if (hasPeer('chromium')) browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  itWithBrowser(
    "shows the lab's exchanges and follows an admin command typed into it, without a reload",
    async () => {
      if (!browser) throw new Error('no browser');
      const dir = mkdtempSync(join(tmpdir(), 'uclab-ui-attach-'));
      const up = await uclabUntil(
        ['up', 'itl-regen-callmanager-and-tvs', '--variant', 'fault', '--artifacts', dir],
        /lab ready .*\n/,
        90_000,
      );
      try {
        expect(existsSync(join(dir, 'events.jsonl'))).toBe(true);
        const ui = await uclabUntil(['ui', '--attach', dir], /uclab ui: http:\S+\n/, 60_000);
        try {
          const url = /uclab ui: (http:\S+)/.exec(ui.output())?.[1] ?? '';
          expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
          const { page, errors, context } = await openPage(browser);
          await page.goto(url);
          await page
            .locator('.status', { hasText: 'attached to itl-regen-callmanager-and-tvs/fault' })
            .waitFor();
          const refused = page.locator('.row.out-refused', { hasText: 'TVS certificate is not in the ITL' });
          await refused.first().waitFor({ timeout: 30_000 });
          expect(await page.locator('[data-phone="SEPB000B4BA0AEE"]').innerText()).toContain(
            'Trust List Update Failed',
          );
          const command = page.locator('.row', { hasText: 'admin:show cert list own' });
          expect(await command.count()).toBe(0);
          const r = await uclab(['console', 'cucm-pub', '--artifacts', dir, '-c', 'show cert list own']);
          expect(r.code).toBe(0);
          await command.first().waitFor({ timeout: 20_000 });
          await screenshot(page, 'page-attached');
          expect(errors).toEqual([]);
          await context.close();
        } finally {
          await ui.stop();
        }
      } finally {
        await up.stop();
      }
    },
    180_000,
  );
});
