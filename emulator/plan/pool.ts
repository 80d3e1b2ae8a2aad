/**
 * Cells over the cores: node:worker_threads, one worker per core (at most one per cell), each pulling
 * the next cell when it has room (`cellsPerWorker` at a time), so a slow cell does not hold up the
 * others. Why worker threads (and not tinypool/piscina or child processes): a cell is a whole lab, a
 * long task with its own sockets and timers, not a pool-sized function call; node:worker_threads is a
 * built-in (no dependency), starts in about a second with tsx's loader (worker-entry.mjs), and its
 * structured-clone messages carry a cell's result as plain data. Loopback sockets are per process
 * anyway, so threads of one process share the kernel's port space exactly as separate labs do.
 *
 * With `workers: 0` the cells run in this thread (one cell needs no worker to start).
 */
import { Worker } from 'node:worker_threads';
import { type CellResult, type CellSpec, runCell } from './cell.ts';
import type { FromWorker, ToWorker } from './cell-worker.ts';

export interface PoolOptions {
  workers: number;
  cellsPerWorker: number;
  /** Phone-steps settled (a phone's part of a step), as they happen. */
  onProgress?: (phoneSteps: number) => void;
  onCellDone?: (r: CellResult) => void;
}

async function inThisThread(specs: CellSpec[], o: PoolOptions): Promise<CellResult[]> {
  const queue = [...specs];
  const out: CellResult[] = [];
  const lane = async () => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      const r = await runCell(s, { progress: (n) => o.onProgress?.(n) });
      o.onCellDone?.(r);
      out.push(r);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.cellsPerWorker) }, lane));
  return out;
}

export function runCells(specs: CellSpec[], o: PoolOptions): Promise<CellResult[]> {
  if (o.workers <= 0 || specs.length === 0) return inThisThread(specs, o);
  const workers = Math.min(o.workers, specs.length);
  const queue = [...specs];
  const results: CellResult[] = [];
  const pool: Worker[] = [];
  return new Promise<CellResult[]>((resolve, reject) => {
    let failed = false;
    const fail = (message: string) => {
      if (failed) return;
      failed = true;
      for (const w of pool) void w.terminate();
      reject(new Error(message));
    };
    const finishIfDone = () => {
      if (!failed && results.length === specs.length) {
        for (const w of pool) w.postMessage({ type: 'exit' } satisfies ToWorker);
        resolve(results);
      }
    };
    for (let i = 0; i < workers; i++) {
      const w = new Worker(new URL('./worker-entry.mjs', import.meta.url));
      pool.push(w);
      let inFlight = 0;
      const feed = () => {
        while (inFlight < Math.max(1, o.cellsPerWorker)) {
          const spec = queue.shift();
          if (!spec) return;
          inFlight++;
          w.postMessage({ type: 'cell', spec } satisfies ToWorker);
        }
      };
      w.on('message', (m: FromWorker) => {
        if (m.type === 'ready') feed();
        else if (m.type === 'progress') o.onProgress?.(m.phoneSteps);
        else if (m.type === 'done') {
          inFlight--;
          results.push(m.result);
          o.onCellDone?.(m.result);
          feed();
          finishIfDone();
        } else if (m.type === 'failed') fail(`cell ${m.cell + 1} failed: ${m.message}`);
      });
      w.on('error', (e) => fail(`a cell worker failed: ${e.stack ?? e.message}`));
      w.on('exit', (code) => {
        if (code !== 0 && results.length < specs.length) fail(`a cell worker exited with code ${code}`);
      });
    }
  });
}
