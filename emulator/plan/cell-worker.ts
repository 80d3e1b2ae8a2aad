/**
 * The worker-thread side of a fleet run (pool.ts): receives cells one at a time, runs each (cell.ts)
 * and posts back its progress (batched) and its result. A worker owns its cells' labs outright: no
 * state is shared with the main thread or other workers, only messages.
 */
import { parentPort } from 'node:worker_threads';
// Only the device kinds a plan's lab declares (devices/index.ts would load the Expressway and peers too).
import '../../devices/cucm/index.ts';
import '../../devices/phone/register.ts';
import { type CellResult, type CellSpec, runCell } from './cell.ts';

export type ToWorker = { type: 'cell'; spec: CellSpec } | { type: 'exit' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; cell: number; phoneSteps: number }
  | { type: 'done'; result: CellResult }
  | { type: 'failed'; cell: number; message: string };

const port = parentPort;
if (!port) throw new Error('cell-worker.ts runs as a worker thread (emulator/plan/pool.ts starts it)');

const post = (m: FromWorker) => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  if (m.type === 'exit') {
    port.close();
    return;
  }
  const cell = m.spec.index;
  let pending = 0;
  // Progress in batches: a 200-phone cell settles 200 phones a step, one message a phone is noise.
  const flush = () => {
    if (pending > 0) post({ type: 'progress', cell, phoneSteps: pending });
    pending = 0;
  };
  const timer = setInterval(flush, 250);
  runCell(m.spec, { progress: (n) => (pending += n) })
    .then((result) => {
      flush();
      post({ type: 'done', result });
    })
    .catch((e: Error) => post({ type: 'failed', cell, message: e.stack ?? e.message }))
    .finally(() => clearInterval(timer));
});

post({ type: 'ready' });
