/**
 * The rollover report: every phone's end state, the step where it changed and the reason in the
 * device's own words; a summary by model, firmware and outcome; JSON for machines, JUnit for CI (a
 * test case per phone group, failures naming the phones), and the merge of shard reports.
 */
import { createHash } from 'node:crypto';
import { SCHEMA_VERSION } from '../events.ts';

/**
 * Where a phone ends after the plan (the question a UC team asks before the change window):
 * - `trusted`: registered, and never lost trust;
 * - `recovered-tvs`: a new signer was vouched for by TVS; registered;
 * - `lost-trust`: it cannot verify the new trust list or config (needs `utils itl reset` or deleting
 *   the trust list on the phone);
 * - `unregistered`: trust held, but the phone does not register;
 * - `lsc-invalid`: its LSC is no longer trusted (CAPF regenerated): it needs a new LSC.
 */
export type PhoneOutcome = 'trusted' | 'recovered-tvs' | 'lost-trust' | 'unregistered' | 'lsc-invalid';
export const BROKEN_OUTCOMES: readonly PhoneOutcome[] = ['lost-trust', 'unregistered', 'lsc-invalid'];

export interface PhoneResult {
  index: number;
  name: string;
  group: string;
  model: string;
  firmware: string;
  outcome: PhoneOutcome;
  /** The step after which the phone was first in its end state (null: from the first step). */
  changedAt: string | null;
  /** What the phone said (status message or console line), or the CUCM's reason. */
  reason: string;
}

export interface SummaryRow {
  group: string;
  model: string;
  firmware: string;
  outcome: PhoneOutcome;
  phones: number;
}

export interface PlanReport {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: 'uclab';
  kind: 'plan';
  plan: { id: string; title: string | null; digest: string; steps: string[] };
  /** The shards this report covers (1-based, as given on the command line), of how many. */
  shards: { covered: number[]; of: number };
  fleetSize: number;
  allowBroken: number;
  broken: number;
  passed: boolean;
  exitCode: 0 | 1;
  durationMs: number;
  summary: SummaryRow[];
  phones: PhoneResult[];
}

/** A digest of the plan's content: shards of different plans must not be merged. */
export function planDigest(plan: unknown): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
}

export function summarize(phones: PhoneResult[]): SummaryRow[] {
  const rows = new Map<string, SummaryRow>();
  for (const p of phones) {
    const key = `${p.group}\u0000${p.firmware}\u0000${p.outcome}`;
    const row = rows.get(key);
    if (row) row.phones++;
    else
      rows.set(key, { group: p.group, model: p.model, firmware: p.firmware, outcome: p.outcome, phones: 1 });
  }
  return [...rows.values()].sort(
    (a, b) =>
      a.group.localeCompare(b.group) ||
      a.firmware.localeCompare(b.firmware) ||
      a.outcome.localeCompare(b.outcome),
  );
}

export function buildReport(opts: {
  plan: { id: string; title?: string | undefined; steps: { id: string }[]; allowBroken: number };
  digest: string;
  shards: { covered: number[]; of: number };
  fleetSize: number;
  phones: PhoneResult[];
  durationMs: number;
}): PlanReport {
  const phones = [...opts.phones].sort((a, b) => a.index - b.index);
  const broken = phones.filter((p) => BROKEN_OUTCOMES.includes(p.outcome)).length;
  const passed = broken <= opts.plan.allowBroken;
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: 'uclab',
    kind: 'plan',
    plan: {
      id: opts.plan.id,
      title: opts.plan.title ?? null,
      digest: opts.digest,
      steps: opts.plan.steps.map((s) => s.id),
    },
    shards: opts.shards,
    fleetSize: opts.fleetSize,
    allowBroken: opts.plan.allowBroken,
    broken,
    passed,
    exitCode: passed ? 0 : 1,
    durationMs: opts.durationMs,
    summary: summarize(phones),
    phones,
  };
}

export type MergeResult =
  | { ok: true; report: PlanReport; missing: number[] }
  | { ok: false; message: string };

/** Joins shard reports of one plan into one report; refuses different plans and overlapping shards. */
export function mergeReports(reports: { file: string; report: PlanReport }[]): MergeResult {
  const first = reports[0];
  if (!first) return { ok: false, message: 'no reports to merge' };
  const seen = new Map<number, string>();
  const phones = new Map<number, PhoneResult>();
  for (const { file, report } of reports) {
    if (report.kind !== 'plan' || report.schemaVersion !== SCHEMA_VERSION) {
      return { ok: false, message: `${file}: not a uclab plan report (schemaVersion ${SCHEMA_VERSION})` };
    }
    if (report.plan.digest !== first.report.plan.digest || report.shards.of !== first.report.shards.of) {
      return {
        ok: false,
        message: `${file}: a report of another plan or shard count (${report.plan.id} ${report.plan.digest}, ${report.shards.of} shards) than ${first.file} (${first.report.plan.id} ${first.report.plan.digest}, ${first.report.shards.of} shards)`,
      };
    }
    for (const s of report.shards.covered) {
      const other = seen.get(s);
      if (other)
        return { ok: false, message: `shard ${s}/${report.shards.of} is in both ${other} and ${file}` };
      seen.set(s, file);
    }
    for (const p of report.phones) phones.set(p.index, p);
  }
  const of = first.report.shards.of;
  const covered = [...seen.keys()].sort((a, b) => a - b);
  const missing = Array.from({ length: of }, (_, i) => i + 1).filter((s) => !seen.has(s));
  const base = first.report;
  const report = buildReport({
    plan: {
      id: base.plan.id,
      title: base.plan.title ?? undefined,
      steps: base.plan.steps.map((id) => ({ id })),
      allowBroken: base.allowBroken,
    },
    digest: base.plan.digest,
    shards: { covered, of },
    fleetSize: base.fleetSize,
    phones: [...phones.values()],
    durationMs: Math.max(...reports.map((r) => r.report.durationMs)),
  });
  // A merge with shards missing is not a verdict on the whole fleet.
  if (missing.length > 0) return { ok: true, report: { ...report, passed: false, exitCode: 1 }, missing };
  return { ok: true, report, missing };
}

const xml = (s: string) =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

/** JUnit: one test suite for the plan, one test case per phone group and firmware; broken phones fail it. */
export function planJunit(report: PlanReport): string {
  const groups = new Map<string, PhoneResult[]>();
  for (const p of report.phones) {
    const key = `${p.group} (${p.firmware})`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const cases = [...groups.entries()].map(([name, phones]) => {
    const broken = phones.filter((p) => BROKEN_OUTCOMES.includes(p.outcome));
    const counts = summarize(phones)
      .map((r) => `${r.phones} ${r.outcome}`)
      .join(', ');
    const body =
      broken.length === 0
        ? ''
        : `<failure message="${xml(`${broken.length} of ${phones.length} phones broken: ${counts}`)}">${xml(
            broken
              .map((p) => `${p.name} ${p.outcome} after ${p.changedAt ?? 'start'}: ${p.reason}`)
              .join('\n'),
          )}</failure>`;
    return `    <testcase classname="${xml(report.plan.id)}" name="${xml(name)}">${body}</testcase>`;
  });
  const failures = cases.filter((c) => c.includes('<failure')).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="uclab plan" tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="${xml(report.plan.id)}" tests="${cases.length}" failures="${failures}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** The summary table for a person (stderr): group, firmware, outcome, phones. */
export function summaryTable(report: PlanReport): string {
  const rows = report.summary.map((r) => [r.group, r.firmware, r.outcome, String(r.phones)]);
  const head = ['group', 'firmware', 'outcome', 'phones'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const verdict = `${report.broken} of ${report.phones.length} phones broken (allowed ${report.allowBroken}): ${
    report.passed ? 'plan passes' : 'plan fails'
  }`;
  return [line(head), ...rows.map(line), '', verdict].join('\n');
}
