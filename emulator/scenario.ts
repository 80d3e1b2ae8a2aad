/**
 * Scenario scripts. A scenario declares a lab, the steps that drive it (each with a one-line
 * explanation for trainees) and the expectations that must hold, in one or more variants: the fault
 * and the fix (or fixes) side by side in one file.
 *
 *     export default defineScenario({
 *       id: 'expired-callmanager-cert', seed: '002', title: '...', symptom: '...', rootCause: '...',
 *       fix: '...', tags: ['cucm', 'phone'],
 *       variants: { fault: { explain: '...' }, fix: { explain: '...' } },
 *       lab: (v) => ({ devices: [...] }),
 *       steps: (v) => [act(...), expectLog(...)],
 *     });
 */
import { z } from 'zod';
import { closest } from './did-you-mean.ts';
import { type LabEvent, WaitTimeout } from './events.ts';
import type { Lab, LabDeclaration } from './lab.ts';
import type { FaultEffect, FaultSpec } from './net/fault-spec.ts';

/** What a step or an expectation can use of the lab. */
export type StepContext = Lab;

export interface ActionStep {
  type: 'action';
  title: string;
  explain: string;
  run(lab: StepContext): Promise<void>;
  /** What the step is in the scenario's exercise (`uclab up --exercise`), if anything: see `ExerciseRole`. */
  exercise?: ExerciseRole;
}

/** An expectation's outcome: whether it held and, for a person, what was seen. */
export interface Check {
  held: boolean;
  saw: string;
}

export interface ExpectStep {
  type: 'expect';
  title: string;
  explain: string;
  /** For `expectLog`: the text the device's log must show (what the fidelity marker classifies). */
  pattern?: string | RegExp;
  check(lab: StepContext): Promise<Check>;
  /** What the step is in the scenario's exercise, if anything: see `ExerciseRole`. */
  exercise?: ExerciseRole;
}

export type Step = ActionStep | ExpectStep;

/**
 * The part a step of the solving variant plays when the scenario is played as an exercise:
 * - `trainee`: the repair itself, which the trainee makes by hand with the real commands; `uclab check`
 *   never runs it (running it would solve the exercise for them);
 * - `check`: what `uclab check` does against the live lab to see whether the symptom is gone: the
 *   actions a user would take again (a phone power-cycled, Jabber signing in) and the expectations
 *   that mean "solved".
 * Unmarked steps are the history that brought the fault about; the check does not run them.
 */
export type ExerciseRole = 'trainee' | 'check';

/** How a scenario is played as an exercise (`uclab up <id> --exercise`, `uclab check DIR`). */
export interface ExerciseDefinition {
  /** What the trainee is told, as a ticket would put it: the symptom and where, never the fix. */
  task: string;
  /** The variant whose `check` steps decide "solved" (e.g. `fix`). */
  solvedBy: string;
  /** The variant brought up (default: `fault`). */
  fault?: string;
  /** Hints in the order `uclab check --hint` gives them, the vaguest first. */
  hints: string[];
}

export interface Variant<P> {
  /** Why this variant exists: what is different, in one or two sentences. */
  explain: string;
  params: P;
}

export interface ScenarioDefinition<P = Record<string, never>> {
  id: string;
  title: string;
  /** The seed document this fault comes from, e.g. `002`; `-` for none. */
  seed: string;
  tags: string[];
  symptom: string;
  rootCause: string;
  fix: string;
  /** Variants by name; by convention `fault` first and `fix` (or `fix-...`) after it. */
  variants: Record<string, Variant<P>>;
  lab(variant: VariantRef<P>): LabDeclaration;
  steps(variant: VariantRef<P>): Step[];
  /** Present when an administrator can repair the fault with commands: see `ExerciseDefinition`. */
  exercise?: ExerciseDefinition;
}

export interface VariantRef<P> {
  name: string;
  params: P;
}

const variantShape = z.strictObject({ explain: z.string().min(1), params: z.unknown() });

const scenarioShape = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'an id is lower case: letters, digits, "." and "-"'),
  title: z.string().min(1, 'a scenario needs a title'),
  seed: z.string().min(1),
  tags: z.array(z.string()),
  symptom: z.string().min(1, 'say what the user sees'),
  rootCause: z.string().min(1, 'say why it happens'),
  fix: z.string().min(1, 'say what makes it pass'),
  variants: z
    .record(z.string().regex(/^[a-z0-9-]+$/), variantShape)
    .refine((v) => Object.keys(v).length > 0, 'a scenario needs at least one variant'),
  lab: z.custom<(v: unknown) => unknown>(
    (f) => typeof f === 'function',
    'lab must be a function of the variant',
  ),
  steps: z.custom<(v: unknown) => unknown>(
    (f) => typeof f === 'function',
    'steps must be a function of the variant',
  ),
  exercise: z
    .strictObject({
      task: z.string().min(1, 'tell the trainee what is wrong'),
      solvedBy: z.string().min(1, 'name the variant whose checks mean "solved"'),
      fault: z.string().min(1).optional(),
      hints: z.array(z.string().min(1)).min(1, 'an exercise needs at least one hint'),
    })
    .optional(),
  // Set by defineScenario.
  __scenario: z.literal(true).optional(),
});

/** The fields a scenario definition may have, for "did you mean" hints. */
const SCENARIO_FIELDS = Object.keys(scenarioShape.shape).filter((k) => !k.startsWith('_'));
const VARIANT_FIELDS = Object.keys(variantShape.shape);

export type Scenario = ScenarioDefinition<unknown> & { readonly __scenario: true };

/** Declares a scenario; the shape is checked when the runner loads it (a bad one exits 2). */
export function defineScenario<P>(def: ScenarioDefinition<P>): Scenario {
  return Object.assign(def as unknown as ScenarioDefinition<unknown>, { __scenario: true as const });
}

/** Checks a loaded module's default export; the message names the field. */
export function checkScenario(
  value: unknown,
  file: string,
): { ok: true; scenario: Scenario } | { ok: false; message: string } {
  if (typeof value !== 'object' || value === null) {
    return { ok: false, message: `${file}: the default export is not a scenario (use defineScenario)` };
  }
  const r = scenarioShape.safeParse(value);
  if (!r.success) {
    // A misspelt field shows up twice (unknown `steeps`, missing `steps`): name the misspelling.
    const issue = r.error.issues.find((i) => i.code === 'unrecognized_keys') ?? r.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    if (issue?.code === 'unrecognized_keys') {
      const inVariant = issue.path.length > 0;
      const fields = inVariant ? VARIANT_FIELDS : SCENARIO_FIELDS;
      const key = issue.keys[0] ?? '';
      const near = closest(key, fields);
      const where = inVariant ? `${path}.${key}` : key;
      return {
        ok: false,
        message: `${file}: ${where}: not a ${inVariant ? 'variant' : 'scenario'} field (${near ? `did you mean "${near}"? ` : ''}fields: ${fields.join(', ')})`,
      };
    }
    const missing = issue?.code === 'invalid_type' && /received undefined/.test(issue.message);
    return {
      ok: false,
      message: `${file}: ${path || 'scenario'}: ${missing ? `missing (a scenario needs ${path})` : (issue?.message ?? 'invalid')}`,
    };
  }
  return { ok: true, scenario: value as Scenario };
}

// ---------------------------------------------------------------- step builders

/** Marks a step of the solving variant as the trainee's repair (the check never runs it). */
export function byTrainee<S extends Step>(step: S): S {
  return { ...step, exercise: 'trainee' };
}

/** Marks a step of the solving variant as part of the check that says the exercise is solved. */
export function solvedWhen<S extends Step>(step: S): S {
  return { ...step, exercise: 'check' };
}

/** Something the lab does: a device boots, an admin regenerates a certificate, a user logs in. */
export function act(title: string, explain: string, run: (lab: StepContext) => Promise<void>): ActionStep {
  return { type: 'action', title, explain, run };
}

/** An expectation with its own check. */
export function expectThat(
  title: string,
  explain: string,
  check: (lab: StepContext) => Promise<Check>,
): ExpectStep {
  return { type: 'expect', title, explain, check };
}

function matchText(pattern: string | RegExp, text: string): boolean {
  return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
}

function lastLines(lab: StepContext, device: string, n = 4): string {
  const lines = lab.timeline.logLines(device);
  return lines.length === 0 ? `${device} logged nothing` : lines.slice(-n).join(' | ');
}

/** A device's log shows a line containing `pattern` (or matching it), within `timeoutMs`. */
export function expectLog(
  device: string,
  pattern: string | RegExp,
  explain: string,
  opts: { timeoutMs?: number; title?: string } = {},
): ExpectStep {
  const title =
    opts.title ?? `${device} logs ${typeof pattern === 'string' ? `"${pattern}"` : pattern.toString()}`;
  const step = expectThat(title, explain, async (lab) => {
    try {
      const e = (await lab.timeline.waitFor(
        title,
        (ev) => ev.kind === 'log' && ev.device === device && matchText(pattern, ev.text),
        { timeoutMs: opts.timeoutMs ?? 10_000, sawFilter: { kind: 'log', device } },
      )) as LabEvent<'log'>;
      return { held: true, saw: e.text };
    } catch (e) {
      if (e instanceof WaitTimeout) return { held: false, saw: lastLines(lab, device) };
      throw e;
    }
  });
  return { ...step, pattern };
}

/** No line of the device's log, so far, contains `pattern`. */
export function expectNoLog(
  device: string,
  pattern: string | RegExp,
  explain: string,
  title?: string,
): ExpectStep {
  const t =
    title ?? `${device} never logs ${typeof pattern === 'string' ? `"${pattern}"` : pattern.toString()}`;
  return expectThat(t, explain, async (lab) => {
    const hit = lab.timeline.logLines(device).find((l) => matchText(pattern, l));
    return hit ? { held: false, saw: hit } : { held: true, saw: `no such line in ${device}'s log` };
  });
}

/** A value the scenario computes equals what it should. */
export function expectEqual<T>(
  title: string,
  explain: string,
  actual: (lab: StepContext) => T | Promise<T>,
  expected: T,
): ExpectStep {
  return expectThat(title, explain, async (lab) => {
    const a = await actual(lab);
    const held = JSON.stringify(a) === JSON.stringify(expected);
    return { held, saw: JSON.stringify(a) };
  });
}

// ---------------------------------------------------------------- network faults

/**
 * Puts a network fault on the lab (emulator/net/fault-spec.ts: a device down, latency, loss, ...),
 * recorded as `net.fault`. Give it a `name` to clear it later with `clearFault`.
 */
export function fault(title: string, explain: string, spec: FaultSpec): ActionStep {
  return act(title, explain, async (lab) => {
    const r = lab.fabric.faults.add(spec);
    if (!r.ok) throw new Error(r.error.message);
  });
}

/** Takes the fault named `name` off the lab; its `net.fault` removal says what it did while it was on. */
export function clearFault(title: string, explain: string, name: string): ActionStep {
  return act(title, explain, async (lab) => {
    const r = lab.fabric.faults.remove(name);
    if (!r.ok) throw new Error(r.error.message);
  });
}

/**
 * The fault named `name` did `effect` at least `atLeast` times (default 1): connections it refused,
 * blackholed, cut, reset, stalled or slowed (`net.faulted`), or, once it is cleared, datagrams it
 * dropped, duplicated or delayed (the counts of its `net.fault` removal).
 */
export function expectFaultEffect(
  name: string,
  effect: FaultEffect,
  explain: string,
  opts: { atLeast?: number; title?: string } = {},
): ExpectStep {
  const atLeast = opts.atLeast ?? 1;
  const title =
    opts.title ?? `fault ${name}: ${effect} ${atLeast === 1 ? 'at least once' : `at least ${atLeast} times`}`;
  return expectThat(title, explain, async (lab) => {
    const changes = lab.timeline.ofKind('net.fault').filter((e) => e.name === name);
    const added = changes.filter((e) => e.change === 'added').at(-1);
    if (!added) return { held: false, saw: `no fault named ${name} was put on` };
    const removed = changes.find((e) => e.change === 'removed' && e.seq > added.seq);
    const evented = lab.timeline
      .ofKind('net.faulted')
      .filter((e) => e.faultId === added.faultId && e.effect === effect).length;
    const n = removed ? (removed.counts[effect] ?? 0) : evented;
    const when = removed ? `while it was on: ${JSON.stringify(removed.counts)}` : 'so far, still on';
    return { held: n >= atLeast, saw: `${added.summary}: ${effect} ${n} (${when})` };
  });
}
