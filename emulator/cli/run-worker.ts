/**
 * The worker-thread side of `uclab run` (run-workers.ts starts it): receives variants by scenario file
 * and name, runs up to the pool's share at once (each in its own lab and address block) and posts back
 * what the command prints: the variant's start, each step, its event lines, its result. A worker owns
 * its labs outright; nothing but messages crosses to the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LabCaptures } from '../capture/lab-captures.ts';
import { loadScenario, runVariant } from '../runner.ts';
import type { FromRunWorker, RunWorkerData, ToRunWorker } from './run-workers.ts';

const port = parentPort;
if (!port) throw new Error('run-worker.ts runs as a worker thread (emulator/cli/run-workers.ts starts it)');
const data = workerData as RunWorkerData;
const post = (m: FromRunWorker) => port.postMessage(m);

const captures = data.pcap
  ? new LabCaptures({ say: (line) => post({ type: 'say', text: `${line}\n` }) })
  : null;
/** Each scenario file is imported once per worker, however many of its variants the worker runs. */
const loaded = new Map<string, ReturnType<typeof loadScenario>>();

/** Event lines are batched per turn of the event loop: one message an event would be mostly overhead. */
let eventLines: string[] = [];
let flushQueued = false;
function flushEvents(): void {
  flushQueued = false;
  if (eventLines.length === 0) return;
  post({ type: 'events', lines: eventLines });
  eventLines = [];
}

async function run(index: number, file: string, variant: string): Promise<void> {
  let pending = loaded.get(file);
  if (!pending) {
    pending = loadScenario(file);
    loaded.set(file, pending);
  }
  const r = await pending;
  if (!r.ok) throw new Error(r.message);
  const result = await runVariant(r.scenario, variant, {
    artifactsDir: data.artifacts,
    onLab: async (lab) => {
      await captures?.attach(lab);
      if (!data.events) return;
      lab.timeline.subscribe(undefined, (e) => {
        eventLines.push(`${JSON.stringify(e)}\n`);
        if (!flushQueued) {
          flushQueued = true;
          setImmediate(flushEvents);
        }
      });
    },
    onVariantStart: (v) => post({ type: 'start', index, v }),
    onStep: (_v, step) => post({ type: 'step', index, step }),
  });
  // The lab's capture is flushed and its events are out before the result says the variant is over.
  await captures?.settled();
  flushEvents();
  post({ type: 'done', index, result });
}

port.on('message', (m: ToRunWorker) => {
  if (m.type === 'exit') {
    port.close();
    return;
  }
  run(m.index, m.file, m.variant).catch((e: unknown) => {
    flushEvents();
    post({ type: 'failed', index: m.index, message: e instanceof Error ? e.message : String(e) });
  });
});

post({ type: 'ready' });
