import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan, parsePlan, planJsonSchema, readPlanFile } from '../../emulator/plan/plan-file.ts';
import { problemLines } from '../../emulator/plan/plan-problems.ts';
import { MAX_PROBLEMS } from '../../emulator/problems.ts';

const dir = mkdtempSync(join(tmpdir(), 'uclab-plan-'));
/** `line:column` (from 1) of the first `needle` in `text`, or of what follows it with `after`. */
function position(text: string, needle: string, after = false): string {
  const lines = text.slice(0, text.indexOf(needle) + (after ? needle.length : 0)).split('\n');
  return `${lines.length}:${(lines.at(-1)?.length ?? 0) + 1}`;
}
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

  it('a misspelt field of a step is refused, not dropped, with the field it was meant to be', () => {
    const r = readPlanFile(
      file('tittle.yaml', GOOD.replace('{ id: boot, op: boot }', '{ id: boot, op: boot, tittle: x }')),
    );
    expect(!r.ok && `${r.error.where}: ${r.error.message}`).toBe(
      'steps[0]: Unrecognized key: "tittle" (did you mean "title"?)',
    );
  });

  it("a step's unknown key is matched against its own operation's fields only", () => {
    const r = readPlanFile(
      file(
        'wiat.yaml',
        `${GOOD}  - { id: w, op: wait, duration: 5s, wiat: 1 }\n  - { id: r, op: reset-phones, wiat: 1 }\n`,
      ),
    );
    expect(!r.ok && r.error.problems.map((p) => `${p.where}: ${p.message}`)).toEqual([
      'steps[2]: Unrecognized key: "wiat"',
      'steps[3]: Unrecognized key: "wiat" (did you mean "via"?)',
    ]);
  });

  it('a misspelt key is told the nearest field of its place in the plan', () => {
    const r = readPlanFile(
      file('weigth.yaml', GOOD.replace('protocol: SIP, weight: 3', 'protocol: SIP, weigth: 3')),
    );
    expect(!r.ok && r.error.problems[0]).toMatchObject({
      where: 'fleet.groups[0]',
      message: 'Unrecognized key: "weigth" (did you mean "weight"?)',
    });
  });

  it('a misspelt operation is told the operation it was meant to be', () => {
    const r = readPlanFile(file('op.yaml', GOOD.replace('op: regenerate', 'op: regenerat')));
    expect(!r.ok && r.error.problems[0]).toMatchObject({
      where: 'steps[1].op',
      message: expect.stringMatching(/^Invalid discriminator value\..* \(did you mean "regenerate"\?\)$/),
    });
  });

  it('a misspelt option of a field is told the option it was meant to be', () => {
    const r = readPlanFile(file('unit.yaml', GOOD.replace('unit: CallManager', 'unit: CallManagr')));
    expect(!r.ok && r.error.problems[0]).toMatchObject({
      where: 'steps[1].unit',
      message: expect.stringMatching(/^Invalid option: .* \(did you mean "CallManager"\?\)$/),
    });
  });

  it('a value far from every option is not given a guess', () => {
    const r = readPlanFile(file('far.yaml', GOOD.replace('op: regenerate', 'op: replace-everything')));
    expect(!r.ok && r.error.problems[0]?.message).not.toContain('did you mean');
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

  it('a cell holds the cluster and its phones in one lab, of at most sixteen /24s', () => {
    expect(readPlanFile(file('cell.yaml', `${GOOD}run: { cellSize: 3990 }\n`)).ok).toBe(true);
    const r = readPlanFile(file('cell.yaml', `${GOOD}run: { cellSize: 3991 }\n`));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.where).toBe('run.cellSize');
      expect(r.error.message).toBe(
        "a cell's lab holds 3991 devices: 1 CUCM node(s) leave room for 3990 phones, not 3991",
      );
    }
  });

  it('an LSC reissue names groups of the fleet', () => {
    const r = readPlanFile(
      file('reissue.yaml', `${GOOD}  - { id: again, op: reissue-lsc, groups: [CP-9999] }\n`),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.where).toBe('steps[2].groups[0]');
  });

  it('a YAML plan names every bad field at once, each with its line and column', () => {
    const text = GOOD.replace('unit: CallManager', 'unit: CallMonger').replace(
      "release: '11.5'",
      "release: '16'",
    );
    const f = file('several.yaml', text);
    const r = readPlanFile(f);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error.problems.map((p) => `${p.at} ${p.where}`)).toEqual([
        `${f}:${position(text, "'16'")} cluster.release`,
        `${f}:${position(text, 'CallMonger')} steps[1].unit`,
      ]);
  });

  it('an unknown key is placed at the key itself', () => {
    const text = GOOD.replace('cluster: {', 'cluster: { subscriber: 1,');
    const f = file('unknown-key.yaml', text);
    const r = readPlanFile(f);
    expect(!r.ok && r.error.problems[0]?.at).toBe(`${f}:${position(text, 'subscriber')}`);
  });

  it('a JSON plan names its bad fields with their line and column too', () => {
    const y = readPlanFile(file('for-json.yaml', GOOD));
    if (!y.ok) throw new Error(y.error.message);
    const text = JSON.stringify({ ...y.plan, allowBroken: -1 }, null, 2);
    const r = readPlanFile(file('bad.json', text));
    expect(!r.ok && r.error.problems.map((p) => p.at)).toEqual([
      `${join(dir, 'bad.json')}:${position(text, '"allowBroken": ', true)}`,
    ]);
  });

  it('a group whose firmware does not run on its model is refused, naming what does', () => {
    const r = readPlanFile(
      file(
        'model-firmware.yaml',
        GOOD.replace('model: CP-7975G, firmware: sccp-79xx-9.4', 'model: CP-7975G, firmware: sccp-7940-8.1'),
      ),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.where).toBe('fleet.groups[1].firmware');
      expect(r.error.message).toContain('CP-7975G runs sccp-79xx-9.4');
    }
  });

  it("a group whose protocol is not its firmware's is refused", () => {
    const r = readPlanFile(
      file(
        'protocol.yaml',
        GOOD.replace('firmware: sccp-79xx-9.4, protocol: SCCP', 'firmware: sccp-79xx-9.4, protocol: SIP'),
      ),
    );
    expect(!r.ok && `${r.error.where}: ${r.error.message}`).toBe(
      'fleet.groups[1].protocol: sccp-79xx-9.4 registers over SCCP, not SIP',
    );
  });

  it('a misspelt model or firmware is refused with the nearest known one', () => {
    const r = readPlanFile(
      file(
        'typos.yaml',
        GOOD.replace('model: CP-8861, firmware: sip-88xx-14.2', 'model: CP-8862, firmware: sip-88xx-14.3'),
      ),
    );
    expect(!r.ok && r.error.problems.map((p) => `${p.where}: ${p.message}`)).toEqual([
      'fleet.groups[0].model: "CP-8862" is not a phone model of the firmware profiles (did you mean "CP-8861"?)',
      'fleet.groups[0].firmware: "sip-88xx-14.3" is not a firmware of the lab (did you mean "sip-88xx-14.2"?)',
    ]);
  });

  it("a group's firmware typo is listed with the plan's other mistakes, not after they are fixed", () => {
    const r = readPlanFile(
      file(
        'two-kinds.yaml',
        GOOD.replace('firmware: sip-88xx-14.2', 'firmware: sip-88xx-14.3').replace(
          'unit: CallManager',
          'unit: CallMonger',
        ),
      ),
    );
    expect(!r.ok && r.error.problems.map((p) => p.where)).toEqual([
      'fleet.groups[0].firmware',
      'steps[1].unit',
    ]);
  });

  it('two groups of one model without names cannot be told apart', () => {
    const r = readPlanFile(
      file(
        'twins.yaml',
        GOOD.replace(
          'model: CP-7975G, firmware: sccp-79xx-9.4, protocol: SCCP',
          'model: CP-8861, firmware: sip-88xx-14.2, protocol: SIP',
        ),
      ),
    );
    expect(!r.ok && r.error.where).toBe('fleet.groups[1]');
  });

  it('a file with a great many problems lists the first 20 and says how many more', () => {
    const steps = Array.from({ length: 25 }, (_, i) => `  - { id: s${i}, op: reboot }`).join('\n');
    const r = readPlanFile(file('many.yaml', `${GOOD.slice(0, GOOD.indexOf('steps:'))}steps:\n${steps}\n`));
    if (r.ok) throw new Error('a plan of 25 unknown operations was accepted');
    const lines = problemLines(r.error);
    expect(lines).toHaveLength(MAX_PROBLEMS + 1);
    expect(lines.at(-1)).toBe('and 5 more problem(s)');
  });
});
