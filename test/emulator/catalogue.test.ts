import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import { renderCataloguePage } from '../../emulator/catalogue-page.ts';
import { loadCatalogue } from '../../emulator/runner.ts';

const PRODUCT_TABLE = [
  'appserver-trunk-no-certsign',
  'appserver-trunk-wrong-cert',
  'spa-757-renegotiation',
  'spa-756-sha256',
  'ctl-mixed-mode-happy',
  'ctl-unknown-signer',
  'ctl-stale-after-regen',
  'legacy-7940-tftp-not-in-ctl',
  'capf-wrong-auth-string',
  'capf-cert-mismatch',
  'expired-callmanager-cert',
  'call-security-icons',
  'itl-regen-callmanager-tvs-vouches',
  'itl-regen-callmanager-and-tvs',
  'capf-regen-lsc-reissue',
  'cert-monitor-expiry',
  'expressway-cert-no-client-eku',
  'traversal-unknown-ca',
  'cucm-discovery-name-mismatch',
  'x14-2-ecdsa-self-signed-6972',
  'x14-2-ip-not-in-san',
  'x14-0-upgrade-regression',
  'expressway-trust-same-cn',
];

/** Rows of the product table whose fix column is "-": a walkthrough of working behaviour, no fault. */
const NO_FIX = [
  'ctl-mixed-mode-happy',
  'call-security-icons',
  'itl-regen-callmanager-tvs-vouches',
  'cert-monitor-expiry',
  'tftp-lossy-link',
];

describe('the fault catalogue', () => {
  it('every scenario file loads', async () => {
    const { broken } = await loadCatalogue();
    expect(broken).toEqual([]);
  });

  it('the catalogue page in docs/ matches the scenarios (run npm run catalogue after adding one)', async () => {
    const { scenarios } = await loadCatalogue();
    const committed = readFileSync(resolve(import.meta.dirname, '..', '..', 'docs', 'catalogue.md'), 'utf8');
    expect(committed).toBe(renderCataloguePage(scenarios));
  });

  it('holds every scenario of the product table', async () => {
    const { scenarios } = await loadCatalogue();
    const ids = scenarios.map((s) => s.id);
    expect(PRODUCT_TABLE.filter((id) => !ids.includes(id))).toEqual([]);
  });

  it('gives every fault a fix variant beside it', async () => {
    const { scenarios } = await loadCatalogue();
    const withoutFix = scenarios
      .filter((s) => !NO_FIX.includes(s.id))
      .filter((s) => !Object.keys(s.variants).some((n) => n.startsWith('fix')))
      .map((s) => s.id);
    expect(withoutFix).toEqual([]);
  });
});
