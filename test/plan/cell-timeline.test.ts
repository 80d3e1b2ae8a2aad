/**
 * A fleet cell's timeline keeps summaries only, bounded (emulator/plan/cell-lab.ts `cellLabOptions`),
 * and nothing the plan reports is lost by it: every phone's outcome is read by subscription
 * (outcome.ts), the ITL the publisher served at start too (cell.ts).
 */
import { describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import { Phone } from '../../devices/phone/phone.ts';
import { Lab } from '../../emulator/lab.ts';
import { runCell } from '../../emulator/plan/cell.ts';
import { cellDeclaration, cellLabOptions } from '../../emulator/plan/cell-lab.ts';
import { expandFleet } from '../../emulator/plan/fleet.ts';
import { classify, observePhones } from '../../emulator/plan/outcome.ts';
import { type PlanFile, parsePlan } from '../../emulator/plan/plan-file.ts';

function plan(size: number): PlanFile {
  const r = parsePlan({
    schemaVersion: 1,
    id: 'cell-timeline',
    seed: 'cell-timeline',
    cluster: { release: '14', mode: 'mixed' },
    fleet: {
      size,
      groups: [
        {
          name: 'sip',
          model: 'CP-8861',
          firmware: 'sip-88xx-14.2',
          protocol: 'SIP',
          security: 'encrypted',
          weight: 1,
        },
        {
          name: 'sccp',
          model: 'CP-7975',
          firmware: 'sccp-79xx-9.4',
          protocol: 'SCCP',
          security: 'authenticated',
          weight: 1,
        },
      ],
    },
    steps: [{ id: 'boot', op: 'boot' }],
  });
  if (!r.ok) throw new Error(`${r.error.where}: ${r.error.message}`);
  return r.plan;
}

describe("a fleet cell's timeline", () => {
  it('keeps no wire message, log line or artifact, stays within its cap, and still sees every phone registered', {
    timeout: 120_000,
  }, async () => {
    const p = plan(6);
    const phones = expandFleet(p);
    const opts = cellLabOptions(phones.length);
    const lab = await Lab.create({
      name: 'cell-timeline',
      seed: 'cell-timeline',
      transport: 'memory',
      ...opts,
    });
    try {
      const observed = observePhones(
        lab.timeline,
        phones.map((ph) => ph.name),
      );
      const built = lab.build(cellDeclaration(p, phones, { bootsInFlight: 4 }));
      if (!built.ok) throw new Error(built.error.message);
      await lab.start();
      await Promise.all(phones.map((ph) => lab.device(ph.name, Phone).boot()));
      const states = phones.map((ph) => {
        const v = observed.views.get(ph.name);
        return v ? classify(v).state : 'no view';
      });
      expect(states).toEqual(phones.map(() => 'trusted'));
      observed.stop();
      const kinds = new Set(lab.timeline.events().map((e) => e.kind));
      for (const bulk of ['log', 'tftp.transfer', 'sip.message', 'sccp.message'])
        expect(kinds).not.toContain(bulk);
      expect(kinds).toContain('phone.boot');
      expect(kinds).toContain('tls.verdict');
      expect(lab.timeline.dropped).toBeGreaterThan(0);
      expect(lab.timeline.events().length).toBeLessThanOrEqual(opts.maxEvents);
      // Nor a copy of each phone's MIC and configuration files: no artifacts at all.
      expect(lab.artifacts.list()).toEqual([]);
    } finally {
      await lab.stop();
    }
  });

  it("leaves the cell's report whole: every phone's outcome and the ITL served at start", {
    timeout: 120_000,
  }, async () => {
    const p = plan(4);
    const r = await runCell({
      index: 0,
      plan: p,
      phones: expandFleet(p),
      start: Date.now(),
      bootsInFlight: 4,
      transport: 'memory',
    });
    expect(r.phones.map((ph) => ph.outcome)).toEqual(['trusted', 'trusted', 'trusted', 'trusted']);
    expect(r.itl).toMatch(/^[0-9a-f]{32}$/);
  });
});
