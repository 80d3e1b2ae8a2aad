/** An exercise lab for a test: `uclab up <scenario> --exercise` in its own folder (and its own free block). */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uclab, uclabUntil } from '../support/cli.ts';

export async function upExercise(scenario: string) {
  const dir = mkdtempSync(join(tmpdir(), `uclab-exercise-${scenario}-`));
  const up = await uclabUntil(['up', scenario, '--exercise', '--artifacts', dir], /lab ready .*\n/, 120_000);
  return {
    dir,
    /** What `uclab up --exercise` printed (stdout and stderr). */
    printed: () => up.output(),
    labJson: () => JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as Record<string, unknown>,
    /** The trainee at a device's console (`uclab console <device> -c COMMAND`), through the lab's socket. */
    console: (device: string, command: string) =>
      uclab(['console', device, '--artifacts', dir, '-c', command]),
    check: (...flags: string[]) => uclab(['check', dir, ...flags], { timeoutMs: 120_000 }),
    stop: () => up.stop(),
  };
}
