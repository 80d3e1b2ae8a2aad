/**
 * ctl-stale-after-regen played as an exercise from the CUCM console alone: the trainee cannot reach the
 * eTokens, migrates the cluster to tokenless mixed mode (TAC-118893), and the check, which power-cycles
 * the phone as the trainee would, turns from failing to passing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import scenario from '../../scenarios/ctl-stale-after-regen.ts';
import { upExercise } from './lab.ts';

describe('ctl-stale-after-regen as an exercise', () => {
  let lab: Awaited<ReturnType<typeof upExercise>>;
  beforeAll(async () => {
    lab = await upExercise('ctl-stale-after-regen');
  }, 150_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('brings the fault up without showing the fix, and lab.json says it is an exercise', () => {
    expect(lab.labJson().exercise).toEqual({ scenario: 'ctl-stale-after-regen', variant: 'fault' });
    const printed = lab.printed();
    expect(printed).toContain('SEC-ERR: code:5(SSL_ALERT) subcode:48(UNKNOWN_CA)');
    expect(printed).toContain('Exercise: After the CallManager certificate was regenerated');
    for (const secret of [scenario.fix, scenario.rootCause, ...(scenario.exercise?.hints ?? [])])
      expect(printed).not.toContain(secret);
    expect(printed).not.toContain('utils ctl');
    expect(printed).not.toContain('The administrator updates the CTL');
  });

  it('fails the check while the CTL is stale, then passes it once the console repair is made', async () => {
    const before = await lab.check();
    expect(before.stdout).toContain('✘ not held  SEP0011215A1AE3 is registered over TLS');
    expect(before.code).toBe(1);

    const hint = await lab.check('--hint');
    expect(hint.code).toBe(1);
    expect(hint.stdout).toContain(`hint 1 of 4: ${scenario.exercise?.hints[0]}`);

    const migrated = await lab.console('cucm-pub', 'utils ctl set-cluster mixed-mode');
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain('Cluster set to Mixed Mode');

    const after = await lab.check();
    expect(after.stdout).toContain('•  The phone is reset at the phone');
    expect(after.stdout).toContain('✔ held      SEP0011215A1AE3 is registered over TLS');
    expect(after.stdout).toContain(`Root cause: ${scenario.rootCause}`);
    expect(after.code).toBe(0);

    const explained = await lab.check('--hint');
    expect(explained.stdout).toContain(`Fix: ${scenario.fix}`);
    expect(explained.stdout).not.toContain('hint ');
  }, 150_000);
});
