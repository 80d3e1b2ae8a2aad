import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan, parsePlan, planJsonSchema, readPlanFile } from '../../emulator/plan/plan-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'uclab-plan-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const GOOD = `schemaVersion: 1
id: regen-callmanager
cluster: { release: '11.5' }
fleet:
  size: 10
  groups:
    - { model: CP-8861, firmware: sip-88xx-14.2, protocol: SIP, weight: 3 }
    - { model: CP-7975G, firmware: sccp-79xx-9.4, protocol: SCCP, weight: 1 }
  offline: [{ fraction: 0.2, from: regen, until: regen }]
steps:
  - { id: boot, op: boot }
  - { id: regen, op: regenerate, unit: CallManager }
`;

describe('rollover plan files', () => {
  it('a YAML plan is read with its defaults filled in', () => {
    const r = readPlanFile(file('good.yaml', GOOD));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.plan.cluster).toMatchObject({ release: '11.5', subscribers: 0, mode: 'non-secure' });
    expect(r.plan.allowBroken).toBe(0);
    expect(r.plan.steps.map((s) => s.op)).toEqual(['boot', 'regenerate']);
  });

  it('a JSON plan is read the same way as YAML', () => {
    const y = readPlanFile(file('same.yaml', GOOD));
    const j = readPlanFile(file('same.json', JSON.stringify(y.ok ? y.plan : null)));
    expect(j.ok && y.ok && j.plan).toEqual(y.ok && y.plan);
  });

  it('a bad field is named by its path', () => {
    const r = readPlanFile(file('bad-unit.yaml', GOOD.replace('unit: CallManager', 'unit: CallMonger')));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.where).toBe('steps[1].unit');
  });

  it('a wait longer than any timer can hold is refused with its path', () => {
    const r = readPlanFile(
      file('long-wait.yaml', `${GOOD}  - { id: later, op: wait, duration: 99999999999d }\n`),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.where).toBe('steps[2].duration');
      expect(r.error.message).toContain('out of range');
    }
  });

  it('a YAML nested past the call stack is a syntax error, not a crash', () => {
    const deep = `${GOOD}extra: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
    const r = readPlanFile(file('deep.yaml', deep));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error).toMatchObject({
        code: 'plan.syntax',
        message: expect.stringContaining('nests too deeply'),
      });
  });

  it('an unknown key is refused, not ignored', () => {
    const r = readPlanFile(
      file('typo.yaml', GOOD.replace('allowBroken', 'x').replace('cluster: {', 'cluster: { subscriber: 1,')),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.where).toBe('cluster');
    if (!r.ok) expect(r.error.message).toMatch(/subscriber/);
  });

  it('a YAML syntax error names the line and column', () => {
    const r = readPlanFile(file('syntax.yaml', 'schemaVersion: 1\nid: x\nfleet: { groups: [\n'));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('plan.syntax');
      expect(r.error.where).toMatch(/syntax\.yaml:\d+:\d+$/);
    }
  });

  it('an offline window must name steps of the plan', () => {
    const r = readPlanFile(file('window.yaml', GOOD.replace('until: regen', 'until: regenerate')));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.where).toBe('fleet.offline[0].until');
      expect(r.error.message).toContain('no step "regenerate"');
    }
  });

  it('step ids are unique', () => {
    const r = readPlanFile(
      file(
        'dup.yaml',
        GOOD.replace('id: regen,', 'id: boot,').replace(
          /from: regen, until: regen/,
          'from: boot, until: boot',
        ),
      ),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe('step id "boot" is used twice');
  });

  it('groups given by weight need a fleet size', () => {
    const r = parsePlan({
      schemaVersion: 1,
      id: 'p',
      fleet: { groups: [{ model: 'CP-8861', firmware: 'sip-88xx-14.2', protocol: 'SIP', weight: 1 }] },
      steps: [{ id: 'boot', op: 'boot' }],
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.where).toBe('fleet.size');
  });

  it('the published JSON Schema describes the operations', () => {
    const schema = JSON.stringify(planJsonSchema());
    for (const op of ['regenerate', 'ca-sign', 'itl-reset', 'ctl-update', 'reissue-lsc', 'wait', 'cli']) {
      expect(schema).toContain(`"${op}"`);
    }
  });

  it("a TypeScript plan is its module's default export, validated like a file", async () => {
    const r = await loadPlan(join(import.meta.dirname, 'fixtures', 'tiny.plan.ts'));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.plan.id).toBe('tiny-ts');
    expect(r.plan.run.cellSize).toBe(200);
    const bad = await loadPlan(file('none.ts', 'export const x = 1;\n'));
    expect(!bad.ok && bad.error.message).toMatch(/exports no plan/);
  });

  it('a cell holds the cluster and the phones in one /24', () => {
    const r = readPlanFile(file('cell.yaml', `${GOOD}run: { cellSize: 241 }\n`));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.where).toBe('run.cellSize');
      expect(r.error.message).toContain('room for 240 phones');
    }
  });

  it('an LSC reissue names groups of the fleet', () => {
    const r = readPlanFile(
      file('reissue.yaml', `${GOOD}  - { id: again, op: reissue-lsc, groups: [CP-9999] }\n`),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.where).toBe('steps[2].groups[0]');
  });
});
