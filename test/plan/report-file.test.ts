/**
 * A shard's JSON report read back for `uclab merge-reports`: a CI artifact can be truncated, be some
 * other file, or come from another version. Each is refused naming the file and what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type PhoneResult, type PlanReport } from '../../emulator/plan/report.ts';
import { parseShardReport } from '../../emulator/plan/report-file.ts';

const phone: PhoneResult = {
  index: 0,
  name: 'SEPB00000000001',
  group: 'cp-8861',
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  outcome: 'lost-trust',
  changedAt: 'regen',
  reason: 'Trust List Update Failed',
  cell: 1,
  states: ['trusted', 'lost-trust'],
};

const written: PlanReport = buildReport({
  plan: { id: 'p', steps: [{ id: 'boot' }, { id: 'regen' }], allowBroken: 0 },
  digest: 'abc',
  shards: { covered: [1], of: 2 },
  fleetSize: 2,
  phones: [phone],
  durationMs: 1200,
  steps: [
    { id: 'boot', op: 'boot', title: 'boot', resets: 0, boots: 1, unsettled: [], adminFailures: [] },
    { id: 'regen', op: 'regenerate', title: 'regen', resets: 1, boots: 1, unsettled: [], adminFailures: [] },
  ],
  cells: {
    count: 1,
    size: 1,
    workers: 0,
    bootsInFlight: 16,
    certificates: 'd',
    byteIdentical: true,
    itlDigests: ['x'],
  },
});

/** The written report as JSON with some fields replaced (`undefined`: left out). */
const edited = (fields: Record<string, unknown>): string => JSON.stringify({ ...written, ...fields });

describe('a shard report read back for merging', () => {
  it('reads back what uclab plan wrote', () => {
    const r = parseShardReport(JSON.stringify(written), 'shard-1.json');
    if (!r.ok) throw new Error(r.message);
    expect(r.report).toMatchObject({
      plan: written.plan,
      shards: written.shards,
      phones: written.phones,
      steps: written.steps,
      cells: written.cells,
    });
  });

  it('refuses a truncated file, naming it', () => {
    const r = parseShardReport(JSON.stringify(written).slice(0, 120), 'shard-1.json');
    expect(!r.ok && r.message).toMatch(/^shard-1\.json: not JSON \(/);
  });

  it('refuses JSON that is not a plan report, saying what it is', () => {
    const r = parseShardReport('{"kind":"run","schemaVersion":1}', 'run.json');
    expect(!r.ok && r.message).toBe(
      'run.json: not a uclab plan report of schemaVersion 1 (kind "run", schemaVersion 1)',
    );
  });

  it('refuses a report of another schema version', () => {
    const r = parseShardReport(edited({ schemaVersion: 2 }), 'new.json');
    expect(!r.ok && r.message).toContain('(kind "plan", schemaVersion 2)');
  });

  it('refuses a report missing a part the merge needs, naming it by its path', () => {
    const r = parseShardReport(edited({ plan: undefined }), 'cut.json');
    expect(!r.ok && r.message).toMatch(/^cut\.json: plan: /);
  });

  it("refuses a phone's unknown outcome, naming the phone's place in the report", () => {
    const r = parseShardReport(edited({ phones: [{ ...phone, outcome: 'happy' }] }), 'odd.json');
    expect(!r.ok && r.message).toMatch(/^odd\.json: phones\[0\]\.outcome: /);
  });

  it('refuses a shard past the shard count', () => {
    const r = parseShardReport(edited({ shards: { covered: [3], of: 2 } }), 'past.json');
    expect(!r.ok && r.message).toBe('past.json: shards: a covered shard is past the shard count');
  });
});
