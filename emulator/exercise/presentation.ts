/**
 * What `uclab up --exercise` prints: the task and the history that led to the fault, never the fix.
 * The fault's step explanations name the cause (they are written for a demonstration), so an exercise
 * shows each step's title and, for an expectation, what was seen: the symptom as the trainee meets it.
 */
import type { StepResult } from '../runner.ts';
import type { ExercisePlan } from './plan.ts';

export function exerciseHeader(plan: ExercisePlan): string {
  return `\n▶ exercise ${plan.scenario.id}: bringing the lab up (what happened before the ticket was opened)`;
}

export function exerciseStepLine(r: StepResult): string {
  const mark = r.type === 'action' ? (r.held ? '•' : '✘') : r.held ? '✔' : '✘';
  const lines = [`  ${mark} ${String(r.index).padStart(2)}. ${r.title}`];
  if (r.type === 'expect') lines.push(`        saw: ${r.saw}`);
  if (r.error) lines.push(`        error: ${r.error}`);
  return lines.join('\n');
}

/** Printed once the lab is up: the ticket, and the commands to work with. */
export function exerciseBrief(plan: ExercisePlan, artifacts: string): string {
  return [
    '',
    `Exercise: ${plan.task}`,
    '',
    "Repair it with the administrator's commands, for example:",
    `  uclab console <device> --artifacts ${artifacts}      (lab.json lists the devices)`,
    `Then see whether the symptom is gone:`,
    `  uclab check ${artifacts}            (--hint for a hint)`,
    `  uclab ui --attach ${artifacts}      (the page, with "Check my fix" and "Hint")`,
    `Stop it with: uclab down ${artifacts}`,
  ].join('\n');
}
