/**
 * The exercise a lab kept up by `uclab up --exercise` is playing: answers the lab requests that
 * `uclab check` and the page send over the console channel (console-server.ts):
 * - `{"lab": "check"}`: runs the check (check.ts); once solved the answer carries the explanation;
 * - `{"lab": "hint"}`: the next hint (the last one again when all were given), or the explanation once
 *   solved;
 * - `{"lab": "exercise"}`: the task as the trainee was given it.
 * Checks run one at a time: two at once would each see the other's phone resets and sign-ins.
 */
import type { Lab } from '../lab.ts';
import { type CheckReport, runCheck } from './check.ts';
import { type ExercisePlan, explanation } from './plan.ts';

export interface ExerciseAnswer {
  ok: boolean;
  output: string;
  data?: ExerciseData;
}

export type ExerciseData =
  | { kind: 'check'; report: CheckReport; explanation: string | null }
  | { kind: 'hint'; index: number; of: number; hint: string; solved: false }
  | { kind: 'hint'; solved: true; explanation: string }
  | { kind: 'exercise'; scenario: string; task: string; hints: number; solved: boolean };

export class ExerciseSession {
  #hintsGiven = 0;
  #solved = false;
  #running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly lab: Lab,
    readonly plan: ExercisePlan,
  ) {}

  /** Answers a lab request, or null when it is not one of the exercise's. */
  handle(request: string): Promise<ExerciseAnswer> | null {
    switch (request) {
      case 'check':
        return this.#serial(() => this.#check());
      case 'hint':
        return Promise.resolve(this.#hint());
      case 'exercise':
        return Promise.resolve({
          ok: true,
          output: this.plan.task,
          data: {
            kind: 'exercise',
            scenario: this.plan.scenario.id,
            task: this.plan.task,
            hints: this.plan.hints.length,
            solved: this.#solved,
          },
        });
      default:
        return null;
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#running.then(fn, fn);
    this.#running = next.catch(() => {});
    return next;
  }

  async #check(): Promise<ExerciseAnswer> {
    const report = await runCheck(this.lab, this.plan);
    if (report.solved) this.#solved = true;
    const text = explanation(this.plan);
    return {
      ok: true,
      output: report.solved ? 'solved' : 'not solved',
      data: { kind: 'check', report, explanation: report.solved ? text : null },
    };
  }

  #hint(): ExerciseAnswer {
    if (this.#solved) {
      const text = explanation(this.plan);
      return { ok: true, output: text, data: { kind: 'hint', solved: true, explanation: text } };
    }
    const of = this.plan.hints.length;
    const index = Math.min(this.#hintsGiven + 1, of);
    this.#hintsGiven = index;
    const hint = this.plan.hints[index - 1] ?? '';
    this.lab.timeline.emit('scenario', 'exercise.hint', { scenario: this.plan.scenario.id, index, of });
    return { ok: true, output: hint, data: { kind: 'hint', index, of, hint, solved: false } };
  }
}
