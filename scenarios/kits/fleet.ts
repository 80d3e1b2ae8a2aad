/**
 * Scenario kit for fleets: many phones of mixed models and firmware on one cluster, in one lab,
 * declared as a rollover plan declares them (plans/README.md: groups by count or weight of `size`, a
 * MAC range, a line range, security profiles, MIC or LSC), and driven by the plan's operations, each
 * followed by the fleet's reaction as a plan step waits for it. For a scenario that needs a fleet
 * beside its own steps and devices (a class watching 40 phones recover, an Expressway beside the
 * cluster); `uclab plan` runs fleets of thousands on every core.
 *
 * The checks read only the phones' events (emulator/plan/outcome.ts), never a phone object. Not a
 * scenario: the runner loads only `scenarios/*.ts`.
 */
import type { Lab, LabDeclaration } from '../../emulator/lab.ts';
import { cellDeclaration } from '../../emulator/plan/cell-lab.ts';
import { expandFleet, type FleetPhone } from '../../emulator/plan/fleet.ts';
import { runFleetStep } from '../../emulator/plan/fleet-step.ts';
import { describeStep } from '../../emulator/plan/operations.ts';
import { classify, observePhones, type PhoneState, type PhoneView } from '../../emulator/plan/outcome.ts';
import { type PlanInput, type PlanStep, parsePlan } from '../../emulator/plan/plan-file.ts';
import { problemLines } from '../../emulator/plan/plan-problems.ts';
import { type ActionStep, act, type ExpectStep, expectThat } from '../../emulator/scenario.ts';
import { phone } from './phone.ts';

type FleetDecl = PlanInput['fleet'];
type StepInput = PlanInput['steps'][number];

/** A fleet as a scenario declares it: the plan's cluster and fleet (offline windows are the scenario's steps). */
export interface FleetInput {
  seed?: string;
  cluster?: PlanInput['cluster'];
  fleet: Omit<FleetDecl, 'offline'>;
  /** Phones of the lab booting at once (default 16), as a plan's `run.bootsInFlight`. */
  bootsInFlight?: number;
}

/** An operation of a plan step (plans/README.md "The operations"), without the step's id. */
export type FleetOperation = StepInput extends infer S
  ? S extends { id: string }
    ? Omit<S, 'id'>
    : never
  : never;

export interface Fleet {
  /** The phones, in the plan's interleaved order: names `SEP<MAC>`, lines from `lineBase`. */
  readonly phones: readonly FleetPhone[];
  /**
   * The lab: the cluster (publisher `cucm-pub`, subscribers `cucm-sub<n>`, in `lab.example`) with the
   * fleet configured on it (Device > Phone), and the phone devices, which boot when a step says so.
   * A lab of more than 241 devices takes a block of several /24s.
   */
  readonly lab: LabDeclaration;
  /** What the scenario declared: its operations are read against it (a `reissue-lsc` names its groups). */
  readonly declared: FleetInput;
}

/** A fleet declaration that cannot be read: every problem, each with its path (`fleet.groups[1].firmware`). */
export class FleetDeclarationError extends Error {}

const ID = 'scenario-fleet';

/** Parses the fleet and one operation as a plan would (its schema, its checks): problems named by path. */
function asPlan(input: FleetInput, op: FleetOperation = { op: 'boot' }) {
  const r = parsePlan({
    schemaVersion: 1,
    id: ID,
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    ...(input.cluster !== undefined ? { cluster: input.cluster } : {}),
    fleet: input.fleet,
    steps: [{ id: 'step', ...op }],
    ...(input.bootsInFlight !== undefined ? { run: { bootsInFlight: input.bootsInFlight } } : {}),
  });
  if (r.ok) return r.plan;
  // The operation is the one step of the plan read here: named as the scenario wrote it.
  const problems = r.error.problems.map((p) => ({
    ...p,
    where: p.where.replace(/^steps\[0\]/, 'operation'),
  }));
  throw new FleetDeclarationError(
    `the fleet cannot be declared:\n  ${problemLines({ ...r.error, problems }).join('\n  ')}`,
  );
}

/** Reads a fleet declaration (throws `FleetDeclarationError` naming every bad field) into its phones and lab. */
export function fleet(input: FleetInput): Fleet {
  const plan = asPlan(input);
  const phones = expandFleet(plan);
  return {
    phones,
    lab: cellDeclaration(plan, phones, { bootsInFlight: plan.run.bootsInFlight }),
    declared: input,
  };
}

/** What each phone's events say of it so far (outcome.ts): switched off, its boots, its refusals. */
function phoneViews(lab: Lab, f: Fleet): Map<string, PhoneView> {
  const observed = observePhones(
    lab.timeline,
    f.phones.map((p) => p.name),
    { replay: true },
  );
  observed.stop();
  return observed.views;
}

/** The phones a person has switched off, from their events. */
function switchedOff(lab: Lab, f: Fleet): Set<string> {
  return new Set([...phoneViews(lab, f)].filter(([, v]) => v.offline).map(([name]) => name));
}

/**
 * A plan operation on the fleet's cluster (`{ op: 'regenerate', unit: 'CallManager' }`, `{ op: 'boot' }`,
 * ...), then the fleet's reaction, waited for on events: CUCM resets the registered phones, each boots
 * (trust lists, TVS, config, CAPF, registration). Fails when the administrator's action failed or a
 * phone had not settled when the wait gave up (`idleMs` without progress, default 60 s).
 */
export function fleetStep(
  f: Fleet,
  op: FleetOperation,
  explain: string,
  opts: { title?: string; idleMs?: number } = {},
): ActionStep {
  // Read now, so a bad operation fails the scenario's script with its path, before any lab starts.
  const step = asPlan(f.declared, op).steps[0] as PlanStep;
  return act(opts.title ?? describeStep(step), explain, async (lab) => {
    const { admin, settled } = await runFleetStep({
      lab,
      phones: f.phones,
      offline: switchedOff(lab, f),
      step,
      idleMs: opts.idleMs ?? 60_000,
    });
    const failed = admin.find((a) => !a.ok);
    if (failed) throw new Error(`${failed.node} ${failed.action}: ${failed.said}`);
    if (settled.unsettled.length > 0) {
      const first = settled.unsettled.slice(0, 3).map((u) => `${u.phone} (${u.waitingFor})`);
      throw new Error(`${settled.unsettled.length} phones had not settled: ${first.join(', ')}`);
    }
  });
}

/** Unplugs the phones (each goes dark at once, as a real one pulled from its port: CUCM notices later). */
export function unplug(f: Fleet, phones: readonly FleetPhone[], explain: string, title?: string): ActionStep {
  return act(
    title ?? `${phones.length} of the ${f.phones.length} phones are unplugged`,
    explain,
    async (lab) => {
      for (const p of phones) phone(lab, p.mac).goOffline();
    },
  );
}

/** Plugs the phones back in and waits until each has booted (trust lists, config, registration). */
export function plugIn(f: Fleet, phones: readonly FleetPhone[], explain: string, title?: string): ActionStep {
  return act(
    title ?? `${phones.length} of the ${f.phones.length} phones are plugged back in`,
    explain,
    async (lab) => {
      await Promise.all(phones.map((p) => phone(lab, p.mac).goOnline()));
    },
  );
}

/** Every `n`-th phone of the fleet, from the first: a share of every group (the fleet is interleaved). */
export function everyNth(f: Fleet, n: number): FleetPhone[] {
  return f.phones.filter((_, i) => i % n === 0);
}

/** Each phone's state and the reason in its own words, from its events (outcome.ts `classify`). */
export function fleetStates(lab: Lab, f: Fleet): Map<string, { state: PhoneState; reason: string }> {
  const out = new Map<string, { state: PhoneState; reason: string }>();
  for (const [name, view] of phoneViews(lab, f)) out.set(name, classify(view));
  return out;
}

/**
 * The fleet ends as `expected` says, counted by state (`{ trusted: 38, 'lost-trust': 2 }`; states not
 * named must have no phone). What it saw lists the counts and, for a state off its count, the first
 * phones in it with their reasons.
 */
export function expectFleet(
  f: Fleet,
  expected: Partial<Record<PhoneState, number>>,
  explain: string,
  title = `the fleet ends ${Object.entries(expected)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ')}`,
): ExpectStep {
  return expectThat(title, explain, async (lab) => {
    const states = fleetStates(lab, f);
    const counts = new Map<PhoneState, string[]>();
    for (const [name, s] of states) counts.set(s.state, [...(counts.get(s.state) ?? []), name]);
    const all = new Set<PhoneState>([...counts.keys(), ...(Object.keys(expected) as PhoneState[])]);
    const off = [...all].filter((s) => (counts.get(s)?.length ?? 0) !== (expected[s] ?? 0));
    const saw = [...counts].map(([s, names]) => `${names.length} ${s}`).join(', ');
    const examples = off
      .flatMap((s) => (counts.get(s) ?? []).slice(0, 2))
      .map((n) => `${n}: ${states.get(n)?.state} (${states.get(n)?.reason})`);
    return { held: off.length === 0, saw: examples.length > 0 ? `${saw}; ${examples.join('; ')}` : saw };
  });
}

export type { FleetPhone };
