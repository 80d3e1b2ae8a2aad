/**
 * A real browser for the page tests: Debian's chromium driven by playwright-core. Without chromium a
 * page test is skipped with a loud notice (test/support/peers.ts); under CI it fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { hasPeer, itWithPeers } from '../support/peers.ts';

/** Screenshots of the page tests, kept as test artifacts (gitignored). */
export const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'test-artifacts', 'ui');

function chromiumPath(): string {
  return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
}

export function itWithBrowser(name: string, fn: () => Promise<void>, timeout = 120_000): void {
  itWithPeers(['chromium'], name, fn, timeout);
}

export async function launch(): Promise<Browser> {
  if (!hasPeer('chromium')) throw new Error('chromium is not installed');
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--no-sandbox',
      '--headless=new',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A projector-sized page that records every console error and uncaught exception. */
export async function openPage(
  browser: Browser,
  opts: { offline?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1600, height: 1000 },
    offline: opts.offline ?? false,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
