/**
 * The scenario's steps on the page: the plan (every step with its explanation, known before it runs),
 * the step running now, and each expectation's outcome, from `scenario.step` and `scenario.expectation`.
 */
import { bool, num, type RawEvent, str } from './fields.ts';
import type { LadderRow, Patch, StepView } from './view.ts';

export interface StepPlan {
  index: number;
  title: string;
  explain: string;
  type: 'action' | 'expect';
}

export class Steps {
  readonly #steps = new Map<number, StepView>();
  #running: number | null = null;

  plan(plan: StepPlan[], out: Patch[]): void {
    for (const p of plan) {
      const existing = this.#steps.get(p.index);
      const step: StepView = existing
        ? { ...existing, explain: p.explain, type: p.type }
        : {
            index: p.index,
            title: p.title,
            explain: p.explain,
            type: p.type,
            state: 'pending',
            saw: null,
            seq: null,
          };
      this.#steps.set(p.index, step);
      out.push({ k: 'step', v: { ...step } });
    }
  }

  /**
   * Folds a scenario event; returns the ladder row it opens or settles (the step divider), if any.
   * `row(id)` gives the divider as it stands.
   */
  apply(e: RawEvent, out: Patch[], row: (id: string) => LadderRow | undefined): LadderRow | null {
    if (e.kind === 'scenario.step') {
      const index = num(e.index);
      if (index === null) return null;
      if (this.#running !== null && this.#running !== index) this.#finish(this.#running, out);
      const prev = this.#steps.get(index);
      const step: StepView = {
        index,
        title: str(e.title) ?? prev?.title ?? '',
        explain: str(e.explain) ?? prev?.explain ?? '',
        type: prev?.type ?? null,
        state: 'running',
        saw: null,
        seq: e.seq,
      };
      this.#steps.set(index, step);
      this.#running = index;
      out.push({ k: 'step', v: { ...step } });
      return dividerRow(step, e);
    }
    if (e.kind === 'scenario.expectation' && this.#running !== null) {
      const step = this.#steps.get(this.#running);
      this.#running = null;
      if (!step) return null;
      const held = bool(e.held) ?? false;
      step.state = held ? 'held' : 'failed';
      step.type = 'expect';
      step.saw = str(e.saw);
      out.push({ k: 'step', v: { ...step } });
      const divider = row(`step-${step.index}`);
      return divider
        ? {
            ...divider,
            lastSeq: e.seq,
            outcome: held ? 'ok' : 'failed',
            reason: held ? null : `saw: ${step.saw ?? ''}`,
            detail: {
              ...divider.detail,
              facts: [
                ...divider.detail.facts,
                { label: 'saw', value: step.saw ?? '', tone: held ? 'ok' : 'bad' },
              ],
            },
          }
        : null;
    }
    if (e.kind === 'lab.stopping' && this.#running !== null) this.#finish(this.#running, out);
    return null;
  }

  #finish(index: number, out: Patch[]): void {
    const s = this.#steps.get(index);
    if (s && s.state === 'running') {
      s.state = 'done';
      out.push({ k: 'step', v: { ...s } });
    }
    this.#running = null;
  }

  all(): StepView[] {
    return [...this.#steps.values()].sort((a, b) => a.index - b.index).map((s) => ({ ...s }));
  }
}

function dividerRow(step: StepView, e: RawEvent): LadderRow {
  return {
    id: `step-${step.index}`,
    seq: e.seq,
    lastSeq: e.seq,
    t: e.t,
    logFrom: e.seq,
    shape: 'step',
    from: 'scenario',
    to: null,
    protocol: 'step',
    title: `${step.index}. ${step.title}`,
    outcome: 'info',
    reason: null,
    detail: { facts: [{ label: 'why', value: step.explain }], certificates: [], decisions: [], text: null },
  };
}
