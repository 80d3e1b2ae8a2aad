/** Catalogue plan of seed 003's CAPF story: CAPF regenerated, the LSCs it issued no longer valid. */
import { describe, expect, it } from 'vitest';
import { expectBreaks, expectWorks, run, TEST_FLEET } from './catalogue-support.ts';

describe(`catalogue plan capf-regen-lsc-reissue (${TEST_FLEET} phones, 80 % with an LSC)`, {
  timeout: 300_000,
}, () => {
  it.concurrent('works: Install/Upgrade and a power cycle give every LSC phone a new LSC; all register', async () => {
    const { report } = await run('capf-regen-lsc-reissue.yaml');
    expectWorks(report);
    for (const p of report.phones.filter((x) => x.group !== 'mic')) {
      expect(p.states, p.name).toEqual(['trusted', 'lsc-invalid', 'lsc-invalid', 'trusted']);
    }
  });

  it.concurrent('breaks: without a reissue every LSC phone is refused by CUCM (lsc-invalid); MIC phones register', async () => {
    const { plan, report } = await run('capf-regen-lsc-reissue.broken.yaml');
    expectBreaks(plan, report, {
      which: (p) => p.certificate === 'lsc',
      outcome: 'lsc-invalid',
      step: 'regen-capf',
      reason:
        /SEC-ERR: code:5\(SSL_ALERT\) subcode:48\(UNKNOWN_CA\): cucm-pub:(5061|2443) refused our certificate/,
    });
  });
});
