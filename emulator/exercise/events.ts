/**
 * The events an exercise leaves on the lab's timeline (merged into EventMap, emulator/events.ts), from
 * the `scenario` pseudo-device like the steps, so that the live page and a report show each check the
 * trainee asked for and what it saw.
 */
export interface ExerciseExpectation {
  title: string;
  held: boolean;
  saw: string;
}

declare module '../events.ts' {
  interface EventMap {
    /** One `uclab check` (or the page's "Check my fix"): each expectation and whether all held. */
    'exercise.check': { scenario: string; solved: boolean; expectations: ExerciseExpectation[] };
    /** A hint the trainee asked for (its number, from 1). */
    'exercise.hint': { scenario: string; index: number; of: number };
  }
}
