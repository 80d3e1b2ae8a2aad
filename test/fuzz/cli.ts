/**
 * `npm run fuzz`: every parser, 1,000,000 inputs each by default, in worker threads with a watchdog.
 *
 *   FUZZ_RUNS=N          inputs per parser (default 1000000)
 *   FUZZ_SEED=S          replay a run (default: a fresh seed, printed)
 *   FUZZ_TARGETS=a,b     only these parsers (default: all; names in the table)
 *   FUZZ_JOBS=N          parsers fuzzed at once (default: 2, or fewer cores)
 *   FUZZ_WATCHDOG_MS=N   an input running this long is a hang: the worker is killed, the input kept,
 *                        and the run resumes after it (default 10000)
 *   FUZZ_SLOW_MS=N       an input slower than this is a finding too (default 2000)
 *   FUZZ_FIXTURES=DIR    where findings are written (default fuzz/fixtures)
 *
 * Prints per parser: typed rejections, accepted, untyped exceptions, whole-vs-chunked disagreements,
 * hangs and the slowest input. Every finding becomes a fixture in fuzz/fixtures/<parser>/ (replayed by
 * test/fuzz/fuzz.test.ts). Exit status 1 when anything was found.
 */
import { randomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { emptyStats, type Finding, Findings, mergeStats, type TargetStats, targetSeed } from './engine.ts';
import { FIXTURES_DIR, writeFixture } from './fixtures.ts';
import { loadTarget } from './load-target.ts';
import { SharedState } from './shared-state.ts';
import type { WorkerData } from './worker.ts';

const env = process.env;
const runs = Number(env.FUZZ_RUNS ?? 1_000_000);
const seed = env.FUZZ_SEED !== undefined ? Number(env.FUZZ_SEED) : randomInt(2 ** 31);
// The registry compiles every parser: only load it when no list is given.
const names = env.FUZZ_TARGETS
  ? env.FUZZ_TARGETS.split(',').map((s) => s.trim())
  : (await import('./targets.ts')).TARGETS.map((t) => t.name);
const jobs = Math.max(1, Number(env.FUZZ_JOBS ?? Math.min(2, availableParallelism())));
const watchdogMs = Number(env.FUZZ_WATCHDOG_MS ?? 10_000);
const slowMs = Number(env.FUZZ_SLOW_MS ?? 2000);
const fixturesDir = env.FUZZ_FIXTURES ?? FIXTURES_DIR;

interface Done {
  stats: TargetStats;
  findings: Finding[];
  seconds: number;
}

/**
 * Workers do not inherit tsx's loader hooks (Node 20), and `--import tsx` in a worker's execArgv
 * registers them too late for the entry module: register them with tsx's API, then load the worker.
 */
const WORKER_BOOT = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(
  new URL('./worker.ts', import.meta.url).href,
)}); })`;

/** What is running, for the progress lines and for a report when the run is stopped. */
const live = new Map<string, { read: () => TargetStats; since: number; findings: Findings }>();

/** Fuzzes one target in workers, restarting after each hang, until `runs` inputs are done. */
async function fuzzInWorkers(name: string): Promise<Done> {
  const t = await loadTarget(name);
  const tSeed = targetSeed(seed, t.name);
  const shared = new SharedState(t.maxLength);
  const findings = new Findings();
  let total = emptyStats(t.name);
  const started = Date.now();
  live.set(t.name, { read: () => mergeStats(total, shared.readStats(t.name)), since: started, findings });

  return await new Promise((resolve, reject) => {
    const segment = (startAt: number) => {
      shared.reset();
      const data: WorkerData = { target: name, runs, seed: tSeed, startAt, slowMs, shared: shared.buffer };
      const w = new Worker(WORKER_BOOT, { eval: true, workerData: data });
      let last = -1;
      let lastChange = Date.now();
      let finished = false;
      const watchdog = setInterval(() => {
        const i = shared.index;
        if (i !== last) {
          last = i;
          lastChange = Date.now();
          return;
        }
        if (i < 0 || Date.now() - lastChange < watchdogMs) return; // still building seeds, or fine
        finished = true;
        clearInterval(watchdog);
        const input = shared.input();
        void w.terminate();
        const counted = shared.readStats(t.name);
        total = mergeStats(total, { ...counted, inputs: counted.inputs + 1, hangs: counted.hangs + 1 });
        const f: Finding = {
          target: t.name,
          kind: 'hang',
          signature: `no result within ${watchdogMs} ms`,
          detail: `input #${i} of ${input.length} bytes was still running after ${watchdogMs} ms`,
          index: i,
          seed: tSeed,
          input,
        };
        if (findings.add(f)) report(f);
        segment(i + 1);
      }, 100);
      w.on('message', (m: { type: string; finding?: Finding }) => {
        if (m.type === 'finding' && m.finding) {
          const f = { ...m.finding, input: Buffer.from(m.finding.input) };
          if (findings.add(f)) report(f);
        } else if (m.type === 'done') {
          finished = true;
          clearInterval(watchdog);
          total = mergeStats(total, shared.readStats(t.name));
          live.delete(t.name);
          void w.terminate();
          resolve({ stats: total, findings: findings.all, seconds: (Date.now() - started) / 1000 });
        }
      });
      w.on('error', (e) => {
        clearInterval(watchdog);
        if (!finished) reject(e);
      });
    };
    segment(0);
  });
}

function report(f: Finding): void {
  process.stderr.write(
    `  ! ${f.target}: ${f.kind} at input #${f.index} (${f.input.length} bytes): ${f.signature}\n`,
  );
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

function table(done: Map<string, Done>): string {
  const head = `${'parser'.padEnd(13)}${pad('inputs', 10)}${pad('rejected', 10)}${pad('accepted', 10)}${pad('untyped', 9)}${pad('disagree', 10)}${pad('hangs', 7)}${pad('inputs/s', 10)}  slowest`;
  const rows = [...done.values()].map(({ stats: s, seconds }) =>
    [
      s.target.padEnd(13),
      pad(s.inputs, 10),
      pad(s.rejected, 10),
      pad(s.accepted, 10),
      pad(s.untyped, 9),
      pad(s.disagreements, 10),
      pad(s.hangs, 7),
      pad(Math.round(s.inputs / Math.max(seconds, 0.001)), 10),
      `  ${s.slowest.ms.toFixed(1)} ms (${s.slowest.size} B, #${s.slowest.index})`,
    ].join(''),
  );
  return [head, ...rows].join('\n');
}

/** Prints the table and keeps every finding as a fixture; 0 when nothing was found. */
function conclude(done: Map<string, Done>, stopped: boolean): number {
  const rows = new Map(done);
  if (stopped) {
    for (const [name, l] of live) {
      rows.set(name, { stats: l.read(), findings: l.findings.all, seconds: (Date.now() - l.since) / 1000 });
    }
    process.stdout.write(`\nstopped: parsers still running show the inputs they had reached\n`);
  }
  process.stdout.write(`\n${table(rows)}\n`);
  const all = [...rows.values()].flatMap((d) => d.findings);
  if (all.length === 0) {
    process.stdout.write('\nno untyped exceptions, disagreements, hangs or slow inputs\n');
    return 0;
  }
  process.stdout.write(`\n${all.length} distinct findings:\n`);
  for (const f of all) {
    const path = writeFixture(f, seed, fixturesDir);
    process.stdout.write(
      `  ${f.target} ${f.kind}: ${f.signature}\n    ${path ?? '(fixture already kept)'}\n`,
    );
  }
  return 1;
}

async function main(): Promise<number> {
  process.stdout.write(
    `fuzz: ${names.length} parsers × ${runs} inputs, FUZZ_SEED=${seed}, ${jobs} at once, watchdog ${watchdogMs} ms\n`,
  );
  const done = new Map<string, Done>();
  // A long run stopped by a signal still reports what it did and keeps what it found.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      conclude(done, true);
      process.exit(code);
    });
  }
  const queue = [...names];
  const ticker = setInterval(() => {
    for (const [name, { read, since }] of live) {
      const stats = read();
      const rate = stats.inputs / Math.max(1, (Date.now() - since) / 1000);
      process.stderr.write(`  … ${name}: ${stats.inputs}/${runs} (${Math.round(rate)}/s)\n`);
    }
  }, 30_000);
  await Promise.all(
    Array.from({ length: Math.min(jobs, queue.length) }, async () => {
      for (let name = queue.shift(); name; name = queue.shift()) done.set(name, await fuzzInWorkers(name));
    }),
  );
  clearInterval(ticker);
  return conclude(new Map(names.map((n) => [n, done.get(n)!])), false);
}

process.exitCode = await main();
