/**
 * The catalogue's rollover plans (plans/*.yaml), each on a worker thread of its own (the tests of a
 * file run concurrently, so both cores work): each working variant must end
 * with no phone broken (exit 0), each broken variant must fail (exit 1) naming the phones it breaks,
 * with the outcome, the step and the reason its comments promise.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import '../../devices/index.ts';
import { expandFleet } from '../../emulator/plan/fleet.ts';
import { type PlanFile, readPlanFile } from '../../emulator/plan/plan-file.ts';
import {
  BROKEN_OUTCOMES,
  type PhoneOutcome,
  type PlanReport,
  planJunit,
} from '../../emulator/plan/report.ts';
import { runPlan } from '../../emulator/plan/run.ts';

export const PLANS = join(import.meta.dirname, '..', '..', 'plans');

export function catalogPlan(file: string): PlanFile {
  const r = readPlanFile(join(PLANS, file));
  if (!r.ok) throw new Error(`${file}: ${r.error.where}: ${r.error.message}`);
  return r.plan;
}

/**
 * Phones per catalogue plan here (the plans themselves, as the catalogue runs them, have 100): what
 * each test proves is per phone and per group (which phones break, with which outcome, step and
 * reason), so a smaller fleet proves the same as long as every group and every offline window still
 * holds phones, which `sized` checks.
 */
export const TEST_FLEET = 30;

function sized(plan: PlanFile): PlanFile {
  if (plan.fleet.size === undefined) return plan;
  const small: PlanFile = { ...plan, fleet: { ...plan.fleet, size: Math.min(plan.fleet.size, TEST_FLEET) } };
  const phones = expandFleet(small);
  const groups = new Set(phones.map((p) => p.group));
  for (const g of small.fleet.groups) {
    const name = g.name ?? g.model;
    if (!groups.has(name))
      throw new Error(`${plan.id}: group ${name} has no phone in a fleet of ${TEST_FLEET}`);
  }
  for (const w of small.fleet.offline) {
    if (!phones.some((p) => p.offlineDuring.includes(w.from)))
      throw new Error(`${plan.id}: no phone is off from ${w.from} in a fleet of ${TEST_FLEET}`);
  }
  return small;
}

export async function run(file: string): Promise<{ plan: PlanFile; report: PlanReport }> {
  const plan = sized(catalogPlan(file));
  const { report } = await runPlan(plan, { workers: 1 });
  return { plan, report };
}

/** The working variant: every phone ends trusted or recovered, the plan passes. */
export function expectWorks(report: PlanReport): void {
  const broken = report.phones.filter((p) => BROKEN_OUTCOMES.includes(p.outcome));
  expect(broken.map((p) => `${p.name} ${p.outcome}: ${p.reason}`)).toEqual([]);
  expect(report.exitCode).toBe(0);
  for (const s of report.steps) expect(s.unsettled, `step ${s.id}`).toEqual([]);
}

/**
 * The broken variant: exit 1; the broken phones are exactly `which` (by predicate over the fleet),
 * each with `outcome` after `step` and a reason matching `reason`; JUnit names every one.
 */
export function expectBreaks(
  plan: PlanFile,
  report: PlanReport,
  want: {
    which: (p: ReturnType<typeof expandFleet>[number]) => boolean;
    outcome: PhoneOutcome;
    step: string;
    reason: RegExp;
  },
): void {
  expect(report.exitCode).toBe(1);
  const expected = expandFleet(plan)
    .filter(want.which)
    .map((p) => p.name);
  expect(expected.length).toBeGreaterThan(0);
  const broken = report.phones.filter((p) => BROKEN_OUTCOMES.includes(p.outcome));
  expect(broken.map((p) => p.name).sort()).toEqual(expected.sort());
  for (const p of broken) {
    expect(p.outcome, p.name).toBe(want.outcome);
    expect(p.changedAt, p.name).toBe(want.step);
    expect(p.reason, p.name).toMatch(want.reason);
  }
  const junit = planJunit(report);
  for (const name of expected) expect(junit).toContain(`${name} ${want.outcome} after ${want.step}: `);
  for (const s of report.steps) expect(s.unsettled, `step ${s.id}`).toEqual([]);
}
