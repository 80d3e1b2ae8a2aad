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
import type { TransportName } from '../net/transport-choice.ts';
import type { CellResult, CellSpec } from './cell.ts';
import {
  type DescriptorBudget,
  descriptorBudget,
  descriptorRefusal,
  type FdLimit,
  readFdLimit,
} from './descriptors.ts';
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
  /** Overrides the plan's `run.transport`. */
  transport?: 'auto' | TransportName;
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
  /** What the cells ran on, and why (a sentence for the run's summary line). */
  transport: { name: TransportName; why: string };
}

/**
 * The transport of a run: the one asked for, or with `auto` loopback while the descriptor limit holds
 * the fleet on real sockets and the in-memory transport past it. Loopback asked for and too
 * few descriptors: the refusal, with the way out.
 */
export function chooseTransport(
  want: 'auto' | TransportName,
  budgetOn: (t: TransportName) => DescriptorBudget,
  limit: FdLimit | null,
): { name: TransportName; why: string } {
  if (want === 'memory') {
    const refusal = descriptorRefusal(budgetOn('memory'), limit);
    if (refusal) throw new PlanRunError('plan.descriptors', refusal);
    return { name: 'memory', why: 'the in-memory transport, as asked' };
  }
  const loopback = budgetOn('loopback');
  const refusal = descriptorRefusal(loopback, limit);
  if (!refusal) return { name: 'loopback', why: 'loopback sockets' };
  if (want === 'loopback') {
    throw new PlanRunError(
      'plan.descriptors',
      `${refusal}; or run on the in-memory transport (--transport memory, run.transport: memory), which needs none per connection`,
    );
  }
  const onMemory = descriptorRefusal(budgetOn('memory'), limit);
  if (onMemory) throw new PlanRunError('plan.descriptors', onMemory);
  return {
    name: 'memory',
    why: `the in-memory transport: on loopback ${refusal.replace(/: (raise|it is|the hard).*$/, '')}`,
  };
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
  const budgetOn = (transport: TransportName) =>
    descriptorBudget({
      cellSizes: cells.map((c) => c.length),
      concurrentCells: Math.max(1, workers) * cellsPerWorker,
      workers,
      bootsInFlight,
      nodes: 1 + plan.cluster.subscribers,
      transport,
    });
  const transport = chooseTransport(
    o.transport ?? plan.run.transport,
    budgetOn,
    o.fdLimit === undefined ? readFdLimit() : o.fdLimit,
  );

  // One start for every cell (whole seconds: X.509 validity has no finer grain).
  const start = Math.floor(Date.now() / 1000) * 1000;
  const specs: CellSpec[] = cells.map((phones, index) => ({
    index,
    plan,
    phones,
    start,
    bootsInFlight,
    transport: transport.name,
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
  return { report, cells: results, workers, transport };
}
