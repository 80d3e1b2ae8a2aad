/** `uclab run`: runs scenarios (ids or files), prints the timeline and the summary, writes reports. */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LabCaptures } from '../capture/lab-captures.ts';
import { buildReport } from '../reporters/json.ts';
import { toJUnit } from '../reporters/junit.ts';
import { reasonLine, stepLine, summaryTable, variantFooter, variantHeader } from '../reporters/pretty.ts';
import { loadCatalogue, loadScenario, runVariant, type VariantResult } from '../runner.ts';
import { displayPath } from '../scenario-file.ts';
import { MAX_JOBS, OrderedOutput, parseJobs, runPool } from './run-pool.ts';

export interface RunCommandOptions {
  all?: boolean;
  tag?: string;
  variant?: string;
  json?: boolean;
  junit?: string;
  artifacts?: string;
  events?: string;
  /** One self-contained HTML file with the picture, ladder, screens and logs of every variant. */
  report?: string;
  quiet?: boolean;
  /** Capture each lab's block into `lab.pcapng` in its artifacts folder (needs `artifacts`). */
  pcap?: boolean;
  /** Variants run at once, each in its own lab and address block (default: run-pool.ts defaultJobs). */
  jobs?: string | number;
}

export async function runCommand(refs: string[], o: RunCommandOptions): Promise<void> {
  if (o.pcap && !o.artifacts) {
    // The capture is only useful beside the lab's keys.log, which only an artifacts folder holds.
    process.stderr.write(
      "uclab run: --pcap writes lab.pcapng beside each lab's keys.log: name the folder with --artifacts DIR\n",
    );
    process.exitCode = 2;
    return;
  }
  const errors: { ref: string; message: string }[] = [];
  const scenarios = [];
  if (o.all || o.tag) {
    const cat = await loadCatalogue();
    for (const b of cat.broken) errors.push({ ref: b.file, message: b.message });
    scenarios.push(...cat.scenarios.filter((s) => !o.tag || s.tags.includes(o.tag)));
  }
  // A scenario named by its file keeps that file, so a broken declaration's line says where it is.
  const fileOf = new Map<string, string>();
  for (const ref of refs) {
    const r = await loadScenario(ref);
    if (r.ok) {
      scenarios.push(r.scenario);
      if (looksLikeFile(ref)) fileOf.set(r.scenario.id, displayPath(r.file));
    } else errors.push({ ref, message: r.message });
  }
  if (scenarios.length === 0 && errors.length === 0) {
    process.stderr.write('uclab run: name at least one scenario, or --all (uclab list shows them)\n');
    process.exitCode = 2;
    return;
  }
  for (const e of errors) process.stderr.write(`uclab: ${e.message}\n`);
  const captures = o.pcap ? new LabCaptures({ say: (l) => process.stderr.write(`${l}\n`) }) : null;
  // Loaded only when asked for: the page renderer is not needed by a plain run.
  const htmlReport = o.report ? new (await import('../ui/report.ts')).RunReport() : null;
  const jobs = parseJobs(o.jobs);
  if (jobs === null) {
    process.stderr.write(`uclab run: --jobs takes a whole number from 1 to ${MAX_JOBS}, not "${o.jobs}"\n`);
    process.exitCode = 2;
    return;
  }
  const work = scenarios.flatMap((s) => {
    if (o.variant && !s.variants[o.variant] && (o.all || o.tag)) return [];
    const names = o.variant ? [o.variant] : Object.keys(s.variants);
    return names.map((variant) => ({ s, variant }));
  });
  // Each variant's lines are kept until it ends and printed in catalogue order, so a run with --jobs
  // reads exactly like one without: only the wall time differs.
  const say = new OrderedOutput(work.length, (text) => process.stderr.write(text));
  const results: VariantResult[] = new Array(work.length);
  await runPool(work.length, jobs, async (i) => {
    const { s, variant } = work[i]!;
    const r = await runVariant(s, variant, {
      artifactsDir: o.artifacts ?? null,
      onLab: async (lab) => {
        await captures?.attach(lab);
        htmlReport?.watch(lab);
        if (!o.events) return;
        const out = o.events;
        lab.timeline.subscribe(undefined, (e) => {
          const line = `${JSON.stringify(e)}\n`;
          if (out === '-') process.stdout.write(line);
          else appendFileSync(out, line);
        });
      },
      onVariantStart: (v) => {
        if (!o.quiet) say.line(i, variantHeader(v));
      },
      onStep: (_v, st) => {
        if (!o.quiet) say.line(i, stepLine(st));
      },
    });
    if (!o.quiet) say.line(i, variantFooter(r));
    else if (r.outcome !== 'passed') say.line(i, reasonLine(r, fileOf.get(s.id)));
    say.done(i);
    results[i] = r;
  });
  await captures?.settled();
  process.stderr.write(`${summaryTable(results, errors.length)}\n`);
  const report = buildReport(results, errors);
  if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (o.junit) {
    mkdirSync(dirname(resolve(o.junit)), { recursive: true });
    writeFileSync(o.junit, toJUnit(results, errors));
  }
  if (o.report && htmlReport) {
    const written = await htmlReport.write(o.report, results);
    if (!written.ok) process.stderr.write(`uclab: ${written.error.message}\n`);
  }
  process.exitCode = report.exitCode;
}

/** A reference with a path separator or a script extension is a file; otherwise a catalogue id. */
function looksLikeFile(ref: string): boolean {
  return /[\\/]/.test(ref) || /\.(c|m)?(t|j)s$/.test(ref);
}
