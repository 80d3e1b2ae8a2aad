/** The traversal zone on 7001 between the Expressway-C and the Expressway-E, and the secure traversal test (seed 003). */
import { describe, expect, it } from 'vitest';
import { ExpresswayC } from '../../devices/expressway/expressway-c.ts';
import { ExpresswayE } from '../../devices/expressway/expressway-e.ts';
import { issueServerCert, labCa } from '../../devices/expressway/pki.ts';
import { startLab } from './support.ts';

type Ca = 'enterprise-ca' | 'public-ca' | 'other-ca';

async function pair(name: string, o: { eCert: Ca; cCert: Ca; eTrust: Ca[]; cTrust: Ca[] }) {
  const lab = await startLab(name, [
    {
      kind: 'expressway-e',
      name: 'expe',
      aliases: ['expe.lab.example'],
      domain: 'lab.example',
      certificate: { signedBy: o.eCert },
      trust: o.eTrust,
      traversal: { tlsVerifySubjectName: 'expc.lab.example' },
    },
    {
      kind: 'expressway-c',
      name: 'expc',
      aliases: ['expc.lab.example'],
      domain: 'lab.example',
      certificate: { signedBy: o.cCert },
      trust: o.cTrust,
    },
  ]);
  const test = () =>
    lab
      .device('expc', ExpresswayC)
      .secureTraversalTest({ expresswayE: 'expe.lab.example', tlsVerifyName: 'expc.lab.example' });
  return { lab, test };
}

describe('traversal zone and secure traversal test', () => {
  it('the C refusing the E certificate: the test fails with certificate verify failed, the E gets unknown_ca', async () => {
    const { lab, test } = await pair('trav-c-refuses', {
      eCert: 'public-ca',
      cCert: 'enterprise-ca',
      eTrust: ['enterprise-ca'],
      cTrust: ['enterprise-ca'],
    });
    await test();
    expect(lab.timeline.ofKind('expressway.traversal-test', 'expc')[0]).toMatchObject({
      result: 'Failure',
      description: 'certificate verify failed',
    });
    expect(lab.timeline.ofKind('expressway.traversal-zone', 'expc')[0]).toMatchObject({
      role: 'client',
      state: 'failed',
      peerCn: 'expe.lab.example',
      alert: { name: 'unknown_ca' },
    });
    const server = await lab.timeline.waitFor(
      'the E to record the failed zone',
      (e) => e.kind === 'expressway.traversal-zone' && e.device === 'expe',
    );
    expect(server).toMatchObject({ role: 'server', state: 'failed', detail: 'tlsv1 alert unknown ca' });
  });

  it('the E refusing the C certificate: the C logs and shows tlsv1 alert unknown ca', async () => {
    const { lab, test } = await pair('trav-e-refuses', {
      eCert: 'enterprise-ca',
      cCert: 'other-ca',
      eTrust: ['enterprise-ca'],
      cTrust: ['enterprise-ca', 'other-ca'],
    });
    expect(await test()).toEqual({ result: 'Failure', description: 'tlsv1 alert unknown ca' });
    const server = await lab.timeline.waitFor(
      'the E to record the refused zone',
      (e) => e.kind === 'expressway.traversal-zone' && e.device === 'expe',
    );
    expect(server).toMatchObject({
      state: 'failed',
      detail: 'certificate verify failed: self signed certificate in certificate chain',
      peerCn: 'expc.lab.example',
    });
  });

  it('trusted both ways: the zone is active on both ends and the test shows Success', async () => {
    const { lab, test } = await pair('trav-ok', {
      eCert: 'enterprise-ca',
      cCert: 'enterprise-ca',
      eTrust: ['enterprise-ca'],
      cTrust: ['enterprise-ca'],
    });
    expect(await test()).toEqual({ result: 'Success', description: 'Success' });
    const server = await lab.timeline.waitFor(
      'the E to record the zone',
      (e) => e.kind === 'expressway.traversal-zone' && e.device === 'expe',
    );
    expect(server).toMatchObject({ state: 'active', detail: 'Zone active', peerCn: 'expc.lab.example' });
  });

  it('a CA uploaded to the E applies to its next traversal connection', async () => {
    const { lab, test } = await pair('trav-e-upload', {
      eCert: 'enterprise-ca',
      cCert: 'other-ca',
      eTrust: ['enterprise-ca'],
      cTrust: ['enterprise-ca', 'other-ca'],
    });
    const other = await labCa({ seed: lab.seed, start: lab.clock.start, scope: lab.timeline }, 'other-ca');
    expect((await lab.device('expe', ExpresswayE).uploadTrust(other.certPem)).ok).toBe(true);
    expect(await test()).toEqual({ result: 'Success', description: 'Success' });
  });

  it("a TLS verify name missing from the C's own certificate fails before any connection", async () => {
    const { lab } = await pair('trav-name', {
      eCert: 'enterprise-ca',
      cCert: 'enterprise-ca',
      eTrust: ['enterprise-ca'],
      cTrust: ['enterprise-ca'],
    });
    const r = await lab
      .device('expc', ExpresswayC)
      .secureTraversalTest({ expresswayE: 'expe.lab.example', tlsVerifyName: 'other.lab.example' });
    expect(r.result).toBe('Failure');
    expect(lab.timeline.ofKind('expressway.traversal-zone')).toHaveLength(0);
  });

  it('an uploaded server certificate is the one the C presents on the traversal zone', async () => {
    const { lab } = await pair('trav-uploaded', {
      eCert: 'enterprise-ca',
      cCert: 'enterprise-ca',
      eTrust: ['enterprise-ca'],
      cTrust: ['enterprise-ca'],
    });
    const ref = { seed: lab.seed, start: lab.clock.start, scope: lab.timeline };
    const id = await issueServerCert(ref, 'expc-renamed', 'expc2.lab.example');
    expect(lab.device('expc', ExpresswayC).uploadServerCertificate(id.certPem, id.keyPem).ok).toBe(true);
    await lab
      .device('expc', ExpresswayC)
      .secureTraversalTest({ expresswayE: 'expe.lab.example', tlsVerifyName: 'expc2.lab.example' });
    const server = await lab.timeline.waitFor(
      'the E to judge the uploaded certificate',
      (e) => e.kind === 'expressway.traversal-zone' && e.device === 'expe',
    );
    // The E's zone names expc.lab.example as the C's TLS verify subject name: the new one does not hold it.
    expect(server).toMatchObject({
      state: 'failed',
      peerCn: 'expc2.lab.example',
      detail: 'TLS verify subject name expc.lab.example not in certificate',
    });
  });
});
