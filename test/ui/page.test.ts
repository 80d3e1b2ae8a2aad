import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { loadScenario } from '../../emulator/runner.ts';
import { startUiServer, type UiServer } from '../../emulator/ui/server.ts';
import { hasPeer } from '../support/peers.ts';
import { itWithBrowser, launch, openPage, screenshot } from './browser.ts';

/** How many steps a variant of a catalogue scenario has: the tests follow the scenario, not a constant. */
async function stepCount(id: string, variant: string): Promise<number> {
  const r = await loadScenario(id);
  if (!r.ok) throw new Error(r.message);
  const v = r.scenario.variants[variant];
  if (!v) throw new Error(`${id} has no variant ${variant}`);
  return r.scenario.steps({ name: variant, params: v.params }).length;
}

const SCENARIO = 'itl-regen-callmanager-and-tvs';

describe("the trainer's page in a browser", () => {
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
    'a trainer steps through the fault from the page: the screen says Trust List Update Failed and the refused exchange says why',
    async () => {
      if (!browser) throw new Error('no browser');
      const { page, errors, context } = await openPage(browser);
      await page.goto(server.url);
      await page.selectOption('select[aria-label="scenario"]', SCENARIO);
      await page.getByRole('radio', { name: /fault/ }).click();
      await page.getByRole('button', { name: 'S start' }).click();

      // "Next" shows the step's explanation before the step runs: the lab is up, no step has started.
      const held = page.locator('.held');
      await held.waitFor({ timeout: 30_000 });
      expect(await held.innerText()).toContain('The phone installs the ITL (signed by the 11.5 CallManager)');
      await page.locator('[data-device="cucm-pub"]').waitFor();
      expect(await page.locator('.row.shape-step').count()).toBe(0);

      const steps = await stepCount(SCENARIO, 'fault');
      for (let step = 1; step <= steps; step++) {
        await page
          .locator('.held-title', { hasText: `step ${step} of ${steps}` })
          .waitFor({ timeout: 30_000 });
        if (step === 5) await screenshot(page, 'page-held-before-step-5');
        await page.keyboard.press('n');
      }
      await page.locator('.status', { hasText: 'PASSED' }).waitFor({ timeout: 30_000 });

      const screen = page.locator('[data-phone="SEPB000B4BA0AEE"]');
      expect(await screen.innerText()).toContain('Trust List Update Failed');
      const refused = page.locator('.row.out-refused', { hasText: 'TVS' }).first();
      expect(await refused.innerText()).toContain(
        "SEPB000B4BA0AEE refused cucm-pub's certificate: TVS certificate is not in the ITL (role 21) → alert unknown_ca(48)",
      );

      // Selecting it shows the certificate and filters the logs to that moment.
      await refused.click();
      // The panel renders after the click: wait for it rather than reading it at once.
      await expect
        .poll(() => page.locator('.detail').innerText(), { timeout: 15_000 })
        .toContain('CN=cucm-pub.lab.example');
      const detail = await page.locator('.detail').innerText();
      expect(detail).toMatch(/serial\s+[0-9A-F]{16,}/);
      const phoneLog = await page.locator('[data-log="SEPB000B4BA0AEE"]').innerText();
      expect(phoneLog).toContain('unable to reach a trusted TVS server');
      expect(phoneLog).not.toContain('Requesting CTLFile.tlv');
      await screenshot(page, 'page-fault-refused-tvs');
      expect(errors).toEqual([]);
      await context.close();
    },
  );

  itWithBrowser(
    "clicking the refused TLS exchange shows the certificate's extensions and the rule that decided",
    async () => {
      if (!browser) throw new Error('no browser');
      const { page, errors, context } = await openPage(browser);
      await page.goto(server.url);
      await page.selectOption('select[aria-label="scenario"]', SCENARIO);
      await page.getByRole('radio', { name: /fault/ }).click();
      await page.getByRole('checkbox', { name: 'step by step' }).uncheck();
      await page.keyboard.press('s');
      await page.locator('.status', { hasText: 'PASSED' }).waitFor({ timeout: 60_000 });
      await page.locator('.row.out-refused', { hasText: 'TVS' }).first().click();
      const detail = page.locator('.detail');
      const rule = await detail.locator('.decision.tone-bad .rule').innerText();
      expect(rule).toContain('phone.tvs-server-itl-role-21');
      expect(rule).toContain('TVS certificate is the ITL TVS record (role 21)');
      const cert = detail.locator('.cert').first();
      const labels = await cert.locator('dt.ext').allInnerTexts();
      expect(labels).toEqual(['basicConstraints', 'keyUsage', 'extKeyUsage', 'subjectAltName']);
      const values = await cert.locator('dd.ext').allInnerTexts();
      expect(values[0]).toMatch(/^CA:(TRUE|FALSE)/);
      expect(values[1]).toContain('digitalSignature');
      expect(values[2]).toContain('serverAuth');
      await screenshot(page, 'page-tls-extensions-and-rule');
      expect(errors).toEqual([]);
      await context.close();
    },
  );

  itWithBrowser(
    'switching to the fix variant runs it to the end and it passes with the phone registered',
    async () => {
      if (!browser) throw new Error('no browser');
      const { page, errors, context } = await openPage(browser);
      await page.goto(server.url);
      await page.selectOption('select[aria-label="scenario"]', SCENARIO);
      await page.getByRole('radio', { name: /^2 fix$/ }).click();
      await page.getByRole('checkbox', { name: 'step by step' }).uncheck();
      await page.keyboard.press('s');
      await page.locator('.scenario-variant', { hasText: 'variant fix:' }).waitFor({ timeout: 30_000 });
      await page.locator('.status', { hasText: 'PASSED' }).waitFor({ timeout: 60_000 });
      expect(await page.locator('.row.out-refused').count()).toBe(0);
      expect(await page.locator('[data-phone="SEPB000B4BA0AEE"] .reg').innerText()).toContain('registered');
      expect(await page.locator('[data-phone="SEPB000B4BA0AEE"]').innerText()).not.toContain(
        'Trust List Update Failed',
      );
      await screenshot(page, 'page-fix-passed');
      expect(errors).toEqual([]);
      await context.close();
    },
  );
});
