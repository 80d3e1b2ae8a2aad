/**
 * The catalogue's exercises are well formed (each names its variants and marks what "solved" means),
 * and a check sees only the events after it began.
 */
import { describe, expect, it } from 'vitest';
import { Timeline } from '../../emulator/events.ts';
import { exercisePlan } from '../../emulator/exercise/plan.ts';
import { labSince, lastSeq } from '../../emulator/exercise/scoped-lab.ts';
import { MODELLED } from '../../emulator/fidelity/fidelity.ts';
import type { Lab } from '../../emulator/lab.ts';
import { loadCatalogue } from '../../emulator/runner.ts';
import { defineScenario, expectThat, solvedWhen } from '../../emulator/scenario.ts';

/** The exercises the docs list as playable (docs/exercises.md). */
const PLAYABLE = [
  'cert-monitor-expiry',
  'ctl-stale-after-regen',
  'ctl-unknown-signer',
  'expired-callmanager-cert',
  'itl-regen-callmanager-and-tvs',
  'x14-0-upgrade-regression',
  'x14-2-ecdsa-self-signed-6972',
  'x14-2-ip-not-in-san',
];

describe('exercise plans', () => {
  it('every playable catalogue scenario has a plan with a solved-check and no fix text in its task', async () => {
    const { scenarios } = await loadCatalogue();
    const playable = scenarios.filter((s) => s.exercise).map((s) => s.id);
    expect(playable.sort()).toEqual(PLAYABLE);
    for (const s of scenarios.filter((x) => x.exercise)) {
      const p = exercisePlan(s);
      if (!p.ok) throw new Error(p.error.message);
      expect(
        p.value.checks.some((st) => st.type === 'expect'),
        s.id,
      ).toBe(true);
      expect(p.value.task, s.id).not.toContain(s.fix);
    }
  });

  it('refuses a solving variant that marks no expectation', () => {
    const s = defineScenario({
      id: 'no-solved-check',
      title: 't',
      seed: '-',
      tags: [],
      symptom: 's',
      rootCause: 'r',
      fix: 'f',
      variants: { fault: { explain: 'x', params: {} }, fix: { explain: 'y', params: {} } },
      exercise: { task: 't', solvedBy: 'fix', hints: ['h'] },
      lab: () => ({ devices: [] }),
      steps: () => [expectThat('unmarked', 'e', async () => ({ held: true, saw: '' }))],
    });
    const p = exercisePlan(s);
    expect(!p.ok && p.error.message).toContain('marks no expectation with solvedWhen');
    const marked = {
      ...s,
      steps: () => [solvedWhen(expectThat('m', 'e', async () => ({ held: true, saw: '' })))],
    };
    expect(exercisePlan(marked).ok).toBe(true);
  });
});

describe('the lab as a check sees it', () => {
  it('shows only the events after the check began, and waits from there', async () => {
    const timeline = new Timeline('t');
    timeline.emit('expc', 'log', {
      source: 'traffic_server',
      level: 'warning',
      text: 'SNI not in certificate',
      fidelity: MODELLED,
    });
    const lab = { timeline } as unknown as Lab;
    const scoped = labSince(lab, lastSeq(lab));
    expect(scoped.timeline.logLines('expc')).toEqual([]);
    expect(scoped.timeline.events()).toEqual([]);
    const waited = scoped.timeline.waitFor('a line', (e) => e.kind === 'log', { timeoutMs: 2000 });
    timeline.emit('expc', 'log', {
      source: 'traffic_server',
      level: 'info',
      text: 'HTTP/1.1 200',
      fidelity: MODELLED,
    });
    expect(((await waited) as { text: string }).text).toBe('HTTP/1.1 200');
    expect(scoped.timeline.logLines('expc')).toEqual(['HTTP/1.1 200']);
    expect(scoped.timeline.dropped).toBe(0);
  });
});
