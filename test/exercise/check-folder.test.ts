/** `uclab check` on a folder that is not a running exercise lab: exit 2 with the reason. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uclab } from '../support/cli.ts';

describe('uclab check on a bad folder', () => {
  it('exits 2 when the folder has no lab.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-check-empty-'));
    const r = await uclab(['check', dir]);
    expect(r.stderr).toContain('has no lab.json');
    expect(r.code).toBe(2);
  });

  it('exits 2 when the lab is not an exercise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-check-plain-'));
    writeFileSync(join(dir, 'lab.json'), JSON.stringify({ lab: 'x', console: join(dir, 'console.sock') }));
    const r = await uclab(['check', dir]);
    expect(r.stderr).toContain('this lab is not an exercise');
    expect(r.code).toBe(2);
  });

  it('exits 2 when the exercise lab has stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-check-stopped-'));
    writeFileSync(
      join(dir, 'lab.json'),
      JSON.stringify({
        lab: 'x',
        console: join(dir, 'console.sock'),
        exercise: { scenario: 'x', variant: 'fault' },
      }),
    );
    const r = await uclab(['check', dir]);
    expect(r.stderr).toContain('no running lab');
    expect(r.code).toBe(2);
  });

  it('refuses to bring up a scenario whose fix is not made with commands', async () => {
    const r = await uclab([
      'up',
      'tftp-lossy-link',
      '--exercise',
      '--artifacts',
      mkdtempSync(join(tmpdir(), 'uclab-x-')),
    ]);
    expect(r.stderr).toContain('is not playable as an exercise');
    expect(r.code).toBe(2);
  });
});
