/**
 * A fleet in a scenario (scenarios/kits/fleet.ts), as a user runs one: a TypeScript file outside the
 * repository's catalogue, importing `uclab` and `uclab/kits/fleet`, run by `uclab run`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FleetDeclarationError, fleet, fleetStep } from '../../scenarios/kits/fleet.ts';
import { REPO, uclab } from '../support/cli.ts';

const FIXTURE = join(REPO, 'test', 'fixtures', 'scenarios', 'fleet-rollover.ts');

interface RunJson {
  results: {
    variant: string;
    outcome: string;
    reason: string | null;
    steps: { title: string; held: boolean; saw: string }[];
  }[];
}

describe('a fleet in a scenario', () => {
  it('runs 260 phones on one cluster in one lab, and each recovers through TVS after a CallManager regeneration', {
    timeout: 180_000,
  }, async () => {
    const r = await uclab(['run', FIXTURE, '--variant', 'tvs-vouches', '--json'], { timeoutMs: 170_000 });
    const out = JSON.parse(r.stdout) as RunJson;
    expect(out.results[0]?.outcome).toBe('passed');
    expect(out.results[0]?.steps.map((s) => `${s.title}: ${s.held}`)).toEqual([
      'the phones are switched on: true',
      'set cert regen CallManager: true',
      'the fleet ends 260 recovered-tvs: true',
    ]);
    expect(out.results[0]?.steps.at(-1)?.saw).toBe('260 recovered-tvs');
    expect(r.code).toBe(0);
  });

  it('fails a fleet check whose counts are off, naming the counts and phones it saw', {
    timeout: 180_000,
  }, async () => {
    const r = await uclab(['run', FIXTURE, '--variant', 'expect-trusted', '--json'], { timeoutMs: 170_000 });
    const out = JSON.parse(r.stdout) as RunJson;
    const result = out.results[0];
    expect(result?.outcome).toBe('failed');
    const check = result?.steps.at(-1);
    expect(check?.title).toBe('the fleet ends 260 trusted');
    expect(check?.saw).toMatch(/^260 recovered-tvs; SEP[0-9A-F]{12}: recovered-tvs \(/);
    expect(r.code).toBe(1);
  });

  it('refuses a fleet declaration with every bad field named by its path', () => {
    const declare = () =>
      fleet({
        fleet: {
          size: 10,
          groups: [
            { model: 'CP-8861', firmware: 'sip-88xx-14.3', protocol: 'SIP', weight: 1 },
            { model: 'CP-7940', firmware: 'sip-88xx-14.2', protocol: 'SIP', weight: 1 },
          ],
        },
      });
    expect(declare).toThrow(FleetDeclarationError);
    expect(declare).toThrow(
      [
        'the fleet cannot be declared:',
        '  fleet.groups[0].firmware: "sip-88xx-14.3" is not a firmware of the lab (did you mean "sip-88xx-14.2"?)',
        '  fleet.groups[1].firmware: sip-88xx-14.2 does not run on CP-7940',
      ].join('\n'),
    );
  });

  it('refuses an operation the plan schema refuses, naming its field, before any lab starts', () => {
    const floor = fleet({
      fleet: { groups: [{ model: 'CP-8845', firmware: 'sip-88xx-14.2', protocol: 'SIP', count: 2 }] },
    });
    expect(floor.phones.map((p) => p.name)).toEqual(['SEPB00000000001', 'SEPB00000000002']);
    expect(() =>
      fleetStep(floor, { op: 'regenerate', unit: 'CallMonger' } as never, 'a typo in the unit'),
    ).toThrow(/operation\.unit: Invalid option/);
  });
});
