/**
 * Running variants side by side: a bounded pool, and output that keeps catalogue order. Each variant
 * has its own lab and address block (emulator/address-block.ts claims blocks through the kernel), so
 * running several at once changes nothing but the wall time: much of a variant is waiting (timers,
 * retries, a phone's backoff), which another variant's work fills.
 */
import { availableParallelism } from 'node:os';

/** More than this and the labs' timers start to miss their deadlines on a small machine. */
export const MAX_JOBS = 16;

/**
 * Without --jobs: eight labs per core, at most MAX_JOBS. Most of a catalogue variant is waiting on
 * its protocol timers, so more labs at once fill the waits: on a 2-core machine the 99 variants took
 * 14.7 s eight at a time and 10.4 s sixteen at a time in one thread (10.7 s of CPU either way).
 */
export function defaultJobs(): number {
  return Math.min(MAX_JOBS, 8 * availableParallelism());
}

/** `--jobs N`: a whole number 1..MAX_JOBS; absent means defaultJobs(). Null when it is not one. */
export function parseJobs(v: string | number | undefined): number | null {
  if (v === undefined) return defaultJobs();
  const n = typeof v === 'number' ? v : /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_JOBS ? n : null;
}

/** More worker threads than this and each one's share of labs is too small to keep its core busy. */
export const MAX_WORKERS = 64;

/** Without --workers: one worker thread per core at most (see `workersFor`). */
export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * Without --workers, a worker thread is only worth it for this many variants. Each thread loads the
 * device models and the scenarios again and warms up its own JIT: on a 2-core machine the 99-variant
 * catalogue took 16.9 s of CPU on two worker threads against 8.9 s in one thread, and 10.2 s wall
 * against 8.0 s (its wall time is bounded by its slowest variant, 8 s of TFTP timeouts, which one
 * thread already overlaps with everything else). A catalogue variant takes about 0.09 s of CPU.
 */
export const VARIANTS_PER_WORKER = 64;

/**
 * How many worker threads a run of `variants` gets without --workers: one per VARIANTS_PER_WORKER,
 * at most `cores`, and none rather than one (a single worker thread only adds its loading to a run
 * this thread could do).
 */
export function workersFor(variants: number, cores: number = defaultWorkers()): number {
  const n = Math.min(cores, Math.floor(variants / VARIANTS_PER_WORKER));
  return n >= 2 ? n : 0;
}

/** `--workers N`: a whole number 0..MAX_WORKERS (0: this thread); absent means defaultWorkers(). */
export function parseWorkers(v: string | number | undefined): number | null {
  if (v === undefined) return defaultWorkers();
  const n = typeof v === 'number' ? v : /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= 0 && n <= MAX_WORKERS ? n : null;
}

/** Calls `task(i)` for i in 0..count-1, at most `limit` at once; resolves when all have settled. */
export async function runPool(
  count: number,
  limit: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/**
 * Lines of numbered sections, written in section order: section i's lines go out as they come while
 * every section before it is done; otherwise they wait for those to finish.
 */
export class OrderedOutput {
  readonly #pending: string[][];
  readonly #finished: boolean[];
  #head = 0;

  constructor(
    count: number,
    private readonly write: (text: string) => void,
  ) {
    this.#pending = Array.from({ length: count }, () => []);
    this.#finished = new Array(count).fill(false);
  }

  line(section: number, text: string): void {
    if (section === this.#head) this.write(`${text}\n`);
    else this.#pending[section]!.push(`${text}\n`);
  }

  done(section: number): void {
    this.#finished[section] = true;
    while (this.#head < this.#finished.length && this.#finished[this.#head]) {
      this.#head++;
      if (this.#head < this.#pending.length) {
        const waiting = this.#pending[this.#head]!;
        if (waiting.length > 0) this.write(waiting.join(''));
        this.#pending[this.#head] = [];
      }
    }
  }
}
