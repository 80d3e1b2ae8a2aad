import { describe, expect, it } from 'vitest';
import { expandFleet, groupCounts, parseShard, shardOf, splitCells } from '../../emulator/plan/fleet.ts';
import { parsePlan } from '../../emulator/plan/plan-file.ts';
import { buildReport, mergeReports, type PhoneResult, planJunit } from '../../emulator/plan/report.ts';

function plan(extra: Record<string, unknown> = {}) {
  const r = parsePlan({
    schemaVersion: 1,
    id: 'p',
    fleet: {
      size: 10,
      groups: [
        { name: 'sip', model: 'CP-8861', firmware: 'sip-88xx-14.2', protocol: 'SIP', weight: 2 },
        { name: 'sccp', model: 'CP-7975G', firmware: 'sccp-79xx-9.4', protocol: 'SCCP', weight: 1 },
        { name: 'old', model: 'CP-7960G', firmware: 'sccp-7940-8.1', protocol: 'SCCP', count: 2 },
      ],
      offline: [{ fraction: 0.25, groups: ['sip'], from: 'regen', until: 'regen' }],
    },
    steps: [
      { id: 'boot', op: 'boot' },
      { id: 'regen', op: 'regenerate', unit: 'CallManager' },
      { id: 'after', op: 'reset-phones' },
    ],
    ...extra,
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.plan;
}

const result = (index: number, outcome: PhoneResult['outcome'], group = 'sip'): PhoneResult => ({
  index,
  name: `SEP${String(index).padStart(12, '0')}`,
  group,
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  outcome,
  changedAt: outcome === 'trusted' ? null : 'regen',
  reason: outcome === 'trusted' ? '' : 'Trust List Update Failed',
  cell: 1,
  states: ['trusted', outcome, outcome],
});

describe('a fleet expanded from a plan', () => {
  it('shares the size by weight after the fixed counts', () => {
    expect(groupCounts(plan())).toEqual([5, 3, 2]);
  });

  it('gives every phone its own MAC and line, in sequence', () => {
    const phones = expandFleet(plan());
    expect(new Set(phones.map((p) => p.mac)).size).toBe(10);
    expect(phones[0]?.mac).toBe('B00000000001');
    expect(phones[9]?.mac).toBe('B0000000000A');
    expect(phones.map((p) => p.line)).toEqual(Array.from({ length: 10 }, (_, i) => String(20000 + i)));
  });

  it('switches off the asked share of the named groups only, during the named steps', () => {
    const phones = expandFleet(plan());
    const off = phones.filter((p) => p.offlineDuring.length > 0);
    expect(off.length).toBe(Math.round(0.25 * 5));
    expect(off.every((p) => p.group === 'sip' && p.offlineDuring.join() === 'regen')).toBe(true);
  });

  it('shards partition the fleet, each holding several groups', () => {
    const phones = expandFleet(plan());
    const shards = [1, 2, 3].map((i) => {
      const s = parseShard(`${i}/3`);
      if (!s.ok) throw new Error(s.message);
      return shardOf(phones, s.shard);
    });
    expect(
      shards
        .flat()
        .map((p) => p.index)
        .sort((a, b) => a - b),
    ).toEqual(phones.map((p) => p.index));
    for (const s of shards) expect(new Set(s.map((p) => p.group)).size).toBeGreaterThan(1);
  });

  it('cells split the fleet evenly, none larger than the cell size', () => {
    const phones = expandFleet(
      plan({
        fleet: {
          size: 450,
          groups: [{ model: 'CP-8861', firmware: 'sip-88xx-14.2', protocol: 'SIP', weight: 1 }],
        },
      }),
    );
    const cells = splitCells(phones, 200);
    expect(cells.map((c) => c.length)).toEqual([150, 150, 150]);
    expect(cells.flat().map((p) => p.index)).toEqual(phones.map((p) => p.index));
  });

  it('refuses a shard outside 1..N', () => {
    expect(parseShard('0/3').ok).toBe(false);
    expect(parseShard('4/3').ok).toBe(false);
    expect(parseShard('2/3').ok).toBe(true);
  });
});

describe('the rollover report', () => {
  const p = plan({ allowBroken: 1 });
  const report = (phones: PhoneResult[], covered = [1], of = 1) =>
    buildReport({ plan: p, digest: 'd', shards: { covered, of }, fleetSize: 10, phones, durationMs: 5 });

  it('fails when more phones end broken than the plan allows', () => {
    expect(report([result(0, 'trusted'), result(1, 'lost-trust')]).exitCode).toBe(0);
    expect(report([result(0, 'lost-trust'), result(1, 'unregistered')]).exitCode).toBe(1);
  });

  it('a phone recovered through TVS is not broken', () => {
    expect(report([result(0, 'recovered-tvs'), result(1, 'recovered-tvs')]).broken).toBe(0);
  });

  it('JUnit has a test case per group, failing with the broken phones named', () => {
    const x = planJunit(
      report([result(0, 'trusted'), result(1, 'lost-trust'), result(2, 'trusted', 'sccp')]),
    );
    expect(x.match(/<testcase /g)?.length).toBe(2);
    expect(x).toContain('1 of 2 phones broken');
    expect(x).toContain('SEP000000000001 lost-trust after regen: Trust List Update Failed');
  });

  it('merging all shards gives the unsharded report', () => {
    const all = [result(0, 'trusted'), result(1, 'lost-trust'), result(2, 'recovered-tvs')];
    const whole = report(all);
    const a = report(all.slice(0, 1), [1], 2);
    const b = report(all.slice(1), [2], 2);
    const m = mergeReports([
      { file: 'a.json', report: a },
      { file: 'b.json', report: b },
    ]);
    if (!m.ok) throw new Error(m.message);
    expect(m.missing).toEqual([]);
    expect(m.report.phones).toEqual(whole.phones);
    expect(m.report.summary).toEqual(whole.summary);
    expect(m.report.exitCode).toBe(whole.exitCode);
  });

  it('a merge with a shard missing does not pass', () => {
    const a = report([result(0, 'trusted')], [1], 2);
    const m = mergeReports([{ file: 'a.json', report: a }]);
    expect(m.ok && m.missing).toEqual([2]);
    expect(m.ok && m.report.exitCode).toBe(1);
  });

  it('refuses to merge reports of different plans or the same shard twice', () => {
    const a = report([result(0, 'trusted')], [1], 2);
    const other = { ...report([result(1, 'trusted')], [2], 2), plan: { ...a.plan, digest: 'other' } };
    expect(
      mergeReports([
        { file: 'a', report: a },
        { file: 'b', report: other },
      ]).ok,
    ).toBe(false);
    expect(
      mergeReports([
        { file: 'a', report: a },
        { file: 'c', report: a },
      ]).ok,
    ).toBe(false);
  });
});
