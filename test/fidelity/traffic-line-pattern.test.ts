/**
 * An Expressway traffic_server expectation (scenarios/kits/expressway.ts `expectTrafficLine`) carries the
 * text it checks, so the catalogue page can tell a seed's wording from a modelled one without a run.
 */
import { describe, expect, it } from 'vitest';
import { patternFidelity } from '../../emulator/fidelity/pattern-fidelity.ts';
import { expectTrafficLine } from '../../scenarios/kits/expressway.ts';

function fidelityOfStep(template: string) {
  const step = expectTrafficLine(template, 'why');
  if (step.pattern === undefined) throw new Error('the step carries no pattern');
  return patternFidelity(step.pattern);
}

describe('expectTrafficLine', () => {
  it("counts seed 004's traffic_server wording as a seed's, with the address left open", () => {
    const f = fidelityOfStep(
      "[ET_NET 0] ERROR: SSL connection failed for '{ip}': error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed",
    );
    expect(f).toMatchObject({ kind: 'seed', seed: '004', id: '004-ts-ssl-connection-failed' });
  });

  it('matches the line with any address where the template says {ip}', () => {
    const step = expectTrafficLine("SSL connection failed for '{ip}': x", 'why');
    expect(step.pattern).toBeInstanceOf(RegExp);
    expect((step.pattern as RegExp).test("SSL connection failed for '127.100.3.10': x")).toBe(true);
    expect((step.pattern as RegExp).test("SSL connection failed for '{ip}': x")).toBe(false);
  });

  it('counts a modelled line as modelled', () => {
    const f = fidelityOfStep(
      '[ET_NET 0] WARNING: Core server certificate verification failed for (cucm-pub.lab.example). Action=Terminate Error=self signed certificate in certificate chain server=cucm-pub.lab.example({ip}) depth=1',
    );
    expect(f.kind).toBe('modelled');
  });
});
