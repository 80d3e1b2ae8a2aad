/** Catalogue plan of seed 003's CAPF story: CAPF regenerated, the LSCs it issued no longer valid. */
import { describe, expect, it } from 'vitest';
import { BROKEN_OUTCOMES } from '../../emulator/plan/report.ts';
import { expectWorks, run, TEST_FLEET } from './catalogue-support.ts';

describe(`catalogue plan capf-regen-lsc-reissue (${TEST_FLEET} phones, 80 % with an LSC)`, {
  timeout: 300_000,
}, () => {
  it.concurrent('works: Install/Upgrade and a power cycle give every LSC phone a new LSC; all register', async () => {
    const { report } = await run('capf-regen-lsc-reissue.yaml');
    expectWorks(report);
    for (const p of report.phones.filter((x) => x.group !== 'mic')) {
      // Encrypted-config phones cannot read their config until the reissue; the others are refused on TLS.
      const meanwhile = p.group === 'lsc-encrypted-config' ? 'config-unreadable' : 'lsc-invalid';
      expect(p.states, p.name).toEqual(['trusted', meanwhile, meanwhile, 'trusted']);
    }
  });

  it.concurrent('breaks: without a reissue every LSC phone is refused by CUCM (lsc-invalid) or cannot read its encrypted config (config-unreadable); MIC phones register', async () => {
    const { report } = await run('capf-regen-lsc-reissue.broken.yaml');
    expect(report.exitCode).toBe(1);
    const broken = report.phones.filter((p) => BROKEN_OUTCOMES.includes(p.outcome));
    expect(broken.length).toBe(report.phones.filter((p) => p.group !== 'mic').length);
    for (const p of broken) {
      expect(p.changedAt, p.name).toBe('regen-capf');
      if (p.group === 'lsc-encrypted-config') {
        expect(p.outcome, p.name).toBe('config-unreadable');
        expect(p.reason, p.name).toMatch(
          /^Config File Decryption Failed .*\.cnf\.xml\.enc\.sgn could not be fetched/,
        );
      } else {
        expect(p.outcome, p.name).toBe('lsc-invalid');
        expect(p.reason, p.name).toMatch(
          /SEC-ERR: code:5\(SSL_ALERT\) subcode:48\(UNKNOWN_CA\): cucm-pub:(5061|2443) refused our certificate/,
        );
      }
    }
  });
});
