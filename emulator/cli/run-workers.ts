/**
 * `uclab run` on every core: variants spread over node:worker_threads, each worker running its share
 * side by side (its own pool of labs in flight), results and printed lines streamed back. The same
 * design as the fleet's cells (emulator/plan/pool.ts): a worker pulls the next variant when it has room,
 * so one slow variant holds up nothing else. Each lab claims its own address block through the kernel
 * (emulator/address-block.ts), and threads of one process bind from one port space, so labs in
 * different workers cannot collide any more than labs in one thread.
 *
 * A variant whose run throws inside its worker, and every variant in flight on a worker that dies, is
 * reported as broken with the reason; the other variants run on (a replacement worker takes the
 * queue), so the run always ends.
 */
import { Worker } from 'node:worker_threads';
import type { StepResult, VariantResult } from '../runner.ts';

/** What a worker is started with (structured-clone data). */
export interface RunWorkerData {
  artifacts: string | null;
  pcap: boolean;
  /** Post each lab event as a JSON line (for `--events`). */
  events: boolean;
}

export type ToRunWorker =
  | { type: 'variant'; index: number; file: string; variant: string }
  | { type: 'exit' };
export type FromRunWorker =
  | { type: 'ready' }
  | { type: 'start'; index: number; v: { scenario: string; variant: string; explain: string; title: string } }
  | { type: 'step'; index: number; step: StepResult }
  | { type: 'events'; lines: string[] }
  | { type: 'say'; text: string }
  | { type: 'done'; index: number; result: VariantResult }
  | { type: 'failed'; index: number; message: string };

/** One variant to run: where its scenario is, and what to report if its worker cannot run it. */
export interface VariantJob {
  file: string;
  variant: string;
  scenario: string;
  title: string;
  explain: string;
}

export interface RunHooks {
  /** At most this many of the started workers (default: all); the others are let go. */
  workers?: number;
  /** Variants in flight over all workers (`--jobs`), shared out evenly. */
  jobs: number;
  /** The order to start the jobs in (indices); default: as given. Printing keeps the jobs' order. */
  order?: readonly number[];
  onStart?: (index: number, v: { scenario: string; variant: string; explain: string; title: string }) => void;
  onStep?: (index: number, step: StepResult) => void;
  onEvents?: (lines: string[]) => void;
  /** Lines a worker has for stderr that belong to no variant (a capture tool's notice). */
  say?: (text: string) => void;
  onDone: (index: number, result: VariantResult) => void;
}

const ENTRY = new URL('./run-worker-entry.mjs', import.meta.url);
/** How long a worker told to exit may take to close its last handles before it is terminated. */
const EXIT_GRACE_MS = 5000;

/** The result of a variant its worker could not run: broken, with why, as the runner reports a broken lab. */
export function brokenInWorker(job: VariantJob, reason: string): VariantResult {
  return {
    scenario: job.scenario,
    title: job.title,
    variant: job.variant,
    explain: job.explain,
    outcome: 'broken',
    reason,
    durationMs: 0,
    steps: [],
    artifacts: null,
    events: 0,
  };
}

/**
 * Worker threads started before the run is known, so that they load the device models while this
 * thread loads the catalogue; `run` then shares the variants out, `close` lets them go.
 */
export class RunWorkers {
  readonly #count: number;
  readonly #data: RunWorkerData;
  readonly #entry: URL;
  readonly #idle: Worker[] = [];
  /** What a worker said or did before a run drove it: messages with no listener yet would be lost. */
  readonly #early = new WeakMap<Worker, { ready: boolean; ended: string | null }>();
  #closed = false;

  constructor(count: number, data: RunWorkerData, entry: URL = ENTRY) {
    this.#count = Math.max(1, count);
    this.#data = data;
    this.#entry = entry;
    for (let i = 0; i < this.#count; i++) this.#idle.push(this.#spawn());
  }

  #spawn(): Worker {
    const w = new Worker(this.#entry, { workerData: this.#data });
    const early = { ready: false, ended: null as string | null };
    this.#early.set(w, early);
    w.on('message', (m: FromRunWorker) => {
      if (m.type === 'ready') early.ready = true;
    });
    w.on('error', (e) => {
      early.ended ??= e.message;
    });
    w.on('exit', (code) => {
      early.ended ??= `it exited with code ${code}`;
    });
    return w;
  }

  /** Lets every worker go: each closes its port once its labs have stopped, or is ended after a grace time. */
  close(): void {
    this.#closed = true;
    for (const w of this.#idle.splice(0)) release(w);
  }

  /** Runs every job over the workers; resolves once each has a result (reported through `onDone`). */
  run(jobs: readonly VariantJob[], o: RunHooks): Promise<void> {
    if (this.#closed) throw new Error('the worker threads of this run were already let go');
    if (jobs.length === 0) {
      this.close();
      return Promise.resolve();
    }
    const order = o.order ?? jobs.map((_, i) => i);
    // More workers than jobs would only load the device models for nothing.
    const starting = this.#idle.splice(
      0,
      Math.max(1, Math.min(this.#idle.length, jobs.length, o.workers ?? Infinity)),
    );
    for (const w of this.#idle.splice(0)) release(w);
    // Shared evenly even when there are fewer variants than --jobs: the first worker to be ready must
    // not take them all while another core waits.
    const perWorker = Math.max(1, Math.ceil(Math.min(o.jobs, jobs.length) / starting.length));
    // A worker that dies is replaced while this many replacements last; then the queue is reported broken.
    let replacements = starting.length;
    let next = 0;
    let settled = 0;
    const live = new Set<Worker>();

    return new Promise<void>((resolve) => {
      const finish = (index: number, result: VariantResult) => {
        settled++;
        o.onDone(index, result);
        if (settled === jobs.length) {
          this.#closed = true;
          for (const w of live) release(w);
          live.clear();
          resolve();
        }
      };
      const drive = (w: Worker) => {
        live.add(w);
        const inFlight = new Set<number>();
        let dead = false;
        const early = this.#early.get(w);
        let ready = early?.ready ?? false;
        const feed = () => {
          while (ready && !dead && inFlight.size < perWorker && next < order.length) {
            const index = order[next++]!;
            const job = jobs[index]!;
            inFlight.add(index);
            w.postMessage({
              type: 'variant',
              index,
              file: job.file,
              variant: job.variant,
            } satisfies ToRunWorker);
          }
        };
        const died = (why: string) => {
          if (dead) return;
          dead = true;
          live.delete(w);
          void w.terminate();
          const lost = [...inFlight].sort((a, b) => a - b);
          inFlight.clear();
          const others = lost.length > 1 ? ` (with ${lost.length - 1} other variant(s) it was running)` : '';
          for (const index of lost) {
            finish(
              index,
              brokenInWorker(jobs[index]!, `the worker thread running it failed${others}: ${why}`),
            );
          }
          if (next >= order.length) return;
          if (replacements-- > 0) drive(this.#spawn());
          else if (live.size === 0) {
            while (next < order.length) {
              const index = order[next++]!;
              finish(
                index,
                brokenInWorker(jobs[index]!, `not run: worker threads kept failing, the last with: ${why}`),
              );
            }
          }
        };
        w.on('message', (m: FromRunWorker) => {
          if (dead) return;
          if (m.type === 'ready') {
            ready = true;
            feed();
          } else if (m.type === 'start') o.onStart?.(m.index, m.v);
          else if (m.type === 'step') o.onStep?.(m.index, m.step);
          else if (m.type === 'events') o.onEvents?.(m.lines);
          else if (m.type === 'say') o.say?.(m.text);
          else if (m.type === 'done' || m.type === 'failed') {
            inFlight.delete(m.index);
            const result =
              m.type === 'done'
                ? m.result
                : brokenInWorker(jobs[m.index]!, `the variant failed in its worker thread: ${m.message}`);
            finish(m.index, result);
            feed();
          }
        });
        w.on('error', (e) => died(e.message));
        w.on('exit', (code) => {
          if (live.has(w)) died(`it exited with code ${code}`);
        });
        if (early?.ended) died(early.ended);
        else feed();
      };
      for (const w of starting) drive(w);
    });
  }
}

/** Tells a worker to exit once its labs are done; one that has not ended after a grace time is terminated. */
function release(w: Worker): void {
  w.postMessage({ type: 'exit' } satisfies ToRunWorker);
  const timer = setTimeout(() => void w.terminate(), EXIT_GRACE_MS);
  timer.unref();
  w.once('exit', () => clearTimeout(timer));
}
