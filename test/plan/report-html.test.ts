/** The fleet report's HTML file: written where asked, an unwritable place is a message naming it. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, type PhoneResult } from '../../emulator/plan/report.ts';
import { planReportHtml, writePlanReportHtml } from '../../emulator/plan/report-html.ts';
import { uclab } from '../support/cli.ts';

const DIR = mkdtempSync(join(tmpdir(), 'uclab-plan-html-'));

function phone(index: number, outcome: PhoneResult['outcome'], states: PhoneResult['states']): PhoneResult {
  return {
    index,
    name: `SEPB0000000000${index}`,
    group: 'g',
    model: 'CP-8861',
    firmware: 'sip-88xx-14.2',
    outcome,
    changedAt: outcome === 'trusted' ? null : 'regen',
    reason: outcome === 'trusted' ? 'Registered (SIP/TLS cucm-pub:5061)' : 'Config File Decryption Failed',
    cell: 1,
    states,
  };
}

const report = buildReport({
  plan: { id: 'p', steps: [{ id: 'boot' }, { id: 'regen' }], allowBroken: 0 },
  digest: 'd',
  shards: { covered: [1], of: 1 },
  fleetSize: 3,
  phones: [
    phone(1, 'trusted', ['trusted', 'trusted']),
    phone(2, 'config-unreadable', ['trusted', 'config-unreadable']),
    phone(3, 'config-unreadable', ['offline', 'config-unreadable']),
  ],
  durationMs: 5,
});

describe('the fleet report page', () => {
  it("puts each step's count of each state in its cell", () => {
    const html = planReportHtml(report);
    const cell = (step: string, state: string) =>
      html.match(new RegExp(`data-step="${step}" data-state="${state}">(\\d+)<`))?.[1];
    expect([cell('boot', 'trusted'), cell('boot', 'offline'), cell('boot', 'config-unreadable')]).toEqual([
      '2',
      '1',
      '0',
    ]);
    expect([cell('regen', 'trusted'), cell('regen', 'config-unreadable')]).toEqual(['1', '2']);
  });

  it('cannot be written into a missing directory: an error naming the file', () => {
    const file = join(DIR, 'missing', 'r.html');
    const w = writePlanReportHtml(file, report);
    expect(w.ok).toBe(false);
    if (!w.ok) expect(w.error.message).toContain(`cannot write the report ${file}`);
  });

  it('merge-reports --report into a missing directory exits 2 and says why', async () => {
    const json = join(DIR, 'r.json');
    writeFileSync(json, JSON.stringify(report));
    const file = join(DIR, 'missing', 'merged.html');
    const r = await uclab(['merge-reports', json, '--report', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot write the report ${file}`);
  });

  it('merge-reports --report writes the page of the merged report', async () => {
    const json = join(DIR, 'r2.json');
    writeFileSync(json, JSON.stringify(report));
    const file = join(DIR, 'merged.html');
    const r = await uclab(['merge-reports', json, '--report', file]);
    expect(r.code).toBe(1);
    expect(readFileSync(file, 'utf8')).toContain('2 of 3 phones broken (allowed 0): plan fails');
  });
});
