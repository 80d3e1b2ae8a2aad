/**
 * Seed 004 line 419: the trusted CA list is each Expressway-C peer's own, so it must be updated "on all
 * servers of the cluster"; the Expressway-E hands MRA requests to every peer.
 */
import { describe, expect, it } from 'vitest';
import { ExpresswayC } from '../../devices/expressway/expressway-c.ts';
import { Jabber } from '../../devices/expressway/jabber.ts';
import { caCertificate, caSignCucmCertificate } from '../../scenarios/kits/expressway.ts';
import { cucmNode, startLab } from './support.ts';

async function cluster(name: string) {
  const peers = ['expc1', 'expc2'];
  const lab = await startLab(name, [
    // tomcat from the enterprise CA, which both peers trust; RSA preferred (upgraded from X14.0).
    cucmNode(),
    ...peers.map((p) => ({
      kind: 'expressway-c',
      name: p,
      aliases: [`${p}.lab.example`],
      domain: 'lab.example',
      upgradedFrom: 'X14.0',
      unifiedCm: [{ publisher: 'cucm.lab.example' }],
    })),
    {
      kind: 'expressway-e',
      name: 'expe',
      aliases: ['expe.lab.example'],
      domain: 'lab.example',
      certificate: { signedBy: 'public-ca' },
      mra: { expresswayC: peers },
    },
    { kind: 'jabber', name: 'jabber', user: 'emusk', domain: 'lab.example', via: 'expe.lab.example' },
  ]);
  return { lab, jabber: lab.device('jabber', Jabber) };
}

describe('an Expressway-C cluster behind one Expressway-E (seed 004)', () => {
  it('the Expressway-E hands MRA connections to the Expressway-C peers in turn', async () => {
    const { lab, jabber } = await cluster('c-cluster-turns');
    await jabber.login();
    const served = ['expc1', 'expc2'].map((p) => lab.timeline.ofKind('expressway.mra-request', p).length);
    expect(served).toEqual([2, 1]);
  });

  it('a peer without the CA fails the requests it serves while the peer with it verifies them', async () => {
    const { lab, jabber } = await cluster('c-cluster-one-peer');
    await caSignCucmCertificate(lab, 'cucm', 'tomcat', 'other-ca');
    expect(lab.device('expc1', ExpresswayC).uploadTrust(await caCertificate(lab, 'other-ca')).ok).toBe(true);
    expect((await jabber.login()).ok).toBe(false);
    const failed = (p: string) =>
      lab.timeline.ofKind('expressway.mra-request', p).filter((r) => r.outcome === 'origin-failed').length;
    expect([failed('expc1'), failed('expc2')]).toEqual([0, 1]);
  });
});
