/** Unified CM discovery from the Expressway-C against the CUCM model's Tomcat on 8443 (seed 003/004). */
import { describe, expect, it } from 'vitest';
import { ExpresswayC } from '../../devices/expressway/expressway-c.ts';
import { cucmNode, startLab } from './support.ts';

async function discoveryLab(name: string, trust: string[] = ['enterprise-ca']) {
  const lab = await startLab(name, [
    cucmNode({ aliases: ['cucm.lab.example', 'ucm.lab.example'] }),
    { kind: 'expressway-c', name: 'expc', aliases: ['expc.lab.example'], domain: 'lab.example', trust },
  ]);
  return { lab, expc: lab.device('expc', ExpresswayC) };
}

describe('Unified CM discovery', () => {
  it('with TLS verify On, refuses a publisher address the certificate does not hold', async () => {
    const { lab, expc } = await discoveryLab('discovery-name');
    await expc.discoverUnifiedCm('ucm.lab.example', 'On');
    const [e] = lab.timeline.ofKind('expressway.discovery', 'expc');
    expect(e).toMatchObject({
      publisher: 'ucm.lab.example',
      tlsVerify: 'On',
      outcome: 'failed',
      nodes: [],
      message: 'Unable to communicate with ucm.lab.example. TLS verify failed',
    });
    expect(e?.detail).toContain(
      `Detail="Certificate validation failed" Host="ucm.lab.example" Error="Server presented certificate that does not match host ucm.lab.example: {'subjectAltName': (('DNS', 'cucm.lab.example'),)`,
    );
  });

  it('with TLS verify On, names the chain error when the CA is not trusted', async () => {
    const { lab, expc } = await discoveryLab('discovery-chain', []);
    await expc.discoverUnifiedCm('cucm.lab.example', 'On');
    expect(lab.timeline.ofKind('expressway.discovery', 'expc')[0]?.detail).toBe(
      'Detail="Certificate validation failed" Host="cucm.lab.example" Error="[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self signed certificate in certificate chain"',
    );
  });

  it('with TLS verify On, a trusted certificate holding the address discovers the nodes as CUCM advertises them', async () => {
    const { lab, expc } = await discoveryLab('discovery-ok');
    await expc.discoverUnifiedCm('cucm.lab.example', 'On');
    expect(lab.timeline.ofKind('expressway.discovery', 'expc')[0]).toMatchObject({
      outcome: 'discovered',
      nodes: ['cucm.lab.example'],
      detail: null,
    });
  });

  it('with TLS verify Off, the name is not checked', async () => {
    const { lab, expc } = await discoveryLab('discovery-off', []);
    await expc.discoverUnifiedCm('ucm.lab.example', 'Off');
    expect(lab.timeline.ofKind('expressway.discovery', 'expc')[0]?.outcome).toBe('discovered');
  });
});
