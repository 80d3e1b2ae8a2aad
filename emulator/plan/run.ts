/**
 * A plan run against its fleet: expand the fleet (fleet.ts), take this runner's shard, split it into
 * cells of at most `run.cellSize` phones (one lab each, an identical cluster each: cell-lab.ts),
 * check the descriptors they need against the process limit, run the cells on worker threads
 * (pool.ts), and join the cells' results into one report (report.ts).
 *
 * The cells share one lab start and one seed, so every cell's CUCM issues byte-identical
 * certificates: the run checks it (each cell digests what `show cert own` prints on every node) and
 * the report says so (`cells.certificates`, null if any cell differed).
 */
import { availableParallelism } from 'node:os';
import type { CellResult, CellSpec } from './cell.ts';
import { descriptorBudget, descriptorRefusal, type FdLimit, readFdLimit } from './descriptors.ts';
import { expandFleet, type Shard, shardOf, splitCells } from './fleet.ts';
import type { PlanFile } from './plan-file.ts';
import { runCells } from './pool.ts';
import type { Progress } from './progress.ts';
import { addSteps, buildReport, type PlanReport, planDigest } from './report.ts';

export interface RunOptions {
  shard?: Shard;
  /** Worker threads; 0 runs the cells in this thread. Default: one per core, at most one per cell. */
  workers?: number;
  cellsPerWorker?: number;
  /** Overrides of the plan's `run` section. */
  cellSize?: number;
  bootsInFlight?: number;
  progress?: Progress;
  /** The descriptor limit to check against (default: this process's, from /proc/self/limits). */
  fdLimit?: FdLimit | null;
  /** Keep every boot's duration (the benchmark). */
  bootLatencies?: boolean;
}

export class PlanRunError extends Error {
  constructor(
    readonly code: 'plan.descriptors' | 'plan.cell-failed' | 'plan.empty',
    message: string,
  ) {
    super(message);
  }
}

export interface PlanRun {
  report: PlanReport;
  cells: CellResult[];
  workers: number;
}

export async function runPlan(plan: PlanFile, o: RunOptions = {}): Promise<PlanRun> {
  const t0 = Date.now();
  const fleet = expandFleet(plan);
  const shard = o.shard ?? { index: 0, count: 1 };
  const mine = shardOf(fleet, shard);
  if (mine.length === 0)
    throw new PlanRunError('plan.empty', `shard ${shard.index + 1}/${shard.count} holds no phones`);
  const cellSize = o.cellSize ?? plan.run.cellSize;
  const bootsInFlight = o.bootsInFlight ?? plan.run.bootsInFlight;
  const cells = splitCells(mine, cellSize);
  const workers =
    o.workers !== undefined
      ? Math.min(o.workers, cells.length)
      : cells.length > 1
        ? Math.min(availableParallelism(), cells.length)
        : 0;
  const cellsPerWorker = Math.max(1, o.cellsPerWorker ?? 1);
  const budget = descriptorBudget({
    cellSizes: cells.map((c) => c.length),
    concurrentCells: Math.max(1, workers) * cellsPerWorker,
    workers,
    bootsInFlight,
    nodes: 1 + plan.cluster.subscribers,
  });
  const refusal = descriptorRefusal(budget, o.fdLimit === undefined ? readFdLimit() : o.fdLimit);
  if (refusal) throw new PlanRunError('plan.descriptors', refusal);

  // One start for every cell (whole seconds: X.509 validity has no finer grain).
  const start = Math.floor(Date.now() / 1000) * 1000;
  const specs: CellSpec[] = cells.map((phones, index) => ({
    index,
    plan,
    phones,
    start,
    bootsInFlight,
    ...(o.bootLatencies ? { bootLatencies: true } : {}),
  }));
  o.progress?.start(mine.length * plan.steps.length, cells.length);
  let results: CellResult[];
  try {
    results = await runCells(specs, {
      workers,
      cellsPerWorker,
      onProgress: (n) => o.progress?.add(n),
      onCellDone: () => o.progress?.cellDone(),
    });
  } catch (e) {
    throw new PlanRunError('plan.cell-failed', (e as Error).message);
  } finally {
    o.progress?.stop();
  }
  results.sort((a, b) => a.index - b.index);
  const signed = new Set(results.map((r) => r.certificates.signed));
  const whole = new Set(results.map((r) => r.certificates.whole));
  const report = buildReport({
    plan,
    digest: planDigest(plan),
    shards: { covered: [shard.index + 1], of: shard.count },
    fleetSize: fleet.length,
    phones: results.flatMap((r) => r.phones),
    durationMs: Date.now() - t0,
    steps: addSteps(results.map((r) => r.steps)),
    cells: {
      count: cells.length,
      size: Math.max(...cells.map((c) => c.length)),
      workers,
      bootsInFlight,
      certificates: signed.size === 1 ? (results[0]?.certificates.signed ?? null) : null,
      byteIdentical: whole.size === 1,
      itlDigests: [...new Set(results.map((r) => r.itl).filter((x): x is string => x !== null))].sort(),
    },
  });
  return { report, cells: results, workers };
}
