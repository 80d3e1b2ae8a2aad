/** Catalogue plans of seed 003's ITL story: CallManager and TVS regenerated, phones off meanwhile. */
import { describe, expect, it } from 'vitest';
import { expandFleet } from '../../emulator/plan/fleet.ts';
import { expectBreaks, expectWorks, run, TEST_FLEET } from './catalogue-support.ts';

describe(`catalogue plan regen-callmanager-offline (${TEST_FLEET} phones, 5 % off)`, {
  timeout: 300_000,
}, () => {
  it.concurrent('works: CUCM 11.5, TVS vouches for the new ITL signer, every phone recovers through TVS', async () => {
    const { report } = await run('regen-callmanager-offline.yaml');
    expectWorks(report);
    expect(
      report.phones.every((p) => p.outcome === 'recovered-tvs' && p.changedAt === 'regen-callmanager'),
    ).toBe(true);
  });

  it.concurrent('breaks: the phones still off when TVS is regenerated lose trust', async () => {
    const { plan, report } = await run('regen-callmanager-offline.broken.yaml');
    expectBreaks(plan, report, {
      which: (p) => p.offlineDuring.includes('regen-tvs'),
      outcome: 'lost-trust',
      step: 'regen-tvs',
      reason:
        /^Trust List Update Failed: ITL: signer .* unknown and TVS cucm-pub: TVS certificate is not in the ITL \(role 21\)$/,
    });
  });
});

describe(`catalogue plan regen-callmanager-and-tvs (${TEST_FLEET} phones, 10 % off)`, {
  timeout: 300_000,
}, () => {
  it.concurrent('works: utils itl reset localkey before the phones return; they trust the ITLRecovery signer', async () => {
    const { plan, report } = await run('regen-callmanager-and-tvs.yaml');
    expectWorks(report);
    const back = new Set(
      expandFleet(plan)
        .filter((p) => p.offlineDuring.length > 0)
        .map((p) => p.name),
    );
    for (const p of report.phones.filter((x) => back.has(x.name))) expect(p.changedAt).toBe('itl-reset');
  });

  it.concurrent('breaks: the phones that were off lose trust (Trust List Update Failed)', async () => {
    const { plan, report } = await run('regen-callmanager-and-tvs.broken.yaml');
    expectBreaks(plan, report, {
      which: (p) => p.offlineDuring.length > 0,
      outcome: 'lost-trust',
      step: 'regen-tvs',
      reason:
        /^Trust List Update Failed: ITL: signer .* unknown and TVS cucm-pub: TVS certificate is not in the ITL/,
    });
  });
});
