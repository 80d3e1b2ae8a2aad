/**
 * itl-regen-callmanager-and-tvs played after the failure: the phone was offline while CallManager and
 * TVS were regenerated and no longer trusts its cluster; the trainee signs a new ITL with the recovery
 * key at the CUCM console, and the check, which resets the phone at the phone, passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upExercise } from './lab.ts';

describe('itl-regen-callmanager-and-tvs as an exercise', () => {
  let lab: Awaited<ReturnType<typeof upExercise>>;
  beforeAll(async () => {
    lab = await upExercise('itl-regen-callmanager-and-tvs');
  }, 150_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('fails the check while the phone cannot trust its cluster, passes after utils itl reset localkey', async () => {
    expect(lab.printed()).toContain('Trust List Update Failed');
    const before = await lab.check();
    expect(before.code, before.stdout).toBe(1);
    expect(before.stdout).toContain('not held');

    const reset = await lab.console('cucm-pub', 'utils itl reset localkey');
    expect(reset.code, reset.stderr).toBe(0);

    const after = await lab.check();
    expect(after.stdout).not.toContain('not held');
    expect(after.code, after.stdout).toBe(0);
  }, 150_000);
});
