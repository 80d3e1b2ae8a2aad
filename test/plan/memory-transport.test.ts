/**
 * Plans on the in-memory transport: `uclab plan` takes it when loopback's descriptors would run out
 * (or when asked), and a cell on it reaches the same outcome for every phone as on loopback.
 */
import { describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import { descriptorBudget } from '../../emulator/plan/descriptors.ts';
import type { PlanReport } from '../../emulator/plan/report.ts';
import { chooseTransport, type PlanRunError, runPlan } from '../../emulator/plan/run.ts';
import { catalogPlan } from './catalogue-support.ts';

const budgetOn = (transport: 'loopback' | 'memory') =>
  descriptorBudget({
    cellSizes: Array.from({ length: 50 }, () => 200),
    concurrentCells: 2,
    workers: 2,
    bootsInFlight: 16,
    nodes: 2,
    transport,
  });

describe('the transport of a plan run', () => {
  it('stays on loopback while the descriptor limit holds the fleet', () => {
    expect(chooseTransport('auto', budgetOn, { soft: 20_000, hard: 20_000 }).name).toBe('loopback');
  });

  it('takes the in-memory transport, saying why, when loopback would run out of descriptors', () => {
    const t = chooseTransport('auto', budgetOn, { soft: 256, hard: 256 });
    expect(t.name).toBe('memory');
    expect(t.why).toMatch(
      /^the in-memory transport: on loopback 10,000 phones .* need [\d,]+ descriptors; the limit is 256$/,
    );
  });

  it('refuses loopback asked for past the limit, naming the in-memory transport as the way out', () => {
    expect(() => chooseTransport('loopback', budgetOn, { soft: 256, hard: 256 })).toThrow(
      /the limit is 256.*--transport memory/,
    );
    try {
      chooseTransport('loopback', budgetOn, { soft: 256, hard: 256 });
    } catch (e) {
      expect((e as PlanRunError).code).toBe('plan.descriptors');
    }
  });

  it('counts no descriptor per phone on the in-memory transport', () => {
    expect(budgetOn('memory').needed).toBeLessThan(200);
    expect(budgetOn('loopback').needed).toBeGreaterThan(800);
  });
});

function outcomes(r: PlanReport): string[] {
  return r.phones.map((p) => `${p.name} ${p.outcome} @${p.changedAt ?? '-'}: ${p.reason}`).sort();
}

describe('a plan cell on the in-memory transport', () => {
  it('ends every phone as on loopback (mixed mode, CTL not updated after a regeneration)', {
    timeout: 180_000,
  }, async () => {
    const plan = catalogPlan('ctl-stale-after-regen.broken.yaml');
    plan.fleet.size = 24;
    const loop = await runPlan(plan, { workers: 0, transport: 'loopback' });
    const mem = await runPlan(plan, { workers: 0, transport: 'memory' });
    expect(loop.transport.name).toBe('loopback');
    expect(mem.transport.name).toBe('memory');
    expect(mem.report.exitCode).toBe(1);
    expect(outcomes(mem.report)).toEqual(outcomes(loop.report));
    expect(mem.report.phones.some((p) => p.outcome !== 'trusted')).toBe(true);
  });
});
