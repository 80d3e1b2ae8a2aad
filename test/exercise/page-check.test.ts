/**
 * The page attached to an exercise lab: "Check my fix" says "Not solved yet." before the repair and
 * "Solved" after it, and "Hint" gives a hint, all through the page as a trainee would press them.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { uclabUntil } from '../support/cli.ts';
import { hasPeer } from '../support/peers.ts';
import { itWithBrowser, launch, openPage, screenshot } from '../ui/browser.ts';
import { upExercise } from './lab.ts';

describe('the page attached to an exercise lab', () => {
  let browser: Browser | null = null;
  beforeAll(async () => {
    if (hasPeer('chromium')) browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  itWithBrowser(
    '"Check my fix" fails before the console repair and passes after it',
    async () => {
      if (!browser) throw new Error('no browser');
      const lab = await upExercise('ctl-stale-after-regen');
      try {
        const ui = await uclabUntil(['ui', '--attach', lab.dir], /uclab ui: http:\S+\n/, 60_000);
        try {
          const url = /uclab ui: (http:\S+)/.exec(ui.output())?.[1] ?? '';
          const { page, errors, context } = await openPage(browser);
          await page.goto(url);
          const panel = page.locator('section.exercise');
          await panel.getByText('the encrypted phone SEP0011215A1AE3').waitFor({ timeout: 30_000 });
          const verdict = (text: string) => panel.locator('.exercise-verdict', { hasText: text });

          await panel.getByRole('button', { name: 'Check my fix' }).click();
          await verdict('Not solved yet.').waitFor({ timeout: 60_000 });
          expect(await panel.locator('li.not-held').innerText()).toContain(
            'SEP0011215A1AE3 is registered over TLS',
          );
          await screenshot(page, 'exercise-not-solved');

          await panel.getByRole('button', { name: 'Hint' }).click();
          await panel.locator('.exercise-text', { hasText: 'Hint 1 of 4:' }).waitFor({ timeout: 20_000 });

          const fixed = await lab.console('cucm-pub', 'utils ctl set-cluster mixed-mode');
          expect(fixed.code).toBe(0);

          await panel.getByRole('button', { name: 'Check my fix' }).click();
          await verdict('Solved: the symptom is gone.').waitFor({ timeout: 60_000 });
          expect(await panel.locator('.exercise-text').innerText()).toContain('Root cause:');
          await screenshot(page, 'exercise-solved');
          expect(errors).toEqual([]);
          await context.close();
        } finally {
          await ui.stop();
        }
      } finally {
        await lab.stop();
      }
    },
    240_000,
  );
});
