import { describe, expect, it } from 'vitest';
import type { Step } from '../../emulator/scenario.ts';
import { RunAborted, StepGate } from '../../emulator/ui/step-gate.ts';

const step = (title: string): Step => ({
  type: 'action',
  title,
  explain: `why ${title}`,
  run: async () => {},
});
const V = { scenario: 's', variant: 'v' };

describe('the step gate', () => {
  it('holds a step, showing its explanation, until next', async () => {
    const seen: (string | null)[] = [];
    const gate = new StepGate(true, (h) => seen.push(h ? h.explain : null));
    let ran = false;
    const p = gate.beforeStep(V, step('one'), 1).then(() => {
      ran = true;
    });
    await Promise.resolve();
    expect(ran).toBe(false);
    expect(gate.held?.title).toBe('one');
    expect(gate.next()).toBe(true);
    await p;
    expect(ran).toBe(true);
    expect(seen).toEqual(['why one', null]);
  });

  it('stops holding once told to run to the end', async () => {
    const gate = new StepGate(true, () => {});
    const first = gate.beforeStep(V, step('one'), 1);
    gate.runToEnd();
    await first;
    await expect(gate.beforeStep(V, step('two'), 2)).resolves.toBeUndefined();
    expect(gate.held).toBeNull();
  });

  it('makes the held step and every later one reject when the run is restarted', async () => {
    const gate = new StepGate(true, () => {});
    const held = gate.beforeStep(V, step('one'), 1);
    gate.abort();
    await expect(held).rejects.toBeInstanceOf(RunAborted);
    await expect(gate.beforeStep(V, step('two'), 2)).rejects.toBeInstanceOf(RunAborted);
  });
});
