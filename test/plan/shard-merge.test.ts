/**
 * `--shard i/N` runs split one fleet deterministically; their reports merged give the same outcomes
 * as one unsharded run. The unsharded run splits the fleet into three cells on two worker threads;
 * each shard runs as one cell of its own, so no phone sees the same neighbours in both.
 */
import { describe, expect, it } from 'vitest';
import { mergeReports } from '../../emulator/plan/report.ts';
import { runPlan } from '../../emulator/plan/run.ts';
import { catalogPlan } from './catalogue-support.ts';

const base = catalogPlan('regen-callmanager-offline.broken.yaml');
const plan = { ...base, fleet: { ...base.fleet, size: 24 }, run: { ...base.run, cellSize: 9 } };
const outcomes = (r: {
  phones: {
    index: number;
    name: string;
    outcome: string;
    changedAt: string | null;
    reason: string;
    states: string[];
  }[];
}) =>
  r.phones.map(({ index, name, outcome, changedAt, reason, states }) => ({
    index,
    name,
    outcome,
    changedAt,
    reason,
    states,
  }));

describe('shards of a fleet', { timeout: 300_000 }, () => {
  it('two --shard runs merged give the same outcomes as one unsharded run', async () => {
    const whole = await runPlan(plan, { workers: 2 });
    expect(whole.report.cells).toMatchObject({ count: 3, workers: 2 });
    expect(whole.report.broken).toBeGreaterThan(0);
    const a = await runPlan(plan, { shard: { index: 0, count: 2 }, workers: 0, cellSize: 12 });
    const b = await runPlan(plan, { shard: { index: 1, count: 2 }, workers: 0, cellSize: 12 });
    expect(a.report.phones.length + b.report.phones.length).toBe(24);
    const merged = mergeReports([
      { file: 'shard-1.json', report: b.report },
      { file: 'shard-2.json', report: a.report },
    ]);
    if (!merged.ok) throw new Error(merged.message);
    expect(merged.missing).toEqual([]);
    expect(outcomes(merged.report)).toEqual(outcomes(whole.report));
    expect(merged.report.summary).toEqual(whole.report.summary);
    expect(merged.report.byStep).toEqual(whole.report.byStep);
    expect(merged.report.exitCode).toBe(whole.report.exitCode);
    // Within a run every cell issued the same cluster certificates (the cells share one lab start;
    // separate runs start apart, so their certificates differ in validity and merge as null).
    expect(whole.report.cells?.certificates).not.toBeNull();
    expect(a.report.cells?.certificates).not.toBeNull();
  });
});
