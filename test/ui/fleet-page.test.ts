/**
 * A lab of 40 phones on the trainer's page, as a class sees it from the back of the room: one box for
 * the phones in the picture, one lane for them in the ladder, a tile a phone beside the screens.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { uclab } from '../support/cli.ts';
import { hasPeer } from '../support/peers.ts';
import { itWithBrowser, launch, openPage, screenshot } from './browser.ts';

describe('the page of a lab of 40 phones', () => {
  let browser: Browser | null = null;
  let file = '';
  beforeAll(async () => {
    if (hasPeer('chromium')) browser = await launch();
    file = join(mkdtempSync(join(tmpdir(), 'uclab-fleet-page-')), 'fleet.html');
    const r = await uclab(
      ['run', 'fleet-regen-callmanager-and-tvs', '--variant', 'fault', '--quiet', '--report', file],
      { timeoutMs: 120_000 },
    );
    if (r.code !== 0) throw new Error(`uclab run failed (${r.code}): ${r.stderr}`);
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
  });

  itWithBrowser('draws the phones as one box, one lane and a tile each; a tile shows its phone', async () => {
    if (!browser) throw new Error('no browser');
    const { page, errors } = await openPage(browser, { offline: true });
    await page.goto(pathToFileURL(file).href);
    const box = page.locator('.picture [data-device="phones"]');
    await box.waitFor({ timeout: 20_000 });
    expect(await box.textContent()).toContain('unregistered: 4');
    expect(await page.locator('.picture [data-device^="SEP"]').count()).toBe(0);
    expect(await page.locator('.lane-head .lane-name').allInnerTexts()).toEqual(['phones', 'cucm-pub']);

    const tiles = page.locator('.fleet .tile');
    expect(await tiles.count()).toBe(40);
    const lost = page.locator('.fleet .tile.tone-warn');
    expect(await lost.count()).toBe(4);
    // The four unplugged phones were every tenth: 01, 0B, 15, 1F.
    expect(await lost.evaluateAll((ts) => ts.map((t) => t.getAttribute('data-tile')))).toEqual([
      'SEPB00000000001',
      'SEPB0000000000B',
      'SEPB00000000015',
      'SEPB0000000001F',
    ]);
    // Before any click, the screen beneath the tiles is the first phone that is not registered.
    expect(await page.locator('.screens .phone').getAttribute('data-phone')).toBe('SEPB00000000001');
    await page.locator('[data-tile="SEPB00000000015"]').click();
    await expect
      .poll(() => page.locator('[data-phone="SEPB00000000015"]').innerText(), { timeout: 10_000 })
      .toContain('Trust List Update Failed');
    expect(await page.locator('.screens .phone').count()).toBe(1);
    await screenshot(page, 'fleet-page');
    expect(errors).toEqual([]);
  });
});
