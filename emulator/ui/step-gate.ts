/**
 * The step-through for a class: the runner awaits `beforeStep` before each step (emulator/runner.ts),
 * and the gate holds it there until the trainer says "next", so the page can show the step's
 * explanation before the step runs. "Run to end" stops holding; "restart" makes the held step (and any
 * later one) reject, which stops the lab.
 */
import type { Step } from '../scenario.ts';

export interface HeldStep {
  index: number;
  title: string;
  explain: string;
  type: Step['type'];
}

/** The rejection a restarted run's held step gets; the runner stops the lab on it. */
export class RunAborted extends Error {
  readonly code = 'ui.run-aborted';
  constructor() {
    super('the trainer restarted the run');
  }
}

export class StepGate {
  #stepping: boolean;
  #aborted = false;
  #held: { step: HeldStep; go: () => void; stop: (e: Error) => void } | null = null;

  constructor(
    stepping: boolean,
    private readonly onChange: (held: HeldStep | null) => void,
  ) {
    this.#stepping = stepping;
  }

  get stepping(): boolean {
    return this.#stepping;
  }

  get held(): HeldStep | null {
    return this.#held?.step ?? null;
  }

  /** The runner's `beforeStep` hook. */
  beforeStep = (_v: { scenario: string; variant: string }, step: Step, index: number): Promise<void> => {
    if (this.#aborted) return Promise.reject(new RunAborted());
    if (!this.#stepping) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const held: HeldStep = { index, title: step.title, explain: step.explain, type: step.type };
      this.#held = {
        step: held,
        go: () => {
          this.#held = null;
          this.onChange(null);
          resolve();
        },
        stop: reject,
      };
      this.onChange(held);
    });
  };

  /** Runs the held step; false when no step is held. */
  next(): boolean {
    if (!this.#held) return false;
    this.#held.go();
    return true;
  }

  /** Stops holding: the held step and every later one run at once. */
  runToEnd(): void {
    this.#stepping = false;
    this.#held?.go();
  }

  /** Makes the held step (or the next one) reject with `RunAborted`. */
  abort(): void {
    this.#aborted = true;
    const h = this.#held;
    this.#held = null;
    h?.stop(new RunAborted());
  }
}
