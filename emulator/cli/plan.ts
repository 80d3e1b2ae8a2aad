/**
 * `uclab plan <file>`: runs a certificate-rollover plan (YAML, JSON or TypeScript) against its fleet
 * and reports which phones end trusted, recovered through TVS, lost trust, unregistered or with an
 * LSC no longer valid, the step where each changed and why in the phone's words.
 * `uclab merge-reports a.json b.json ...` joins the JSON reports of `--shard i/N` runs.
 *
 * Output: the summary table on stderr; the JSON report (schemaVersion) on stdout with --json or to a
 * file with --report-json; JUnit with --junit (a test case per phone group, failures naming phones);
 * the trainer's view (one offline HTML file, emulator/plan/report-html.ts) with --report.
 * Exit codes: 0 no more phones broken than the plan's allowBroken; 1 more; 2 a broken plan file (the
 * message names the path of the bad field), bad options, too few file descriptors, or a failed run.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseShard, type Shard } from '../plan/fleet.ts';
import { LAB_HOSTS, loadPlan, planJsonSchema } from '../plan/plan-file.ts';
import { problemLines } from '../plan/plan-problems.ts';
import { progressOn } from '../plan/progress.ts';
import {
  BROKEN_OUTCOMES,
  mergeReports,
  type PlanReport,
  planJunit,
  type ShardReport,
  summaryTable,
} from '../plan/report.ts';
import { readShardReport } from '../plan/report-file.ts';
import { writePlanReportHtml } from '../plan/report-html.ts';
import { PlanRunError, runPlan } from '../plan/run.ts';

interface PlanOptions {
  json?: boolean;
  report?: string;
  reportJson?: string;
  junit?: string;
  shard?: string;
  workers?: string;
  cellsPerWorker?: string;
  cellSize?: string;
  bootsInFlight?: string;
  transport?: string;
  schema?: boolean;
  quiet?: boolean;
}

function fail(message: string): void {
  process.stderr.write(`uclab plan: ${message}\n`);
  process.exitCode = 2;
}

function count(name: string, text: string | undefined, min: number): number | undefined | null {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    fail(`${name} ${text}: expected a whole number >= ${min}`);
    return null;
  }
  return n;
}

/** Writes what a run or a merge produced: table on stderr, JSON and JUnit where asked. */
function emit(
  report: PlanReport,
  o: { json?: boolean; report?: string; reportJson?: string; junit?: string },
): void {
  process.stderr.write(`${summaryTable(report)}\n`);
  const broken = report.phones.filter((p) => BROKEN_OUTCOMES.includes(p.outcome));
  for (const p of broken.slice(0, 20))
    process.stderr.write(
      `  ${p.name} (${p.group}) ${p.outcome} after ${p.changedAt ?? 'start'}: ${p.reason}\n`,
    );
  if (broken.length > 20)
    process.stderr.write(`  ... and ${broken.length - 20} more (see the JSON report)\n`);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (o.json) process.stdout.write(json);
  if (o.reportJson) writeFileSync(o.reportJson, json);
  if (o.junit) writeFileSync(o.junit, planJunit(report));
  process.exitCode = report.exitCode;
  if (o.report) {
    const w = writePlanReportHtml(o.report, report);
    if (!w.ok) fail(w.error.message);
  }
}

export async function planCommand(file: string | undefined, o: PlanOptions): Promise<void> {
  if (o.schema) {
    process.stdout.write(`${JSON.stringify(planJsonSchema(), null, 2)}\n`);
    return;
  }
  if (!file) return fail('name a plan file (YAML, JSON or TypeScript), or --schema');
  const loaded = await loadPlan(file);
  if (!loaded.ok) {
    // Every problem on a line of its own, so one CI run shows all there is to fix.
    for (const line of problemLines(loaded.error)) fail(line);
    return;
  }
  let shard: Shard | undefined;
  if (o.shard) {
    const s = parseShard(o.shard);
    if (!s.ok) return fail(s.message);
    shard = s.shard;
  }
  const workers = count('--workers', o.workers, 0);
  const cellsPerWorker = count('--cells-per-worker', o.cellsPerWorker, 1);
  const cellSize = count('--cell-size', o.cellSize, 1);
  const bootsInFlight = count('--boots-in-flight', o.bootsInFlight, 1);
  if ([workers, cellsPerWorker, cellSize, bootsInFlight].includes(null)) return;
  const transport = o.transport;
  if (transport !== undefined && transport !== 'auto' && transport !== 'loopback' && transport !== 'memory')
    return fail(`--transport ${transport}: use auto, loopback or memory`);
  const plan = loaded.plan;
  const nodes = 1 + plan.cluster.subscribers;
  if (cellSize != null && cellSize + nodes > LAB_HOSTS)
    return fail(
      `--cell-size ${cellSize}: a cell's lab holds the cluster and at most ${LAB_HOSTS - nodes} phones`,
    );
  try {
    const run = await runPlan(plan, {
      ...(shard ? { shard } : {}),
      ...(workers != null ? { workers } : {}),
      ...(cellsPerWorker != null ? { cellsPerWorker } : {}),
      ...(cellSize != null ? { cellSize } : {}),
      ...(bootsInFlight != null ? { bootsInFlight } : {}),
      ...(transport ? { transport } : {}),
      progress: progressOn(process.stderr, { planId: plan.id, quiet: o.quiet ?? false }),
    });
    const c = run.report.cells;
    if (c && !o.quiet) {
      process.stderr.write(
        `${run.report.phones.length} phones in ${c.count} cell(s) of up to ${c.size}, ${c.workers || 'no'} worker thread(s), ${c.bootsInFlight} boots in flight per cell, on ${run.transport.why}; ` +
          `cluster certificates ${c.certificates ? `identical in every cell (${c.certificates}${c.byteIdentical ? ', byte for byte' : ', all but the randomised ECDSA signatures'})` : 'DIFFER between cells'}\n`,
      );
    }
    for (const s of run.report.steps) {
      for (const f of s.adminFailures) process.stderr.write(`step ${s.id}: ${f}\n`);
      if (s.unsettled.length > 0)
        process.stderr.write(
          `step ${s.id}: ${s.unsettled.length} phone(s) had not settled when the wait gave up, e.g. ${s.unsettled[0]?.phone}: ${s.unsettled[0]?.waitingFor}\n`,
        );
    }
    emit(run.report, o);
  } catch (e) {
    if (e instanceof PlanRunError) return fail(e.message);
    throw e;
  }
}

export async function mergeCommand(
  files: string[],
  o: { json?: boolean; report?: string; reportJson?: string; junit?: string },
): Promise<void> {
  const reports: { file: string; report: ShardReport }[] = [];
  for (const file of files) {
    const read = readShardReport(file);
    if (!read.ok) {
      process.stderr.write(`uclab merge-reports: ${read.message}\n`);
      process.exitCode = 2;
      return;
    }
    reports.push({ file, report: read.report });
  }
  const m = mergeReports(reports);
  if (!m.ok) {
    process.stderr.write(`uclab merge-reports: ${m.message}\n`);
    process.exitCode = 2;
    return;
  }
  if (m.missing.length > 0)
    process.stderr.write(
      `uclab merge-reports: shard(s) ${m.missing.map((s) => `${s}/${m.report.shards.of}`).join(', ')} missing: the merged report does not pass\n`,
    );
  emit(m.report, o);
}

export function registerPlanCommands(program: Command): void {
  program
    .command('plan')
    .description(
      'run a certificate-rollover plan (YAML, JSON or TypeScript) against its fleet of phones; exit 0 within allowBroken, 1 more broken, 2 broken plan',
    )
    .argument('[file]', 'the plan file (plans/*.yaml, or your own)')
    .option('--json', 'print the JSON report on stdout')
    .option(
      '--report <file.html>',
      "write the trainer's view: one offline HTML file (outcome counts over the steps, phones and reasons)",
    )
    .option('--report-json <file>', 'write the JSON report to this file')
    .option('--junit <file>', 'write a JUnit XML report (a test case per phone group)')
    .option('--shard <i/N>', 'run only the i-th of N parts of the fleet (merge with uclab merge-reports)')
    .option(
      '--workers <n>',
      'worker threads (0: run in this thread; default: one per core, one per cell at most)',
    )
    .option('--cells-per-worker <n>', 'cells a worker runs at once (default 1)')
    .option('--cell-size <n>', "phones per cell (one lab, one /24; default: the plan's run.cellSize, 200)")
    .option(
      '--boots-in-flight <n>',
      "phones of a cell booting at once (default: the plan's run.bootsInFlight, 16)",
    )
    .option(
      '--transport <name>',
      "auto (loopback while the descriptor limit holds the fleet, else memory), loopback or memory (default: the plan's run.transport, auto)",
    )
    .option('--schema', 'print the JSON Schema of plan files and exit')
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      [
        '',
        'Exit codes:',
        `  0  no more phones ended broken (${BROKEN_OUTCOMES.join(', ')}) than allowBroken`,
        '  1  more phones ended broken than the plan allows',
        '  2  a broken plan file (the message names the bad field), bad options, too few descriptors, a failed run',
        '',
        'Examples:',
        '  uclab plan plans/regen-callmanager-offline.yaml --junit plan.xml --report plan.html',
        '  uclab plan plan.yaml --shard 2/4 --report-json shard-2.json',
        '  uclab merge-reports shard-*.json --junit plan.xml --report plan.html',
      ].join('\n'),
    )
    .action(planCommand);
  program
    .command('merge-reports')
    .description('join the JSON reports of --shard runs of one plan into one report (and JUnit)')
    .argument('<reports...>', 'JSON reports written by uclab plan --report-json (or --json)')
    .option('--json', 'print the merged JSON report on stdout')
    .option('--report <file.html>', "write the trainer's view of the merged report (one offline HTML file)")
    .option('--report-json <file>', 'write the merged JSON report to this file')
    .option('--junit <file>', 'write a JUnit XML report')
    .action(mergeCommand);
}
