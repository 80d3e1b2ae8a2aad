/** `uclab run`: runs scenarios (ids or files), prints the timeline and the summary, writes reports. */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LabCaptures } from '../capture/lab-captures.ts';
import { buildReport } from '../reporters/json.ts';
import { toJUnit } from '../reporters/junit.ts';
import { reasonLine, stepLine, summaryTable, variantFooter, variantHeader } from '../reporters/pretty.ts';
import { loadCatalogue, loadScenario, runVariant, type StepResult, type VariantResult } from '../runner.ts';
import type { Scenario } from '../scenario.ts';
import { displayPath } from '../scenario-file.ts';
import { durationsFile, loadDurations, longestFirst, saveDurations } from './run-order.ts';
import {
  MAX_JOBS,
  MAX_WORKERS,
  OrderedOutput,
  parseJobs,
  parseWorkers,
  runPool,
  workersFor,
} from './run-pool.ts';
import { type RunWorkerData, RunWorkers } from './run-workers.ts';

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
  /** Worker threads that share the variants out (default: one per core; 0: this thread). */
  workers?: string | number;
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
  const workers = parseWorkers(o.workers);
  // The HTML report watches each lab's timeline as it runs, so its labs run in this thread.
  const threads: ThreadPlan = {
    workers: workers ?? 0,
    explicit: o.workers !== undefined,
    eligible: Boolean(workers) && parseJobs(o.jobs) !== null && !o.report,
    data: { artifacts: o.artifacts ?? null, pcap: o.pcap === true, events: Boolean(o.events) },
    pool: null,
  };
  // Asked for, the worker threads start now and load the device models while this thread loads the
  // scenarios; a single variant never needs one. Without --workers, how many (if any) depends on how
  // many variants there are (run-pool.ts `workersFor`), known once the scenarios are loaded.
  if (threads.eligible && threads.explicit && (o.all || o.tag || refs.length > 1 || !o.variant)) {
    threads.pool = new RunWorkers(threads.workers, threads.data);
  }
  try {
    await runScenarios(refs, o, threads);
  } finally {
    threads.pool?.close();
  }
}

interface ThreadPlan {
  workers: number;
  /** --workers was given: use exactly that many. */
  explicit: boolean;
  eligible: boolean;
  data: RunWorkerData;
  pool: RunWorkers | null;
}

async function runScenarios(refs: string[], o: RunCommandOptions, threads: ThreadPlan): Promise<void> {
  const errors: { ref: string; message: string }[] = [];
  /** Each scenario with its file, from which a worker thread loads it again. */
  const scenarios: { s: Scenario; file: string }[] = [];
  if (o.all || o.tag) {
    const cat = await loadCatalogue();
    for (const b of cat.broken) errors.push({ ref: b.file, message: b.message });
    for (const s of cat.scenarios) {
      if (!o.tag || s.tags.includes(o.tag)) scenarios.push({ s, file: cat.files.get(s.id)! });
    }
  }
  // A scenario named by its file keeps that file, so a broken declaration's line says where it is.
  const fileOf = new Map<string, string>();
  for (const ref of refs) {
    const r = await loadScenario(ref);
    if (r.ok) {
      scenarios.push({ s: r.scenario, file: r.file });
      if (looksLikeFile(ref)) fileOf.set(r.scenario.id, displayPath(r.file));
    } else errors.push({ ref, message: r.message });
  }
  if (scenarios.length === 0 && errors.length === 0) {
    process.stderr.write('uclab run: name at least one scenario, or --all (uclab list shows them)\n');
    process.exitCode = 2;
    return;
  }
  for (const e of errors) process.stderr.write(`uclab: ${e.message}\n`);
  const jobs = parseJobs(o.jobs);
  if (jobs === null) {
    process.stderr.write(`uclab run: --jobs takes a whole number from 1 to ${MAX_JOBS}, not "${o.jobs}"\n`);
    process.exitCode = 2;
    return;
  }
  const workers = parseWorkers(o.workers);
  if (workers === null) {
    process.stderr.write(
      `uclab run: --workers takes a whole number from 0 (this thread) to ${MAX_WORKERS}, not "${o.workers}"\n`,
    );
    process.exitCode = 2;
    return;
  }
  const work = scenarios.flatMap(({ s, file }) => {
    if (o.variant && !s.variants[o.variant] && (o.all || o.tag)) return [];
    const names = o.variant ? [o.variant] : Object.keys(s.variants);
    return names.map((variant) => ({ s, file, variant }));
  });
  // Each variant's lines are kept until it ends and printed in catalogue order, so a run with --jobs
  // or --workers reads exactly like one without: only the wall time differs.
  const say = new OrderedOutput(work.length, (text) => process.stderr.write(text));
  const results: VariantResult[] = new Array(work.length);
  const started = (i: number, v: Parameters<typeof variantHeader>[0]) => {
    if (!o.quiet) say.line(i, variantHeader(v));
  };
  const stepped = (i: number, st: StepResult) => {
    if (!o.quiet) say.line(i, stepLine(st));
  };
  const ended = (i: number, r: VariantResult) => {
    if (!o.quiet) say.line(i, variantFooter(r));
    else if (r.outcome !== 'passed') say.line(i, reasonLine(r, fileOf.get(r.scenario)));
    say.done(i);
    results[i] = r;
  };
  const events = o.events;
  const writeEvents = (lines: string) => {
    if (events === '-') process.stdout.write(lines);
    else if (events) appendFileSync(events, lines);
  };
  const durations = durationsFile();
  const order = longestFirst(
    work.map(({ s, variant }) => ({ scenario: s.id, variant })),
    loadDurations(durations),
  );
  const use = threads.explicit ? threads.workers : workersFor(work.length, threads.workers);
  if (threads.eligible && !threads.pool && use > 0 && work.length > 1) {
    threads.pool = new RunWorkers(use, threads.data);
  }
  const pool = threads.eligible && use > 0 && work.length > 1 ? threads.pool : null;
  if (pool) {
    const said = new Set<string>();
    await pool.run(
      work.map(({ s, file, variant }) => ({
        file,
        variant,
        scenario: s.id,
        title: s.title,
        explain: s.variants[variant]?.explain ?? '',
      })),
      {
        workers: use,
        jobs,
        order,
        onStart: started,
        onStep: stepped,
        onEvents: (lines) => writeEvents(lines.join('')),
        // A notice every worker meets alike (no capture tool) is said once, as one thread says it.
        say: (text) => {
          if (said.has(text)) return;
          said.add(text);
          process.stderr.write(text);
        },
        onDone: ended,
      },
    );
    saveDurations(durations, results);
    await finishRun(o, results, errors);
    return;
  }
  threads.pool?.close();
  const captures = o.pcap ? new LabCaptures({ say: (l) => process.stderr.write(`${l}\n`) }) : null;
  // Loaded only when asked for: the page renderer is not needed by a plain run.
  const htmlReport = o.report ? new (await import('../ui/report.ts')).RunReport() : null;
  await runPool(work.length, jobs, async (n) => {
    const i = order[n]!;
    const { s, variant } = work[i]!;
    const r = await runVariant(s, variant, {
      artifactsDir: o.artifacts ?? null,
      onLab: async (lab) => {
        await captures?.attach(lab);
        htmlReport?.watch(lab);
        if (events) lab.timeline.subscribe(undefined, (e) => writeEvents(`${JSON.stringify(e)}\n`));
      },
      onVariantStart: (v) => started(i, v),
      onStep: (_v, st) => stepped(i, st),
    });
    ended(i, r);
  });
  await captures?.settled();
  saveDurations(durations, results);
  await finishRun(o, results, errors, htmlReport);
}

/** The summary, the JSON and JUnit reports, the HTML report and the exit code, however the labs ran. */
async function finishRun(
  o: RunCommandOptions,
  results: VariantResult[],
  errors: { ref: string; message: string }[],
  htmlReport?: import('../ui/report.ts').RunReport | null,
): Promise<void> {
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
