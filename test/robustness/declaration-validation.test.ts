/**
 * A lab declaration is checked where the scenario is loaded, before any lab starts: a duration out of
 * range, an unknown phone model and an unknown key are a broken scenario (exit 2) with the path of the
 * field, never a crash at device start (exit 1) nor a silent default.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import { checkLabDeclaration } from '../../emulator/declaration-checks.ts';
import { durationProblem } from '../../emulator/duration-schema.ts';
import { uclab } from '../support/cli.ts';

function refusal(decl: unknown): string {
  const r = checkLabDeclaration(decl);
  if (r.ok) throw new Error('the declaration was accepted');
  return r.error.message;
}

const cucm = (extra: Record<string, unknown>) => ({
  devices: [{ kind: 'cucm', name: 'cucm-pub', ...extra }],
});

describe('durations in a declaration', () => {
  it('a duration of 99,999,999,999 days is out of range; 20 years and -1 day are not', () => {
    expect(durationProblem('+99999999999d', 'offset')).toMatch(/out of range/);
    expect(durationProblem('+20y', 'offset')).toBeNull();
    expect(durationProblem('-1d', 'offset')).toBeNull();
  });

  it('a timer may not be negative, nor a word', () => {
    expect(durationProblem('-5m', 'interval')).toMatch(/negative/);
    expect(durationProblem('soon', 'interval')).toMatch(/not a duration/);
    expect(durationProblem('90s', 'interval')).toBeNull();
  });

  it("a certificate's notAfter out of range is refused with the field's path", () => {
    expect(refusal(cucm({ certificates: { CallManager: { notAfter: '+99999999999d' } } }))).toMatch(
      /^lab\.devices\[0\]\.certificates\.CallManager\.notAfter: "\+99999999999d" is out of range/,
    );
  });

  it('a CAPF deadline and a CUCM timer are checked as durations too', () => {
    expect(
      refusal(
        cucm({
          phones: [{ name: 'SEP001122334455', capf: { operation: 'install', completesBy: '+99999999999d' } }],
        }),
      ),
    ).toMatch(/^lab\.devices\[0\]\.phones\[0\]\.capf\.completesBy: /);
    expect(refusal(cucm({ capfTimeout: 'a minute' }))).toMatch(
      /^lab\.devices\[0\]\.capfTimeout: "a minute" is not a duration/,
    );
  });
});

describe('phone models in a declaration', () => {
  const phone = { kind: 'phone', name: 'SEP001122334455', mac: '001122334455', tftp: 'cucm-pub' };

  it("an unknown model in CUCM's device table is refused with the nearest known one", () => {
    expect(refusal(cucm({ phones: [{ name: 'SEP001122334455', model: 'CP-8862' }] }))).toBe(
      'lab.devices[0].phones[0].model: "CP-8862" is not a phone model of the firmware profiles (did you mean "CP-8861"?)',
    );
  });

  it('an unknown model of a phone is refused even when its firmware is named', () => {
    expect(
      refusal({
        devices: [
          { kind: 'cucm', name: 'cucm-pub' },
          { ...phone, model: 'CP7975', firmware: 'sccp-79xx-9.4' },
        ],
      }),
    ).toMatch(/^lab\.devices\[1\]\.model: "CP7975" is not a phone model .*did you mean "CP-7975"/);
  });

  it('a misspelt firmware of a phone is refused with the nearest known one', () => {
    expect(
      refusal({
        devices: [
          { kind: 'cucm', name: 'cucm-pub' },
          { ...phone, firmware: 'sip-88xx-14.3' },
        ],
      }),
    ).toBe(
      'lab.devices[1].firmware: "sip-88xx-14.3" is not a firmware of the lab (did you mean "sip-88xx-14.2"?)',
    );
  });

  it('a 79xx model written as its part number (CP-7975G) is the CP-7975', () => {
    expect(checkLabDeclaration(cucm({ phones: [{ name: 'SEP001122334455', model: 'CP-7975G' }] })).ok).toBe(
      true,
    );
  });
});

describe('unknown keys in a declaration', () => {
  it('a misspelt key inside a certificate entry is refused with its path and the field meant', () => {
    expect(refusal(cucm({ certificates: { CallManager: { notAftr: '+1d' } } }))).toBe(
      'lab.devices[0].certificates.CallManager.notAftr: not a field of a cucm declaration (did you mean "notAfter"?)',
    );
  });
});

describe('uclab run FILE with a broken declaration', () => {
  const scenario = (lab: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-decl-'));
    const file = join(dir, 'broken-duration.ts');
    writeFileSync(
      file,
      `import { defineScenario, expectLog } from 'uclab';
export default defineScenario({
  id: 'broken-duration',
  title: 'A certificate that expires in 99,999,999,999 days',
  seed: '-',
  tags: [],
  symptom: '-',
  rootCause: '-',
  fix: '-',
  variants: { fault: { explain: '-', params: {} } },
  lab: () => (${lab}),
  steps: () => [expectLog('cucm-pub', 'never', { timeoutMs: 100 })],
});
`,
    );
    return file;
  };

  it('exits 2 with one line naming the file, the scenario and the field, and no stack trace', async () => {
    const file = scenario(
      "{ devices: [{ kind: 'cucm', name: 'cucm-pub', certificates: { CallManager: { notAfter: '+99999999999d' } } }] }",
    );
    const r = await uclab(['run', file, '--quiet']);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('uclab:'));
    expect(lines).toEqual([
      `uclab: ${file}: broken-duration [fault] broken: lab.devices[0].certificates.CallManager.notAfter: "+99999999999d" is out of range: a duration is at most 1000y (365000d) either way`,
    ]);
    expect(r.stderr).not.toMatch(/RangeError|\n\s+at /);
  }, 60_000);
});
