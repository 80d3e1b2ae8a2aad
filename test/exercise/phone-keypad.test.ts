/**
 * The phone's keys from the console (devices/phone/keypad.ts): a trainee reads the Trust List menu,
 * erases a trust list and resets the phone by hand, as at a real phone, in a lab kept up by uclab up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upExercise } from './lab.ts';

const PHONE = 'SEP0011215A1AE3';

describe('the phone at the console', () => {
  let lab: Awaited<ReturnType<typeof upExercise>>;
  beforeAll(async () => {
    lab = await upExercise('ctl-stale-after-regen');
  }, 150_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('shows the Trust List menu with the CTL and ITL the phone holds', async () => {
    const r = await lab.console(PHONE, 'show trust-list');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/CTL File: [0-9a-f]{32}/);
  }, 60_000);

  it('erases the CTL at the phone: the menu then says Not Installed', async () => {
    const r = await lab.console(PHONE, 'erase ctl');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('CTL File: Not Installed');
  }, 60_000);

  it('resets the phone by hand: it boots again and shows its status messages', async () => {
    const r = await lab.console(PHONE, 'reset');
    expect(r.code, r.stderr).toBe(0);
    // Booted afresh: the erased CTL is fetched again from TFTP (the stale one CUCM still serves).
    expect(r.stdout).toMatch(/Registered with|Not registered: /);
    const menu = await lab.console(PHONE, 'show trust-list');
    expect(menu.stdout).toMatch(/CTL File: [0-9a-f]{32}/);
  }, 90_000);

  it('names what it does not know', async () => {
    const r = await lab.console(PHONE, 'dial 1000');
    expect(r.stdout).toContain('unknown command "dial 1000"');
  }, 60_000);
});
