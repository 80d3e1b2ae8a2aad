/**
 * Seed 003: 78xx/88xx phones over MRA trust only the public CAs of their pre-installed list for the
 * Expressway-E certificate, and disregard any other.
 */
import { describe, expect, it } from 'vitest';
import { MraPhone } from '../../devices/expressway/mra-phone.ts';
import { cucmNode, startLab } from './support.ts';

async function edge(name: string, expeSignedBy: 'enterprise-ca' | 'public-ca') {
  const lab = await startLab(name, [
    cucmNode({
      certificates: { tomcat: { signedBy: 'enterprise-ca' }, 'tomcat-ECDSA': { signedBy: 'enterprise-ca' } },
      phones: [{ name: 'SEPB000B4BA0AEE', model: 'CP-8861' }],
    }),
    {
      kind: 'expressway-c',
      name: 'expc',
      aliases: ['expc.lab.example'],
      domain: 'lab.example',
      unifiedCm: [{ publisher: 'cucm.lab.example' }],
    },
    {
      kind: 'expressway-e',
      name: 'expe',
      aliases: ['expe.lab.example'],
      domain: 'lab.example',
      certificate: { signedBy: expeSignedBy },
      mra: { expresswayC: 'expc' },
    },
    { kind: 'mra-phone', name: 'phone', mac: 'b000b4ba0aee', domain: 'lab.example', via: 'expe.lab.example' },
  ]);
  return { lab, phone: lab.device('phone', MraPhone) };
}

describe('a 78xx/88xx phone provisioning over MRA (seed 003)', () => {
  it('disregards an Expressway-E certificate from the enterprise CA: the TLS handshake fails', async () => {
    const { lab, phone } = await edge('mra-phone-private', 'enterprise-ca');
    expect((await phone.provision()).ok).toBe(false);
    const [e] = lab.timeline.ofKind('mra-phone.provision', 'phone');
    expect(e?.outcome).toBe('failed');
    expect(e?.requests).toHaveLength(1);
    expect(e?.requests[0]?.status).toBeNull();
    // Nothing reached the Expressway-C: the phone refused the edge itself.
    expect(lab.timeline.ofKind('expressway.mra-request', 'expc')).toHaveLength(0);
  });

  it('provisions its SEP<MAC>.cnf.xml over 6972 through an Expressway-E with a public CA certificate', async () => {
    const { lab, phone } = await edge('mra-phone-public', 'public-ca');
    const r = await phone.provision();
    expect(r.ok ? r.value.configFile : r.error.message).toBe('SEPB000B4BA0AEE.cnf.xml');
    const proxied = lab.timeline.ofKind('expressway.mra-request', 'expc').at(-1);
    expect(proxied?.target).toMatch(/^https:\/\/cucm\.lab\.example:6972\/SEPB000B4BA0AEE\.cnf\.xml$/);
  });
});
