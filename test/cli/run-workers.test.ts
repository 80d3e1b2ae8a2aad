import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { longestFirst } from '../../emulator/cli/run-order.ts';
import { parseWorkers, workersFor } from '../../emulator/cli/run-pool.ts';
import { uclab } from '../support/cli.ts';

const fixture = (name: string) => resolve(import.meta.dirname, '..', 'fixtures', 'scenarios', `${name}.ts`);

/** The variant lines of a run's stderr (header and footer lines name the fixture's scenario id). */
const variantLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes('fixture-'));

describe('uclab run on worker threads', () => {
  it('prints each variant in catalogue order though the later one ends first', async () => {
    const r = await uclab(['run', fixture('slow-and-fast'), '--workers', '2', '--jobs', '2', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.results.map((x: { variant: string }) => x.variant)).toEqual(['slow', 'fast']);
    // Side by side, the fast variant ended first: its lines still come after all of the slow one's.
    const [slow, fast] = report.results as { durationMs: number }[];
    expect(fast!.durationMs).toBeLessThan(slow!.durationMs - 1000);
    const slowHeader = r.stderr.indexOf('[slow]');
    const slowFooter = r.stderr.indexOf('PASSED in', slowHeader);
    const fastHeader = r.stderr.indexOf('[fast]');
    expect(slowHeader).toBeGreaterThanOrEqual(0);
    expect(slowFooter).toBeGreaterThan(slowHeader);
    expect(fastHeader).toBeGreaterThan(slowFooter);
    expect(r.stderr).toMatch(/2 passed, 0 failed, 0 broken/);
  });

  it('reports a variant that ends its worker thread as broken with the error, and runs the rest', async () => {
    const r = await uclab(['run', fixture('fails-in-worker'), '--workers', '1', '--jobs', '1', '--json']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    const [crash, fine] = report.results as { variant: string; outcome: string; reason: string | null }[];
    expect(crash).toMatchObject({ variant: 'crash', outcome: 'broken' });
    expect(crash!.reason).toMatch(/worker thread running it failed: boom from a timer/);
    expect(fine).toMatchObject({ variant: 'fine', outcome: 'passed' });
    expect(r.stderr).toMatch(/1 passed, 0 failed, 1 broken/);
  });

  it('reports variants their worker cannot load as broken with the reason, and the run ends', async () => {
    const r = await uclab(['run', fixture('unloadable-in-worker'), '--workers', '2', '--json', '--quiet']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    for (const v of report.results as { outcome: string; reason: string }[]) {
      expect(v.outcome).toBe('broken');
      expect(v.reason).toMatch(/failed in its worker thread: .*refuses to load in a worker thread/);
    }
    expect(report.results).toHaveLength(2);
    // --quiet still says why each variant did not pass.
    expect(variantLines(r.stderr).filter((l) => /refuses to load/.test(l))).toHaveLength(2);
  });

  it('streams the lab events of variants run in workers with --events', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'uclab-events-')), 'events.jsonl');
    const r = await uclab(['run', fixture('slow-and-fast'), '--workers', '2', '--events', file, '--quiet']);
    expect(r.code).toBe(0);
    const events = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; device: string; accepted?: boolean });
    const verdicts = events.filter((e) => e.kind === 'tls.verdict' && e.device === 'client');
    expect(verdicts.map((v) => v.accepted)).toEqual([true, true]);
  });

  it('refuses a --workers that is not a whole number from 0 to 64, before any lab starts', async () => {
    for (const bad of ['x', '-1', '65', '1.5']) {
      const r = await uclab(['run', fixture('slow-and-fast'), '--workers', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--workers takes a whole number from 0 (this thread) to 64, not "${bad}"`);
      expect(r.stderr).not.toMatch(/passed/);
    }
  });

  it('takes --workers 0 as this thread: the same verdicts', async () => {
    const r = await uclab(['run', fixture('tls-client-cert'), '--workers', '0', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).results.map((x: { outcome: string }) => x.outcome)).toEqual([
      'passed',
      'failed',
    ]);
  });
});

describe('choosing the start order and the worker count', () => {
  it('starts variants with no recorded time first, then the longest first', () => {
    const jobs = ['a', 'b', 'c', 'd'].map((variant) => ({ scenario: 's', variant }));
    const known = new Map([
      ['s/a', 100],
      ['s/c', 900],
      ['s/d', 400],
    ]);
    expect(longestFirst(jobs, known)).toEqual([1, 2, 3, 0]);
  });

  it('takes --workers as a whole number from 0 to 64, one per core without it', () => {
    expect(parseWorkers('0')).toBe(0);
    expect(parseWorkers('3')).toBe(3);
    expect(parseWorkers(undefined)).toBeGreaterThanOrEqual(1);
    for (const bad of ['65', '-1', '2.5', 'x', '']) expect(parseWorkers(bad)).toBeNull();
  });

  it('without --workers, gives a run one worker thread per 64 variants and per core, and none rather than one', () => {
    // The 99-variant catalogue runs faster in one thread than on two workers (run-pool.ts).
    expect(workersFor(99, 2)).toBe(0);
    expect(workersFor(127, 8)).toBe(0);
    expect(workersFor(128, 2)).toBe(2);
    expect(workersFor(200, 8)).toBe(3);
    expect(workersFor(10_000, 2)).toBe(2);
  });
});
