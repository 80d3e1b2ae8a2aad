/**
 * `uclab check`, inside the process that keeps the lab up: runs the solving variant's `check` steps
 * against the live lab (the actions a user repeats, then the expectations that mean "solved"), each
 * expectation reading only the events since the check began (scoped-lab.ts). The repair itself is the
 * trainee's: no `trainee` step is ever run here.
 */
import { WaitTimeout } from '../events.ts';
import type { Lab } from '../lab.ts';
import './events.ts';
import type { ExerciseExpectation } from './events.ts';
import type { ExercisePlan } from './plan.ts';
import { labSince, lastSeq } from './scoped-lab.ts';

export interface CheckLine extends ExerciseExpectation {
  type: 'action' | 'expect';
}

export interface CheckReport {
  scenario: string;
  solved: boolean;
  lines: CheckLine[];
}

export async function runCheck(lab: Lab, plan: ExercisePlan): Promise<CheckReport> {
  const since = lastSeq(lab);
  const scoped = labSince(lab, since);
  const lines: CheckLine[] = [];
  for (const step of plan.checks) {
    if (step.type === 'action') {
      try {
        // Actions act on the lab itself (their own waits count from their own start).
        await step.run(lab);
        lines.push({ type: 'action', title: step.title, held: true, saw: 'done' });
      } catch (e) {
        lines.push({ type: 'action', title: step.title, held: false, saw: (e as Error).message });
      }
      continue;
    }
    try {
      const c = await step.check(scoped);
      lines.push({ type: 'expect', title: step.title, held: c.held, saw: c.saw });
    } catch (e) {
      const saw = e instanceof WaitTimeout ? e.message : `the check failed: ${(e as Error).message}`;
      lines.push({ type: 'expect', title: step.title, held: false, saw });
    }
  }
  const expectations = lines.filter((l) => l.type === 'expect');
  const solved = expectations.length > 0 && lines.every((l) => l.held);
  lab.timeline.emit('scenario', 'exercise.check', {
    scenario: plan.scenario.id,
    solved,
    expectations: expectations.map(({ title, held, saw }) => ({ title, held, saw })),
  });
  return { scenario: plan.scenario.id, solved, lines };
}
