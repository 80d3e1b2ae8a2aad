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

  it('a phone declared with a firmware its model does not run is refused, naming what the model runs', () => {
    expect(
      refusal({
        devices: [
          { kind: 'cucm', name: 'cucm-pub' },
          { ...phone, model: 'CP-7940', firmware: 'sip-88xx-14.2' },
        ],
      }),
    ).toMatch(
      /^lab\.devices\[1\]\.firmware: sip-88xx-14\.2 does not run on CP-7940 \(.*CP-7940 runs sccp-7940-8\.1/,
    );
  });

  it('a 79xx model written as its part number (CP-7975G) is the CP-7975', () => {
    expect(checkLabDeclaration(cucm({ phones: [{ name: 'SEP001122334455', model: 'CP-7975G' }] })).ok).toBe(
      true,
    );
  });
});

describe('misspelt options in a declaration', () => {
  it('a misspelt device kind is refused with the kind it was meant to be', () => {
    expect(refusal({ devices: [{ kind: 'cucn', name: 'cucm-pub' }] })).toMatch(
      /^lab\.devices\[0\]\.kind: "cucn" is not a device kind; did you mean "cucm"\? Kinds: .*phone/,
    );
  });

  it('a misspelt option of a field is refused with the option it was meant to be', () => {
    expect(refusal(cucm({ phones: [{ name: 'SEP001122334455', security: 'encripted' }] }))).toMatch(
      /^lab\.devices\[0\]\.phones\[0\]\.security: Invalid option: .* \(did you mean "encrypted"\?\)$/,
    );
  });

  it('an option far from every one the field takes gets no guess', () => {
    expect(refusal(cucm({ phones: [{ name: 'SEP001122334455', security: 'paranoid' }] }))).not.toContain(
      'did you mean',
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

describe('a declaration with several mistakes', () => {
  const phone = {
    kind: 'phone',
    name: 'SEP001122334455',
    mac: '001122334455',
    model: 'CP-8845',
    tftp: 'cucm-pub',
  };

  it('lists every bad field of every device, a line each, the first one first', () => {
    const r = checkLabDeclaration({
      devices: [
        { kind: 'cucm', name: 'cucm-pub', capfTimeout: 'a minute' },
        { ...phone, mac: '0011' },
        { ...phone, name: 'SEP00112233445A', mac: '00112233445A', firmware: 'sip-88xx-14.3' },
        { kind: 'cucm', name: 'CUCM-PUB' },
      ],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.path).toBe('lab.devices[0].capfTimeout');
    expect(r.error.problems?.map((p) => p.path)).toEqual([
      'lab.devices[0].capfTimeout',
      'lab.devices[1].mac',
      'lab.devices[2].firmware',
      'lab.devices[3].name',
    ]);
    expect(r.error.message.split('\n')).toHaveLength(4);
    expect(r.error.message.split('\n')[3]).toBe('lab.devices[3].name: "CUCM-PUB" is declared twice');
  });

  it('lists every misspelt key and every unknown host of a declaration the schemas accept', () => {
    const r = checkLabDeclaration({
      devices: [
        { kind: 'cucm', name: 'cucm-pub' },
        { ...phone, autoboot: false },
        { ...phone, name: 'SEP00112233445A', mac: '00112233445A', tftp: 'cucm-pubb' },
      ],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message.split('\n')).toEqual([
      'lab.devices[1].autoboot: not a field of a phone declaration (did you mean "autoBoot"?)',
      'lab.devices[2].tftp: "cucm-pubb" is not a device or alias of this lab (did you mean "cucm-pub"?); devices: cucm-pub, SEP001122334455, SEP00112233445A',
    ]);
  });

  it('names twenty problems and counts the rest', () => {
    const devices = Array.from({ length: 25 }, (_, i) => ({ ...phone, name: `p${i}`, mac: 'x' }));
    const r = checkLabDeclaration({ devices });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.error.message.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('and 5 more problem(s)');
    expect(r.error.problems).toHaveLength(25);
  });
});

describe('host names in a declaration', () => {
  it("a phone's second TFTP server must be a device of the lab", () => {
    expect(
      refusal({
        devices: [
          { kind: 'cucm', name: 'cucm-pub' },
          { kind: 'cucm', name: 'cucm-sub1', publisher: 'cucm-pub' },
          {
            kind: 'phone',
            name: 'SEP001122334455',
            mac: '001122334455',
            model: 'CP-8845',
            tftp: 'cucm-pub',
            tftp2: 'cucm-sub2:69',
          },
        ],
      }),
    ).toMatch(
      /^lab\.devices\[2\]\.tftp2: "cucm-sub2" is not a device or alias of this lab \(did you mean "cucm-sub1"\?\)/,
    );
  });

  it('the publisher an Expressway-C is given must be a device or an alias of the lab', () => {
    expect(
      refusal({
        devices: [
          { kind: 'cucm', name: 'cucm-pub', aliases: ['cucm-pub.lab.example'] },
          {
            kind: 'expressway-c',
            name: 'expc',
            domain: 'lab.example',
            unifiedCm: [{ publisher: 'cucm-pub.lab.exmaple' }],
          },
        ],
      }),
    ).toMatch(
      /^lab\.devices\[1\]\.unifiedCm\[0\]\.publisher: "cucm-pub\.lab\.exmaple" is not a device or alias of this lab \(did you mean "cucm-pub\.lab\.example"\?\)/,
    );
  });
});

describe('host names in an SPA phone declaration', () => {
  it("the host of an SPA phone's profile rule must be a device of the lab", () => {
    expect(
      refusal({
        devices: [
          { kind: 'provisioning-server', name: 'prov' },
          {
            kind: 'spa-phone',
            name: 'spa1',
            mac: '001122334455',
            firmware: 'spa-7.5.6c',
            profileRule: 'https://porv:8443/Cisco/spa$MA.xml',
          },
        ],
      }),
    ).toMatch(
      /^lab\.devices\[1\]\.profileRule: "porv" is not a device or alias of this lab \(did you mean "prov"\?\)/,
    );
  });
});

describe('every field of a device kind that names a lab host', () => {
  const pub = { kind: 'cucm', name: 'cucm-pub' };
  const cases: [string, unknown[]][] = [
    ['lab.devices[1].publisher', [pub, { kind: 'cucm', name: 'cucm-sub1', publisher: 'nowhere' }]],
    ['lab.devices[0].ctl.alternateTftp[0].host', [{ ...pub, ctl: { alternateTftp: [{ host: 'nowhere' }] } }]],
    [
      'lab.devices[0].sipTrunks[0].destination',
      [{ ...pub, sipTrunks: [{ name: 't', destination: 'nowhere' }] }],
    ],
    ['lab.devices[1].cucm', [pub, { kind: 'app-server', name: 'app', cucm: 'nowhere' }]],
    [
      'lab.devices[0].mra.expresswayC',
      [{ kind: 'expressway-e', name: 'expe', domain: 'lab.example', mra: { expresswayC: 'nowhere' } }],
    ],
    ['lab.devices[0].via', [{ kind: 'jabber', name: 'j', user: 'u', domain: 'lab.example', via: 'nowhere' }]],
    [
      'lab.devices[0].via',
      [
        {
          kind: 'mra-phone',
          name: 'SEP001122334455',
          mac: '001122334455',
          domain: 'lab.example',
          via: 'nowhere',
        },
      ],
    ],
  ];
  it.each(cases)('%s is refused when it names no device of the lab', (path, devices) => {
    expect(refusal({ devices })).toMatch(
      new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}: "nowhere" is not a device`),
    );
  });
});
