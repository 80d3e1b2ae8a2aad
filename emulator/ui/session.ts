/**
 * What the page is showing: one scenario run (a variant, step by step or to the end) or one attached
 * lab, its view model, and the control state the page's buttons act on. A new run or attach starts a
 * new generation: the pages get a `reset` and patches of the old one are dropped.
 */
import type { LabEvent } from '../events.ts';
import { loadCatalogue, loadScenario, runVariant } from '../runner.ts';
import type { Scenario } from '../scenario.ts';
import { followJsonLines, openLabFolder } from './attach.ts';
import type { Broadcaster } from './broadcast.ts';
import { type LayoutEngine, nodeHeight } from './layout.ts';
import { LabViewModel, type StepPlan, type ViewLimits } from './model/lab-view.ts';
import type { LabView } from './model/view.ts';
import { type HeldStep, RunAborted, StepGate } from './step-gate.ts';

export interface ScenarioInfo {
  id: string;
  title: string;
  symptom: string;
  rootCause: string;
  fix: string;
  variants: { name: string; explain: string }[];
}

export interface ControlState {
  mode: 'idle' | 'run' | 'attach';
  scenario: ScenarioInfo | null;
  variant: string | null;
  stepping: boolean;
  /** The step the run is held before: the page shows its explanation, "next" runs it. */
  waiting: HeldStep | null;
  running: boolean;
  outcome: 'passed' | 'failed' | 'broken' | null;
  reason: string | null;
  attached: { dir: string; lab: string; block: string | null } | null;
  error: string | null;
}

export interface SessionMessage {
  generation: number;
  view: LabView;
  control: ControlState;
}

export function scenarioInfo(s: Scenario): ScenarioInfo {
  return {
    id: s.id,
    title: s.title,
    symptom: s.symptom,
    rootCause: s.rootCause,
    fix: s.fix,
    variants: Object.entries(s.variants).map(([name, v]) => ({ name, explain: v.explain })),
  };
}

/** The steps of a variant as the page lists them before they run. */
export function planOf(s: Scenario, variant: string): StepPlan[] {
  const v = s.variants[variant];
  if (!v) return [];
  return s.steps({ name: variant, params: v.params }).map((st, i) => ({
    index: i + 1,
    title: st.title,
    explain: st.explain,
    type: st.type,
  }));
}

const IDLE: ControlState = {
  mode: 'idle',
  scenario: null,
  variant: null,
  stepping: true,
  waiting: null,
  running: false,
  outcome: null,
  reason: null,
  attached: null,
  error: null,
};

export class Session {
  #generation = 0;
  #model: LabViewModel;
  #control: ControlState = { ...IDLE };
  #gate: StepGate | null = null;
  #run: Promise<void> | null = null;
  #unfollow: (() => void) | null = null;
  #layoutKey = '';
  #layoutTimer: NodeJS.Timeout | null = null;
  #catalogue: ScenarioInfo[] | null = null;
  /** Whether the current run was started step by step (a restart starts it the same way). */
  #startedStepping = true;

  constructor(
    private readonly broadcaster: Broadcaster,
    private readonly layout: LayoutEngine,
    private readonly opts: { artifactsDir?: string | null; limits?: Partial<ViewLimits> } = {},
  ) {
    // The view is all the session keeps of a run: its window of rows and logs is bounded (lab-view.ts),
    // so a lab followed for hours, or a fleet's flood of messages, holds flat memory here.
    this.#model = new LabViewModel(opts.limits);
  }

  get control(): ControlState {
    return this.#control;
  }

  message(): SessionMessage {
    return { generation: this.#generation, view: this.#model.snapshot(), control: this.#control };
  }

  async catalogue(): Promise<ScenarioInfo[]> {
    this.#catalogue ??= (await loadCatalogue()).scenarios.map(scenarioInfo);
    return this.#catalogue;
  }

  #sendControl(): void {
    this.broadcaster.flush();
    this.broadcaster.send('control', { generation: this.#generation, control: this.#control });
  }

  #begin(control: ControlState, plan: StepPlan[]): number {
    this.#generation += 1;
    this.#model = new LabViewModel(this.opts.limits);
    this.#model.setPlan(plan);
    this.#control = control;
    this.#layoutKey = '';
    this.broadcaster.reset(this.#generation, this.message());
    return this.#generation;
  }

  #apply(generation: number, e: unknown): void {
    if (generation !== this.#generation) return;
    try {
      this.broadcaster.queue(this.#model.apply(e));
      this.#scheduleLayout(generation);
    } catch (x) {
      // The view must never break the lab it watches: say so on the page and go on.
      this.#control = {
        ...this.#control,
        error: `the view could not show an event: ${(x as Error).message}`,
      };
      this.#sendControl();
    }
  }

  #scheduleLayout(generation: number): void {
    const { devices, links } = this.#model.graph();
    const key = `${devices.map((d) => `${d.name}:${nodeHeight(d)}`).join(',')}#${links.map((l) => l.id).join(',')}`;
    if (key === this.#layoutKey || devices.length === 0) return;
    this.#layoutKey = key;
    if (this.#layoutTimer) clearTimeout(this.#layoutTimer);
    this.#layoutTimer = setTimeout(() => {
      this.#layoutTimer = null;
      const g = this.#model.graph();
      void this.layout.layout(g.devices, g.links).then((l) => {
        if (generation === this.#generation) this.broadcaster.queue([this.#model.setLayout(l)]);
      });
    }, 60);
  }

  /** Stops what runs (a held step rejects, which stops the lab) and waits until the lab is down. */
  async stop(): Promise<void> {
    this.#gate?.abort();
    this.#gate = null;
    this.#unfollow?.();
    this.#unfollow = null;
    const run = this.#run;
    this.#run = null;
    if (run) await run;
  }

  /** Runs a variant of a scenario, held before each step when `stepping`. */
  async start(
    ref: string,
    variant: string | undefined,
    stepping: boolean,
  ): Promise<{ ok: boolean; message: string }> {
    await this.stop();
    const loaded = await loadScenario(ref);
    if (!loaded.ok) {
      this.#control = { ...this.#control, error: loaded.message };
      this.#sendControl();
      return { ok: false, message: loaded.message };
    }
    const s = loaded.scenario;
    const name = variant ?? Object.keys(s.variants)[0] ?? '';
    if (!s.variants[name]) {
      const message = `no variant "${name}" in ${s.id} (has: ${Object.keys(s.variants).join(', ')})`;
      this.#control = { ...this.#control, error: message };
      this.#sendControl();
      return { ok: false, message };
    }
    let plan: StepPlan[];
    try {
      plan = planOf(s, name);
    } catch (e) {
      const message = `${s.id}: the scenario script failed: ${(e as Error).message}`;
      this.#control = { ...this.#control, error: message };
      this.#sendControl();
      return { ok: false, message };
    }
    const generation = this.#begin(
      { ...IDLE, mode: 'run', scenario: scenarioInfo(s), variant: name, stepping, running: true },
      plan,
    );
    this.#startedStepping = stepping;
    const gate = new StepGate(stepping, (held) => {
      if (generation !== this.#generation) return;
      this.#control = { ...this.#control, waiting: held };
      this.#sendControl();
    });
    this.#gate = gate;
    let unsubscribe: (() => void) | null = null;
    this.#run = runVariant(s, name, {
      artifactsDir: this.opts.artifactsDir ?? null,
      beforeStep: gate.beforeStep,
      onLab: (lab) => {
        for (const e of lab.timeline.events()) this.#apply(generation, e);
        unsubscribe = lab.timeline.subscribe(undefined, (e: LabEvent) => this.#apply(generation, e));
      },
    })
      .then((r) => {
        if (generation !== this.#generation) return;
        this.#control = {
          ...this.#control,
          running: false,
          waiting: null,
          outcome: r.outcome,
          reason: r.reason,
        };
        this.#sendControl();
      })
      .catch((e: unknown) => {
        if (e instanceof RunAborted || generation !== this.#generation) return;
        this.#control = { ...this.#control, running: false, waiting: null, error: (e as Error).message };
        this.#sendControl();
      })
      .finally(() => {
        (unsubscribe as (() => void) | null)?.();
      });
    return { ok: true, message: `running ${s.id} [${name}]` };
  }

  next(): boolean {
    return this.#gate?.next() ?? false;
  }

  runToEnd(): boolean {
    if (!this.#gate) return false;
    this.#gate.runToEnd();
    this.#control = { ...this.#control, stepping: false };
    this.#sendControl();
    return true;
  }

  /** The same scenario and variant again, from the start. */
  async restart(): Promise<{ ok: boolean; message: string }> {
    const c = this.#control;
    if (c.mode === 'attach' && c.attached) return this.attach(c.attached.dir);
    if (!c.scenario || !c.variant)
      return { ok: false, message: 'nothing to restart: start a scenario first' };
    return this.start(c.scenario.id, c.variant, this.#startedStepping);
  }

  /** Shows a lab kept up by `uclab up`, following its events as they come. */
  async attach(dir: string): Promise<{ ok: boolean; message: string }> {
    await this.stop();
    const opened = openLabFolder(dir);
    if (!opened.ok) {
      this.#control = { ...this.#control, error: opened.error.message };
      this.#sendControl();
      return { ok: false, message: opened.error.message };
    }
    const lab = opened.value;
    const generation = this.#begin(
      {
        ...IDLE,
        mode: 'attach',
        stepping: false,
        attached: { dir: lab.dir, lab: lab.lab, block: lab.block },
      },
      [],
    );
    this.#unfollow = followJsonLines(lab.file, (e) => this.#apply(generation, e));
    return { ok: true, message: `attached to ${lab.lab}` };
  }

  async close(): Promise<void> {
    if (this.#layoutTimer) clearTimeout(this.#layoutTimer);
    await this.stop();
  }
}
