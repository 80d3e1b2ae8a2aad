/**
 * Benchmark of the catalogue's rollover plans at fleet size: every plan of plans/ (the working file and
 * its `.broken` twin) run with its fleet scaled to PLANS_N phones (default 10,000; the groups' weights
 * and the offline fractions scale with it), on every core, as `uclab plan` runs it. For each: wall and
 * CPU time, phone-steps/s (a phone's part of a step: its boot, trust-list update, TVS query,
 * re-registration), the outcome counts, and whether the plan passed or failed as its file says it
 * should (a working plan passes, a broken one fails).
 *
 * Same-run baseline: raw mutual-TLS handshakes/s on every core (the fleet benchmark's, bench/baselines.ts).
 * A phone-step costs at least one handshake; the ratio says how many phone-steps the machine does per
 * handshake it could do. Figures are ratios, never assertions.
 *
 * Usage: `npm run bench:plans` (`-- --json` for machine output); PLANS_N, PLANS (comma-separated plan
 * ids to run, default all), PLANS_BASELINE_S (default 5).
 */
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../devices/index.ts';
import { readPlanFile } from '../emulator/plan/plan-file.ts';
import { progressOn } from '../emulator/plan/progress.ts';
import { runPlan } from '../emulator/plan/run.ts';
import { onAllCores } from './baselines.ts';

const PLANS_DIR = fileURLToPath(new URL('../plans/', import.meta.url));
const N = Number(process.env.PLANS_N ?? 10_000);
const BASELINE_S = Number(process.env.PLANS_BASELINE_S ?? 5);

interface PlanFigures {
  file: string;
  phones: number;
  steps: number;
  expected: 'pass' | 'fail';
  result: 'pass' | 'fail';
  asExpected: boolean;
  broken: number;
  outcomes: Record<string, number>;
  wallS: number;
  cpuS: number;
  coresUsed: number;
  phoneStepsPerS: number;
  vsHandshakes: number;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const only = process.env.PLANS?.split(',').map((s) => s.trim());
  const cores = availableParallelism();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`baseline: raw mutual-TLS handshakes on ${cores} cores, ${BASELINE_S} s ...`);
  const handshakesPerS = await onAllCores('handshakes', BASELINE_S, cores);
  const files = readdirSync(PLANS_DIR)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .filter((f) => !only || only.includes(basename(f).replace(/(\.broken)?\.(ya?ml|json)$/, '')))
    .sort();
  const out: PlanFigures[] = [];
  const line = (p: PlanFigures) => {
    const counts = Object.entries(p.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    return `${p.file}: ${p.result}${p.asExpected ? ' (as it should)' : ` (SHOULD ${p.expected.toUpperCase()})`}; ${p.phones} phones x ${p.steps} steps in ${p.wallS} s wall, ${p.cpuS} s CPU (${p.coresUsed} cores); ${p.phoneStepsPerS} phone-steps/s = ${p.vsHandshakes} per baseline handshake; ${counts}`;
  };
  for (const f of files) {
    const read = readPlanFile(join(PLANS_DIR, f));
    if (!read.ok) throw new Error(`${f}: ${read.error.where}: ${read.error.message}`);
    const plan = { ...read.plan, fleet: { ...read.plan.fleet, size: N } };
    log(`${f}: ${N.toLocaleString('en-US')} phones, ${plan.steps.length} steps ...`);
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const run = await runPlan(plan, {
      workers: cores,
      progress: progressOn(process.stderr, { planId: plan.id, everyMs: 30_000 }),
    });
    const wallS = (Date.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const outcomes: Record<string, number> = {};
    for (const p of run.report.phones) outcomes[p.outcome] = (outcomes[p.outcome] ?? 0) + 1;
    const phoneSteps = N * plan.steps.length;
    const expected = f.includes('.broken.') ? 'fail' : 'pass';
    const result = run.report.passed ? 'pass' : 'fail';
    out.push({
      file: f,
      phones: N,
      steps: plan.steps.length,
      expected,
      result,
      asExpected: expected === result,
      broken: run.report.broken,
      outcomes,
      wallS: Number(wallS.toFixed(1)),
      cpuS: Number(cpuS.toFixed(1)),
      coresUsed: Number((cpuS / wallS).toFixed(2)),
      phoneStepsPerS: Number((phoneSteps / wallS).toFixed(1)),
      vsHandshakes: Number((phoneSteps / wallS / handshakesPerS).toFixed(3)),
    });
    // Each plan's figures as it ends (a 10,000-phone run of every plan takes a while).
    log(`done: ${line(out.at(-1) as PlanFigures)}`);
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ cores, handshakesPerS, plans: out }, null, 2)}\n`);
    return;
  }
  console.log(`baseline: raw mutual-TLS handshakes, all ${cores} cores: ${handshakesPerS.toFixed(0)}/s`);
  for (const p of out) console.log(line(p));
  const wrong = out.filter((p) => !p.asExpected);
  if (wrong.length > 0) console.log(`${wrong.length} plan(s) did not end as their file says they should`);
}

await main();
