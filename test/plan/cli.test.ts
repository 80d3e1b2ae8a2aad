/** `uclab plan` and `uclab merge-reports` as a CI job runs them: exit codes, JSON, JUnit, stderr. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import { loadPlan } from '../../emulator/plan/plan-file.ts';
import { runPlan } from '../../emulator/plan/run.ts';
import { UCLAB, uclab } from '../support/cli.ts';
import { run } from '../support/peers.ts';

const dir = mkdtempSync(join(tmpdir(), 'uclab-plan-cli-'));
const FIX = join(import.meta.dirname, 'fixtures');
const LEGACY = join(FIX, 'legacy-sha256.yaml');

describe('uclab plan', { timeout: 180_000 }, () => {
  it('--schema prints the JSON Schema of plan files', async () => {
    const r = await uclab(['plan', '--schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(schema.$schema).toContain('json-schema.org');
    expect(r.stdout).toContain('"reissue-lsc"');
  });

  it('a broken plan file exits 2, naming the bad field by its line, column and path', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(LEGACY, 'utf8').replace('op: boot', 'op: reboot'));
    const r = await uclab(['plan', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`uclab plan: ${bad}:10:21: steps[0].op: `);
  });

  it('a plan file with several problems lists each on a line of its own', async () => {
    const bad = join(dir, 'several.yaml');
    writeFileSync(
      bad,
      readFileSync(LEGACY, 'utf8')
        .replace('op: boot', 'op: reboot')
        .replace("release: '14'", "release: '16'"),
    );
    const r = await uclab(['plan', bad]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.map((l) => /^uclab plan: \S+:\d+:\d+: (\S+): /.exec(l)?.[1])).toEqual([
      'cluster.release',
      'steps[0].op',
    ]);
  });

  it('more phones broken than allowed: exit 1, the JSON report on stdout, JUnit naming the phones', async () => {
    const junit = join(dir, 'legacy.xml');
    const r = await uclab(['plan', LEGACY, '--json', '--junit', junit]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      schemaVersion: number;
      kind: string;
      broken: number;
      exitCode: number;
    };
    expect(report).toMatchObject({ schemaVersion: 1, kind: 'plan', broken: 2, exitCode: 1 });
    expect(r.stderr).toMatch(/cp-7960\s+sccp-7940-8\.1\s+unregistered\s+2/);
    expect(r.stderr).toContain('2 of 3 phones broken (allowed 0): plan fails');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('2 of 2 phones broken');
    expect(xml).toMatch(/SEPB00000000001 unregistered after start: .*cannot verify a sha256 signature/);
  });

  it("a --shard run and uclab merge-reports: one report with the plan's exit code", async () => {
    const files = [1, 2].map((i) => join(dir, `shard-${i}.json`));
    const cli = await uclab([
      'plan',
      LEGACY,
      '--shard',
      '1/2',
      '--report-json',
      files[0] as string,
      '--quiet',
    ]);
    expect(cli.code).toBe(1);
    // The other shard as another CI job would run it (here in this process, to save a start-up).
    const plan = await loadPlan(LEGACY);
    if (!plan.ok) throw new Error(plan.error.message);
    const other = await runPlan(plan.plan, { shard: { index: 1, count: 2 }, workers: 0 });
    writeFileSync(files[1] as string, JSON.stringify(other.report));
    const junit = join(dir, 'merged.xml');
    const m = await uclab(['merge-reports', ...files, '--json', '--junit', junit]);
    expect(m.code).toBe(1);
    const merged = JSON.parse(m.stdout) as { phones: unknown[]; shards: { covered: number[]; of: number } };
    expect(merged.phones).toHaveLength(3);
    expect(merged.shards).toEqual({ covered: [1, 2], of: 2 });
    expect(readFileSync(junit, 'utf8')).toContain(
      '<testcase classname="legacy-sha256" name="cp-7960 (sccp-7940-8.1)">',
    );
    const lone = await uclab(['merge-reports', files[0] as string]);
    expect(lone.code).toBe(1);
    expect(lone.stderr).toContain('shard(s) 2/2 missing: the merged report does not pass');
    // A shard's artifact cut short in upload: refused by name, the merge not attempted.
    const cut = join(dir, 'cut.json');
    writeFileSync(cut, readFileSync(files[1] as string, 'utf8').slice(0, 200));
    const broken = await uclab(['merge-reports', files[0] as string, cut]);
    expect(broken.code).toBe(2);
    expect(broken.stderr.trim()).toMatch(new RegExp(`^uclab merge-reports: ${cut}: not JSON \\(`));
    expect(broken.stdout).toBe('');
  });

  it('a plan written in TypeScript runs the same way', async () => {
    const out = join(dir, 'ts.json');
    const r = await uclab(['plan', join(FIX, 'tiny.plan.ts'), '--report-json', out, '--quiet']);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ plan: { id: 'tiny-ts' }, passed: true });
  });

  it('on loopback, refuses before the run when the descriptor limit is too low, with the numbers', async () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, readFileSync(LEGACY, 'utf8').replace('count: 2 }', 'count: 298 }'));
    const r = await run(
      '/bin/sh',
      [
        '-c',
        `ulimit -n 300 && exec "${process.execPath}" "${UCLAB}" plan "${big}" --workers 2 --transport loopback`,
      ],
      {
        timeoutMs: 60_000,
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^uclab plan: 299 phones \(2 cells, 2 at a time\) need 870 descriptors; the limit is 300: it is the hard limit/,
    );
    expect(r.stderr).toContain('or run on the in-memory transport (--transport memory');
    // Refused before the run: no lab started, no progress.
    expect(r.stderr).not.toContain('phone-steps');
  });

  it('past the descriptor limit, runs the plan on the in-memory transport and says why', async () => {
    const many = join(dir, 'many.yaml');
    writeFileSync(many, readFileSync(LEGACY, 'utf8').replace('count: 2 }', 'count: 39 }'));
    const r = await run(
      '/bin/sh',
      ['-c', `ulimit -n 200 && exec "${process.execPath}" "${UCLAB}" plan "${many}" --workers 0`],
      { timeoutMs: 120_000 },
    );
    expect(r.stderr).toMatch(
      /40 phones in 1 cell\(s\) .* on the in-memory transport: on loopback 40 phones need \d+ descriptors; the limit is 200;/,
    );
    expect(r.stderr).toContain('39 of 40 phones broken');
    expect(r.code).toBe(1);
  });
});
