/** Catalogue plans of seed 002: mixed mode, the CTL after a CallManager change, SHA-1-only firmware. */
import { describe, it } from 'vitest';
import { expectBreaks, expectWorks, run, TEST_FLEET } from './catalogue-support.ts';

describe(`catalogue plan ctl-stale-after-regen (${TEST_FLEET} phones, 70 % secure)`, {
  timeout: 300_000,
}, () => {
  it.concurrent('works: utils ctl update CTLFile and a power cycle: the secure phones register over TLS', async () => {
    const { report } = await run('ctl-stale-after-regen.yaml');
    expectWorks(report);
  });

  it.concurrent('breaks: with the CTL not updated the secure phones refuse the new CallManager certificate', async () => {
    const { plan, report } = await run('ctl-stale-after-regen.broken.yaml');
    expectBreaks(plan, report, {
      which: (p) => p.security !== 'non-secure',
      outcome: 'unregistered',
      step: 'regen-callmanager',
      reason:
        /subcode:48\(UNKNOWN_CA\): CallManager certificate cucm-pub.lab.example \(serial [0-9A-F]+\) is not in the CTL$/,
    });
  });
});

describe(`catalogue plan new-ca-legacy-phones (${TEST_FLEET} phones: 88xx, 7975, 7940/7960, SPA)`, {
  timeout: 300_000,
}, () => {
  it.concurrent('works: the CA signs CallManager with SHA-1; the 7940/7960 register over TLS too', async () => {
    const { report } = await run('new-ca-legacy-phones.yaml');
    expectWorks(report);
  });

  it.concurrent('breaks: a SHA-256 CallManager certificate is one the 7940/7960 cannot verify', async () => {
    const { plan, report } = await run('new-ca-legacy-phones.broken.yaml');
    expectBreaks(plan, report, {
      which: (p) => p.firmware === 'sccp-7940-8.1',
      outcome: 'unregistered',
      step: 'reset',
      reason: /subcode:42\(BAD_CERT\): SCCP 8\.1\(2\)SR2 \(7940\/7960\) cannot verify a sha256 signature$/,
    });
  });
});
