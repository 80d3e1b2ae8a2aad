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
 * - `lsc-invalid`: its LSC is no longer trusted (CAPF regenerated): it needs a new LSC;
 * - `config-unreadable`: its configuration is encrypted and it cannot read it ("Config File Decryption
 *   Failed": no encrypted config it can decrypt, e.g. CAPF regenerated and its LSC not reissued yet).
 */
export type PhoneOutcome =
  | 'trusted'
  | 'recovered-tvs'
  | 'lost-trust'
  | 'unregistered'
  | 'lsc-invalid'
  | 'config-unreadable';
export const BROKEN_OUTCOMES: readonly PhoneOutcome[] = [
  'lost-trust',
  'unregistered',
  'lsc-invalid',
  'config-unreadable',
];
export const OUTCOMES: readonly PhoneOutcome[] = [
  'trusted',
  'recovered-tvs',
  'lost-trust',
  'unregistered',
  'lsc-invalid',
  'config-unreadable',
];

/** A phone's state at the end of a step: an outcome, or switched off during it. */
export type PhoneState = PhoneOutcome | 'offline';

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
  /** The cell (lab) the phone ran in, from 1 within its shard. */
  cell: number;
  /** Its state at the end of each step, in plan order. */
  states: PhoneState[];
}

/** What one step did across the cells. */
export interface StepSummary {
  id: string;
  op: string;
  title: string;
  /** Resets CUCM sent to phones (after a certificate change, or asked for). */
  resets: number;
  /** Boots the phones completed during the step. */
  boots: number;
  /** Phones that had not settled when the step's bounded wait gave up, with what they waited for. */
  unsettled: { phone: string; waitingFor: string }[];
  /** Admin actions that failed, with what the administrator saw (distinct texts). */
  adminFailures: string[];
}

/** How the fleet was run: cells (labs of an identical cluster), workers, and the cluster check. */
export interface CellsSummary {
  count: number;
  /** Phones per cell, largest. */
  size: number;
  workers: number;
  bootsInFlight: number;
  /**
   * The digest of what every cell's CUCM nodes issued, signatures aside (names, serials, keys,
   * validity, extensions), as the seed and the shared lab start promise; null when a cell differed.
   * `byteIdentical`: the whole certificates too (false when ECDSA units exist: ECDSA signatures are
   * randomised). `itlDigests`: the distinct ITL contents the cells served at start (MD5; the ITL
   * records carry each cell's own addresses, and its header the signing time).
   */
  certificates: string | null;
  byteIdentical: boolean;
  itlDigests: string[];
}

export interface SummaryRow {
  group: string;
  model: string;
  firmware: string;
  outcome: PhoneOutcome;
  phones: number;
}

/** What a merge reads of a shard's report (report-file.ts); the rest (summary, byStep) it computes anew. */
export type ShardReport = Pick<
  PlanReport,
  | 'schemaVersion'
  | 'kind'
  | 'plan'
  | 'shards'
  | 'fleetSize'
  | 'allowBroken'
  | 'durationMs'
  | 'steps'
  | 'cells'
  | 'phones'
>;

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
  /** Phones per state at the end of each step (a trainer's view of the run). */
  byStep: { step: string; counts: Record<PhoneState, number> }[];
  steps: StepSummary[];
  cells: CellsSummary | null;
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

/** Phones per state after each step. */
export function countByStep(
  stepIds: readonly string[],
  phones: readonly PhoneResult[],
): PlanReport['byStep'] {
  return stepIds.map((step, i) => {
    const counts = Object.fromEntries([...OUTCOMES, 'offline'].map((o) => [o, 0])) as Record<
      PhoneState,
      number
    >;
    for (const p of phones) {
      const s = p.states[i];
      if (s) counts[s]++;
    }
    return { step, counts };
  });
}

export function buildReport(opts: {
  plan: { id: string; title?: string | undefined; steps: { id: string }[]; allowBroken: number };
  digest: string;
  shards: { covered: number[]; of: number };
  fleetSize: number;
  phones: PhoneResult[];
  durationMs: number;
  steps?: StepSummary[];
  cells?: CellsSummary | null;
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
    byStep: countByStep(
      opts.plan.steps.map((s) => s.id),
      phones,
    ),
    steps: opts.steps ?? [],
    cells: opts.cells ?? null,
    phones,
  };
}

/** Step summaries of several runs (cells, shards) of the same plan, added up. */
export function addSteps(runs: readonly StepSummary[][]): StepSummary[] {
  const first = runs[0];
  if (!first) return [];
  return first.map((s, i) => {
    const all = runs.map((r) => r[i]).filter((x): x is StepSummary => !!x);
    return {
      id: s.id,
      op: s.op,
      title: s.title,
      resets: all.reduce((n, x) => n + x.resets, 0),
      boots: all.reduce((n, x) => n + x.boots, 0),
      unsettled: all.flatMap((x) => x.unsettled),
      adminFailures: [...new Set(all.flatMap((x) => x.adminFailures))],
    };
  });
}

/** Cell summaries of shards, joined: the certificates agree only if every shard's did, and alike. */
export function addCells(cells: readonly (CellsSummary | null)[]): CellsSummary | null {
  const known = cells.filter((c): c is CellsSummary => c !== null);
  const first = known[0];
  if (!first) return null;
  return {
    count: known.reduce((n, c) => n + c.count, 0),
    size: Math.max(...known.map((c) => c.size)),
    workers: Math.max(...known.map((c) => c.workers)),
    bootsInFlight: first.bootsInFlight,
    certificates: known.every((c) => c.certificates !== null && c.certificates === first.certificates)
      ? first.certificates
      : null,
    byteIdentical: known.every((c) => c.byteIdentical),
    itlDigests: [...new Set(known.flatMap((c) => c.itlDigests))].sort(),
  };
}

export type MergeResult =
  | { ok: true; report: PlanReport; missing: number[] }
  | { ok: false; message: string };

/**
 * Joins shard reports of one plan (as report-file.ts reads them, which checks each one's kind,
 * version and fields) into the report of the whole fleet; refuses different plans and overlapping
 * shards.
 */
export function mergeReports(reports: { file: string; report: ShardReport }[]): MergeResult {
  const first = reports[0];
  if (!first) return { ok: false, message: 'no reports to merge' };
  const seen = new Map<number, string>();
  const phones = new Map<number, PhoneResult>();
  for (const { file, report } of reports) {
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
    steps: addSteps(reports.map((r) => r.report.steps)),
    cells: addCells(reports.map((r) => r.report.cells)),
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
