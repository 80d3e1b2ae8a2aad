/**
 * A cell larger than one /24 holds: one lab, one cluster, its phones on a block of several /24s
 * (emulator/address-block.ts), as a real cluster holds hundreds of phones.
 */
import { describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import { runPlan } from '../../emulator/plan/run.ts';
import { catalogPlan } from './catalogue-support.ts';

describe('a plan cell of more phones than one /24 holds', () => {
  it('runs 300 phones on one cluster and every one recovers after a CallManager regeneration', {
    timeout: 180_000,
  }, async () => {
    const plan = catalogPlan('regen-callmanager-offline.yaml');
    plan.fleet.size = 300;
    const { report, cells } = await runPlan(plan, { workers: 0, cellSize: 300, transport: 'loopback' });
    expect(cells).toHaveLength(1);
    expect(report.phones).toHaveLength(300);
    const outcomes = new Map<string, number>();
    for (const p of report.phones) outcomes.set(p.outcome, (outcomes.get(p.outcome) ?? 0) + 1);
    // 5 % switched off during the change; every phone (the one at host number 300 too) ends registered.
    expect(Object.fromEntries(outcomes)).toEqual({ 'recovered-tvs': 300 });
    expect(report.exitCode).toBe(0);
  });
});
