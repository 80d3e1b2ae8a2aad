/**
 * `uclab plan PLAN --report FILE.html` and `uclab merge-reports ... --report FILE.html`: the trainer's
 * view of a fleet run opens from disk in a real browser with networking off, shows the fleet's
 * outcome counts over the plan's steps and each broken phone's reason, and renders hostile strings as
 * text. The fleets are the catalogue's CAPF plans at ten phones.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { expandFleet } from '../../emulator/plan/fleet.ts';
import { readPlanFile } from '../../emulator/plan/plan-file.ts';
import { buildReport, type PhoneResult } from '../../emulator/plan/report.ts';
import { writePlanReportHtml } from '../../emulator/plan/report-html.ts';
import { uclab } from '../support/cli.ts';
import { hasPeer } from '../support/peers.ts';
import { itWithBrowser, launch, openPage, screenshot } from './browser.ts';

const PLANS = join(import.meta.dirname, '..', '..', 'plans');
const DIR = mkdtempSync(join(tmpdir(), 'uclab-plan-report-'));

/** The catalogue plan with a fleet of ten, written beside the reports. */
function smallPlan(file: string): string {
  const text = readFileSync(join(PLANS, file), 'utf8');
  if (!/\n {2}size: 100\n/.test(text)) throw new Error(`${file}: no fleet size of 100 to shrink`);
  const out = join(DIR, file);
  writeFileSync(out, text.replace(/\n {2}size: 100\n/, '\n  size: 10\n'));
  return out;
}

function fleetOf(file: string) {
  const r = readPlanFile(file);
  if (!r.ok) throw new Error(`${file}: ${r.error.message}`);
  return expandFleet(r.plan);
}

/** Opens a report offline; fails the test on any request that is not the file itself. */
async function open(
  browser: Browser,
  file: string,
): Promise<{ page: Page; errors: string[]; fetched: string[] }> {
  const { page, errors, context } = await openPage(browser, { offline: true });
  await context.setOffline(true);
  const fetched: string[] = [];
  await context.route(/^(?!file:|data:)/, (route) => {
    fetched.push(route.request().url());
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href);
  return { page, errors, fetched };
}

const count = (page: Page, step: string, state: string) =>
  page.locator(`table.by-step td[data-step="${step}"][data-state="${state}"]`).innerText();

describe('uclab plan --report', () => {
  let browser: Browser | null = null;
  const working = join(DIR, 'working.html');
  const broken = join(DIR, 'broken.html');
  let workingPlan = '';
  let brokenPlan = '';
  beforeAll(async () => {
    if (hasPeer('chromium')) browser = await launch();
    workingPlan = smallPlan('capf-regen-lsc-reissue.yaml');
    brokenPlan = smallPlan('capf-regen-lsc-reissue.broken.yaml');
    const opts = { timeoutMs: 280_000 };
    const [w, s1, s2] = await Promise.all([
      uclab(['plan', workingPlan, '--quiet', '--report', working], opts),
      uclab(['plan', brokenPlan, '--quiet', '--shard', '1/2', '--report-json', join(DIR, 's1.json')], opts),
      uclab(['plan', brokenPlan, '--quiet', '--shard', '2/2', '--report-json', join(DIR, 's2.json')], opts),
    ]);
    if (w.code !== 0) throw new Error(`working plan: exit ${w.code}: ${w.stderr}`);
    if (s1.code !== 1 || s2.code !== 1)
      throw new Error(`broken shards: exit ${s1.code}/${s2.code}: ${s1.stderr}`);
    const m = await uclab(['merge-reports', join(DIR, 's1.json'), join(DIR, 's2.json'), '--report', broken]);
    if (m.code !== 1) throw new Error(`merge-reports: exit ${m.code}: ${m.stderr}`);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
  });

  itWithBrowser(
    'the working plan: every phone trusted again after the reissue, counted step by step',
    async () => {
      if (!browser) throw new Error('no browser');
      const fleet = fleetOf(workingPlan);
      const enc = fleet.filter((p) => p.tftpEncryptedConfig).length;
      const lsc = fleet.filter((p) => p.certificate === 'lsc').length;
      expect(enc).toBeGreaterThan(0);
      const { page, errors, fetched } = await open(browser, working);
      expect(await page.locator('.verdict').innerText()).toBe(
        '0 of 10 phones broken (allowed 0): plan passes',
      );
      expect(await count(page, 'boot', 'trusted')).toBe('10');
      expect(await count(page, 'regen-capf', 'trusted')).toBe(String(10 - lsc));
      expect(await count(page, 'regen-capf', 'lsc-invalid')).toBe(String(lsc - enc));
      expect(await count(page, 'regen-capf', 'config-unreadable')).toBe(String(enc));
      expect(await count(page, 'reissue-lsc', 'trusted')).toBe('10');
      expect(await count(page, 'reissue-lsc', 'config-unreadable')).toBe('0');
      await screenshot(page, 'plan-report-working');
      expect(errors).toEqual([]);
      expect(fetched).toEqual([]);
    },
  );

  itWithBrowser(
    'the broken plan, two shards merged: the counts, the summary and a broken phone in its own words',
    async () => {
      if (!browser) throw new Error('no browser');
      const fleet = fleetOf(brokenPlan);
      const enc = fleet.filter((p) => p.tftpEncryptedConfig);
      const lsc = fleet.filter((p) => p.certificate === 'lsc').length;
      const { page, errors, fetched } = await open(browser, broken);
      expect(await page.locator('header .meta').innerText()).toContain('shards 1/2, 2/2 merged');
      expect(await page.locator('.verdict').innerText()).toBe(
        `${lsc} of 10 phones broken (allowed 0): plan fails`,
      );
      expect(await count(page, 'ctl-update', 'trusted')).toBe(String(10 - lsc));
      expect(await count(page, 'ctl-update', 'lsc-invalid')).toBe(String(lsc - enc.length));
      expect(await count(page, 'ctl-update', 'config-unreadable')).toBe(String(enc.length));
      const summary = page.locator('table.summary tr[data-group="lsc-encrypted-config"]');
      expect(await summary.innerText()).toMatch(/config unreadable \(encrypted config\)\s+\d+$/);
      const name = enc[0]?.name ?? '';
      const row = page.locator(`tr[data-phone="${name}"]`);
      expect(await row.locator('td').nth(3).innerText()).toBe('config unreadable (encrypted config)');
      expect(await row.locator('td').nth(4).innerText()).toBe('regen-capf');
      expect(await row.locator('td.reason').innerText()).toContain(
        `Config File Decryption Failed ${name}.cnf.xml.enc.sgn`,
      );
      await screenshot(page, 'plan-report-broken-merged');
      expect(errors).toEqual([]);
      expect(fetched).toEqual([]);
    },
  );

  itWithBrowser('a group, CN and reason holding <script> render as text and run nothing', async () => {
    if (!browser) throw new Error('no browser');
    const hostile = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">';
    const phone: PhoneResult = {
      index: 0,
      name: 'SEP<b>00000001',
      group: `grp ${hostile}`,
      model: 'CP-8861',
      firmware: 'sip-88xx-14.2',
      outcome: 'lost-trust',
      changedAt: 'regen',
      reason: `Trust List Update Failed: ITL: signer CN=${hostile} unknown`,
      cell: 1,
      states: ['trusted', 'lost-trust'],
    };
    const report = buildReport({
      plan: {
        id: 'hostile',
        title: `plan ${hostile}`,
        steps: [{ id: 'boot' }, { id: 'regen' }],
        allowBroken: 0,
      },
      digest: '0000',
      shards: { covered: [1], of: 1 },
      fleetSize: 1,
      phones: [phone],
      durationMs: 1,
    });
    const file = join(DIR, 'hostile.html');
    const w = writePlanReportHtml(file, report);
    expect(w.ok).toBe(true);
    const { page, errors } = await open(browser, file);
    expect(await page.title()).toBe('uclab plan hostile: fails');
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('td.reason').innerText()).toBe(phone.reason);
    expect(await page.locator('h1').innerText()).toBe(`plan ${hostile}`);
    expect(await page.locator('details.group summary').innerText()).toContain(`grp ${hostile}`);
    expect(await page.locator('tr[data-phone] td').first().innerText()).toBe('SEP<b>00000001');
    expect(errors).toEqual([]);
  });
});
