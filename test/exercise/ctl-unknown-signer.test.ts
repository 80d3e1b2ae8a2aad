/**
 * ctl-unknown-signer played at the phone: the new CTL is signed by tokens the phone's CTL does not
 * hold; the trainee erases the CTL with the phone's keys (uclab console SEP...), and the check, which
 * resets the phone, turns from failing to passing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upExercise } from './lab.ts';

describe('ctl-unknown-signer as an exercise', () => {
  let lab: Awaited<ReturnType<typeof upExercise>>;
  beforeAll(async () => {
    lab = await upExercise('ctl-unknown-signer');
  }, 150_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('fails the check while the phone holds the old CTL, passes once the CTL is erased at the phone', async () => {
    const before = await lab.check();
    expect(before.code, before.stdout).toBe(1);
    expect(before.stdout).toContain('not held');

    const erased = await lab.console('SEP0011215A1AE3', 'erase ctl');
    expect(erased.stdout).toContain('CTL File: Not Installed');

    const after = await lab.check();
    expect(after.stdout).not.toContain('not held');
    expect(after.code, after.stdout).toBe(0);
  }, 150_000);
});
