/**
 * One target's fuzz loop in a worker thread, so that cli.ts can kill it when an input hangs. Before each
 * input it writes the input into shared memory, after it the counts (shared-state.ts): after a kill,
 * the runner knows which input hung and has every count.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fuzzTarget } from './engine.ts';
import { loadTarget } from './load-target.ts';
import { SharedState } from './shared-state.ts';

export interface WorkerData {
  target: string;
  runs: number;
  seed: number;
  startAt: number;
  slowMs: number;
  shared: SharedArrayBuffer;
}

const d = workerData as WorkerData;
const shared = new SharedState(d.shared);
const port = parentPort!;

const { stats } = await fuzzTarget(await loadTarget(d.target), {
  runs: d.runs,
  seed: d.seed,
  startAt: d.startAt,
  slowMs: d.slowMs,
  onInput: (index, input) => shared.setInput(index, input),
  onStats: (s) => shared.writeStats(s),
  onFinding: (finding) => port.postMessage({ type: 'finding', finding }),
});
shared.writeStats(stats);
port.postMessage({ type: 'done' });
