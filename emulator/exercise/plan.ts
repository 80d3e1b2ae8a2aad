/**
 * A scenario played as an exercise: which variant is brought up (the fault), which variant's marked
 * steps decide "solved", the hints, and the explanation given once it is solved. Read from the
 * scenario's `exercise` declaration and the `exercise` marks on its steps (emulator/scenario.ts).
 */
import { err, ok, type Result, type UclabError } from '../result.ts';
import type { Scenario, Step } from '../scenario.ts';

export interface ExercisePlan {
  scenario: Scenario;
  /** The variant `uclab up --exercise` brings up. */
  fault: string;
  /** The variant whose steps say what "solved" is. */
  solvedBy: string;
  /** What `uclab check` runs against the live lab, in order: actions a user repeats, then expectations. */
  checks: Step[];
  /** The repair the trainee makes by hand (never run by the check; shown once solved). */
  repair: Step[];
  task: string;
  hints: string[];
}

/** Why a scenario cannot be played as an exercise, or its plan. */
export function exercisePlan(s: Scenario): Result<ExercisePlan, UclabError> {
  const x = s.exercise;
  if (!x) {
    return err({
      code: 'exercise.not-playable',
      message: `${s.id} is not playable as an exercise: its fix is not one an administrator makes with commands (see docs/exercises.md)`,
    });
  }
  const fault = x.fault ?? 'fault';
  for (const [what, name] of [
    ['exercise.fault', fault],
    ['exercise.solvedBy', x.solvedBy],
  ] as const) {
    if (!s.variants[name]) {
      return err({
        code: 'exercise.bad-declaration',
        message: `${s.id}: ${what} names variant "${name}", which it does not have (has: ${Object.keys(s.variants).join(', ')})`,
      });
    }
  }
  const v = s.variants[x.solvedBy];
  const steps = v ? s.steps({ name: x.solvedBy, params: v.params }) : [];
  const checks = steps.filter((st) => st.exercise === 'check');
  if (!checks.some((st) => st.type === 'expect')) {
    return err({
      code: 'exercise.bad-declaration',
      message: `${s.id}: variant ${x.solvedBy} marks no expectation with solvedWhen(...): nothing would say the exercise is solved`,
    });
  }
  return ok({
    scenario: s,
    fault,
    solvedBy: x.solvedBy,
    checks,
    repair: steps.filter((st) => st.exercise === 'trainee'),
    task: x.task,
    hints: x.hints,
  });
}

/** The full explanation, for a trainee who has solved it: cause, fix, and what the repair did. */
export function explanation(p: ExercisePlan): string {
  const s = p.scenario;
  const lines = [
    `Solved: ${s.title}`,
    '',
    `Symptom: ${s.symptom}`,
    `Root cause: ${s.rootCause}`,
    `Fix: ${s.fix}`,
  ];
  const fixVariant = s.variants[p.solvedBy];
  if (fixVariant) lines.push('', `The reference repair (${p.solvedBy}): ${fixVariant.explain}`);
  for (const st of p.repair) lines.push(`  - ${st.title}: ${st.explain}`);
  return `${lines.join('\n')}\n`;
}
