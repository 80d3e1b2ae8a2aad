/**
 * The scenario runner: builds the lab of each variant, runs its steps in order, checks expectations and
 * reports. Exit codes (product.md): 0 every expectation held, 1 one failed, 2 the scenario is broken.
 */
// Every device kind a scenario may declare is registered before a scenario loads.
import '../devices/index.ts';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLabDeclaration } from './declaration-checks.ts';
import { WaitTimeout } from './events.ts';
import { type Fidelity, fidelityOf } from './fidelity/fidelity.ts';
import { Lab, type LabDeclaration, type LabOptions } from './lab.ts';
import { checkScenario, type Scenario, type Step } from './scenario.ts';
import { displayPath, importScenarioFile, SCENARIO_EXTENSIONS } from './scenario-file.ts';

export const SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');

export type Outcome = 'passed' | 'failed' | 'broken';

export interface StepResult {
  index: number;
  type: Step['type'];
  title: string;
  explain: string;
  /** For an expectation: whether it held. Actions have `held: true` unless they failed. */
  held: boolean;
  saw: string;
  /** For a log expectation that held: whether the line it saw is a seed's wording. */
  fidelity: Fidelity | null;
  error: string | null;
  durationMs: number;
}

export interface VariantResult {
  scenario: string;
  title: string;
  variant: string;
  explain: string;
  outcome: Outcome;
  /** Why the variant is broken or failed, in one sentence. */
  reason: string | null;
  durationMs: number;
  steps: StepResult[];
  artifacts: string | null;
  events: number;
}

export interface RunOptions {
  variant?: string;
  artifactsDir?: string | null;
  /** `nested` (default) writes under `<dir>/<scenario>/<variant>`; `flat` writes into `<dir>` itself. */
  artifactsLayout?: 'nested' | 'flat';
  block?: string;
  /** The labs' transport (`loopback` unless given): see `LabOptions.transport`. */
  transport?: LabOptions['transport'];
  onStep?: (v: { scenario: string; variant: string }, r: StepResult) => void;
  /** Awaited before each step runs (the trainer's page pauses here); a rejection stops the lab and the run. */
  beforeStep?: (v: { scenario: string; variant: string }, step: Step, index: number) => Promise<void>;
  onVariantStart?: (v: { scenario: string; variant: string; explain: string; title: string }) => void;
  /** Called (and awaited) once the lab exists, before any device is built: subscribe to its timeline here. */
  onLab?: (lab: Lab) => void | Promise<void>;
  /** Keep the lab running after the steps (for `uclab up`): the caller stops it. */
  keepRunning?: boolean;
  /** Resolves when the lab kept running should stop, with why (recorded in `lab.stopped`). */
  onLabReady?: (lab: Lab) => Promise<string | undefined>;
}

export function exitCodeOf(results: { outcome: Outcome }[]): 0 | 1 | 2 {
  if (results.some((r) => r.outcome === 'broken')) return 2;
  if (results.some((r) => r.outcome === 'failed')) return 1;
  return 0;
}

/** Loads a scenario by id (from `scenarios/`) or by file path (TypeScript or JavaScript, any folder). */
export async function loadScenario(
  ref: string,
): Promise<{ ok: true; scenario: Scenario; file: string } | { ok: false; message: string }> {
  const candidates = [resolve(ref), join(SCENARIO_DIR, `${ref}.ts`), join(SCENARIO_DIR, ref)];
  const file = candidates.find(
    (c) => existsSync(c) && statSync(c).isFile() && SCENARIO_EXTENSIONS.some((x) => c.endsWith(x)),
  );
  if (!file) {
    const exists = existsSync(resolve(ref));
    return {
      ok: false,
      message: exists
        ? `${displayPath(resolve(ref))}: not a scenario file (uclab runs ${SCENARIO_EXTENSIONS.join(', ')} files)`
        : `no scenario "${ref}": not a file, and not an id in scenarios/ (uclab list shows them)`,
    };
  }
  const loaded = await importScenarioFile(file);
  if (!loaded.ok) return loaded;
  const checked = checkScenario(loaded.module.default, displayPath(file));
  if (!checked.ok) return checked;
  return { ok: true, scenario: checked.scenario, file };
}

/** Every scenario of the catalogue, sorted by id. Files that fail to load are reported, not skipped. */
export async function loadCatalogue(): Promise<{
  scenarios: Scenario[];
  broken: { file: string; message: string }[];
  /** Each scenario's file by id (a worker thread loads the scenario again from it). */
  files: Map<string, string>;
}> {
  const files = readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
    .sort();
  const scenarios: Scenario[] = [];
  const broken: { file: string; message: string }[] = [];
  const fileOf = new Map<string, string>();
  for (const f of files) {
    const r = await loadScenario(join(SCENARIO_DIR, f));
    if (r.ok) {
      scenarios.push(r.scenario);
      fileOf.set(r.scenario.id, r.file);
    } else broken.push({ file: f, message: r.message });
  }
  scenarios.sort((a, b) => a.id.localeCompare(b.id));
  return { scenarios, broken, files: fileOf };
}

function brokenResult(
  s: Scenario,
  variant: string,
  explain: string,
  reason: string,
  started: number,
): VariantResult {
  return {
    scenario: s.id,
    title: s.title,
    variant,
    explain,
    outcome: 'broken',
    reason,
    durationMs: Date.now() - started,
    steps: [],
    artifacts: null,
    events: 0,
  };
}

export async function runVariant(
  s: Scenario,
  variant: string,
  opts: RunOptions = {},
): Promise<VariantResult> {
  const started = Date.now();
  const v = s.variants[variant];
  if (!v) {
    return brokenResult(
      s,
      variant,
      '',
      `no variant "${variant}" (has: ${Object.keys(s.variants).join(', ')})`,
      started,
    );
  }
  opts.onVariantStart?.({ scenario: s.id, variant, explain: v.explain, title: s.title });
  const ref = { name: variant, params: v.params };
  let declaration: unknown;
  let steps: Step[];
  try {
    declaration = s.lab(ref);
    steps = s.steps(ref);
  } catch (e) {
    return brokenResult(
      s,
      variant,
      v.explain,
      `the scenario script failed: ${(e as Error).message}`,
      started,
    );
  }
  const checked = checkLabDeclaration(declaration);
  if (!checked.ok) return brokenResult(s, variant, v.explain, checked.error.message, started);
  const artifactsDir = !opts.artifactsDir
    ? null
    : opts.artifactsLayout === 'flat'
      ? opts.artifactsDir
      : join(opts.artifactsDir, s.id, variant);
  let lab: Lab;
  try {
    lab = await Lab.create({
      name: `${s.id}/${variant}`,
      seed: `${s.id}`,
      artifactsDir,
      block: opts.block,
      // Checked above: a declaration with its devices. A lab of more than a /24 holds takes more.
      devices: (declaration as LabDeclaration).devices.length,
      ...(opts.transport ? { transport: opts.transport } : {}),
    });
  } catch (e) {
    return brokenResult(s, variant, v.explain, `the lab cannot start: ${(e as Error).message}`, started);
  }
  await opts.onLab?.(lab);
  const results: StepResult[] = [];
  let outcome: Outcome = 'passed';
  let reason: string | null = null;
  let stopReason: string | undefined;
  try {
    const built = lab.build(declaration);
    if (!built.ok) {
      outcome = 'broken';
      reason = built.error.message;
    } else {
      try {
        await lab.start();
      } catch (e) {
        outcome = 'broken';
        reason = `a device failed to start: ${(e as Error).message}`;
      }
    }
    if (outcome === 'passed') {
      for (const [i, step] of steps.entries()) {
        await opts.beforeStep?.({ scenario: s.id, variant }, step, i + 1);
        const t0 = Date.now();
        lab.timeline.emit('scenario', 'scenario.step', {
          index: i + 1,
          title: step.title,
          explain: step.explain,
        });
        const r: StepResult = {
          index: i + 1,
          type: step.type,
          title: step.title,
          explain: step.explain,
          held: true,
          saw: '',
          fidelity: null,
          error: null,
          durationMs: 0,
        };
        try {
          if (step.type === 'action') {
            await step.run(lab);
          } else {
            const c = await step.check(lab);
            r.held = c.held;
            r.saw = c.saw;
            r.fidelity = step.pattern !== undefined && c.held ? fidelityOf(c.saw) : null;
            lab.timeline.emit('scenario', 'scenario.expectation', {
              title: step.title,
              held: c.held,
              saw: c.saw,
              fidelity: r.fidelity,
            });
          }
        } catch (e) {
          r.held = false;
          r.error = (e as Error).message;
          if (!(e instanceof WaitTimeout) && step.type === 'action' && !isExpectedFailure(e)) {
            outcome = 'broken';
            reason ??= `step ${i + 1} "${step.title}" threw: ${(e as Error).message}`;
          }
        }
        r.durationMs = Date.now() - t0;
        results.push(r);
        opts.onStep?.({ scenario: s.id, variant }, r);
        if (!r.held && outcome === 'passed') {
          outcome = 'failed';
          reason = `${r.type === 'expect' ? 'expectation' : 'step'} ${i + 1} "${r.title}" did not hold: ${r.error ?? r.saw}`;
        }
        if (outcome === 'broken') break;
      }
    }
    // A lab whose devices did not all start is not kept up: there is nothing sound to talk to.
    if (opts.keepRunning && opts.onLabReady && outcome !== 'broken') stopReason = await opts.onLabReady(lab);
  } finally {
    await lab.stop(stopReason ?? outcome);
  }
  return {
    scenario: s.id,
    title: s.title,
    variant,
    explain: v.explain,
    outcome,
    reason,
    durationMs: Date.now() - started,
    steps: results,
    artifacts: lab.artifacts.dir,
    events: lab.timeline.events().length,
  };
}

/** An error an action raises on purpose when the lab did not do what it should (counts as a failure). */
export class StepFailed extends Error {
  readonly code = 'step.failed';
}

function isExpectedFailure(e: unknown): boolean {
  return e instanceof StepFailed;
}

/** Runs the chosen variant, or every variant in declaration order. */
export async function runScenario(s: Scenario, opts: RunOptions = {}): Promise<VariantResult[]> {
  const names = opts.variant ? [opts.variant] : Object.keys(s.variants);
  const out: VariantResult[] = [];
  for (const n of names) out.push(await runVariant(s, n, opts));
  return out;
}
