/**
 * Seed 004: a CUCM certificate signed by a CA the Expressway-C does not trust fails X14.2's origin
 * verification one level above the server certificate (`depth=1`), and passes once that CA is trusted.
 */
import { describe, expect, it } from 'vitest';
import { ExpresswayC } from '../../devices/expressway/expressway-c.ts';
import { Jabber } from '../../devices/expressway/jabber.ts';
import { caCertificate, caSignCucmCertificate } from '../../scenarios/kits/expressway.ts';
import { cucmNode, startLab } from './support.ts';

async function lab(name: string) {
  const l = await startLab(name, [
    cucmNode({ certificates: {} }),
    {
      kind: 'expressway-c',
      name: 'expc',
      aliases: ['expc.lab.example'],
      domain: 'lab.example',
      release: 'X14.2',
      upgradedFrom: 'X14.0',
      unifiedCm: [{ publisher: 'cucm.lab.example' }],
    },
    { kind: 'jabber', name: 'jabber', user: 'emusk', domain: 'lab.example', via: 'expc', tls: false },
  ]);
  await caSignCucmCertificate(l, 'cucm', 'tomcat', 'other-ca');
  return { lab: l, expc: l.device('expc', ExpresswayC), jabber: l.device('jabber', Jabber) };
}

describe('X14.2 origin verification of a certificate from an unknown CA (seed 004)', () => {
  it('fails at depth=1 with the chain error, not at depth=0', async () => {
    const { lab: l, jabber } = await lab('unknown-ca-depth');
    expect((await jabber.login()).ok).toBe(false);
    const addr = l.fabric.addressOf('cucm');
    expect(l.timeline.logLines('expc')).toContain(
      `[ET_NET 0] WARNING: Core server certificate verification failed for (cucm.lab.example). Action=Terminate Error=self signed certificate in certificate chain server=cucm.lab.example(${addr}) depth=1`,
    );
    const [req] = l.timeline
      .ofKind('expressway.mra-request', 'expc')
      .filter((r) => r.outcome === 'origin-failed');
    expect(req?.origin?.reason).toBe('self signed certificate in certificate chain at depth 1');
  });

  it("signs in once the signing CA is in the Expressway-C's trusted CA list", async () => {
    const { lab: l, expc, jabber } = await lab('unknown-ca-trusted');
    expect(expc.uploadTrust(await caCertificate(l, 'other-ca')).ok).toBe(true);
    expect((await jabber.login()).ok).toBe(true);
  });
});
