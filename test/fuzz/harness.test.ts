/**
 * The fuzz harness catches what it claims to: an untyped exception, a framer that decodes whole and
 * chunked input differently, a slow input, and (in the CLI, with its watchdog) an input that never
 * returns. Each check runs the harness on a parser broken on purpose (toy-targets.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzzTarget } from './engine.ts';
import { drops, slow, throws } from './toy-targets.ts';

const ROOT = join(import.meta.dirname, '../..');

describe('the fuzz harness', () => {
  it('counts an exception as untyped and keeps the input that threw', async () => {
    const { stats, findings } = await fuzzTarget(throws, { runs: 500, seed: 1 });
    expect(stats.untyped).toBeGreaterThan(0);
    expect(stats.inputs).toBe(500);
    expect(findings[0]).toMatchObject({
      kind: 'untyped',
      signature: expect.stringMatching(/^TypeError: toy/),
    });
    expect(findings[0]!.input[0]).toBe(0x2a);
  });

  it('finds a framer that drops the frames before garbage when they arrive in one chunk', async () => {
    const { stats, findings } = await fuzzTarget(drops, { runs: 2000, seed: 1 });
    expect(stats.disagreements).toBeGreaterThan(0);
    expect(findings.some((f) => f.kind === 'disagree' && f.chunks !== undefined)).toBe(true);
  });

  it('reports an input slower than the budget, and the slowest input', async () => {
    const { stats, findings } = await fuzzTarget(slow, { runs: 100, seed: 1, slowMs: 15 });
    expect(stats.slow).toBeGreaterThan(0);
    expect(stats.slowest.ms).toBeGreaterThanOrEqual(30);
    expect(findings.find((f) => f.kind === 'slow')?.input[0]).toBe(0x7f);
  });

  it('the CLI kills a worker stuck on an input, keeps the input and finishes the run', async () => {
    const fixtures = mkdtempSync(join(tmpdir(), 'uclab-fuzz-fixtures-'));
    try {
      const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'fuzz/run.ts'], {
          cwd: ROOT,
          env: {
            ...process.env,
            FUZZ_TARGETS: `${join(import.meta.dirname, 'toy-targets.ts')}#hangs`,
            FUZZ_RUNS: '20',
            FUZZ_SEED: '1',
            FUZZ_JOBS: '1',
            FUZZ_WATCHDOG_MS: '300',
            FUZZ_FIXTURES: fixtures,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        child.stdout.on('data', (d) => {
          stdout += d;
        });
        // A watchdog that does not fire leaves the CLI stuck: never leave it running after the test.
        const kill = setTimeout(() => child.kill('SIGKILL'), 45_000);
        child.on('close', (code) => {
          clearTimeout(kill);
          resolve({ code, stdout });
        });
      });
      expect(out.code, out.stdout).toBe(1);
      const row = out.stdout.split('\n').find((l) => l.startsWith('toy-hangs'));
      const [, inputs, , accepted, , , hangs] = row?.trim().split(/\s+/) ?? [];
      expect(Number(inputs)).toBe(20);
      expect(Number(accepted) + Number(hangs)).toBe(20);
      expect(Number(hangs)).toBeGreaterThan(0);
      const kept = readdirSync(join(fixtures, 'toy-hangs')).filter((f) => f.startsWith('hang-'));
      expect(kept.length).toBeGreaterThan(0);
    } finally {
      rmSync(fixtures, { recursive: true, force: true });
    }
  }, 60_000);
});
