/**
 * MRA phone-services registration (seed 003): the Expressway-C forwards a non-secure device over TCP
 * 5060 and a secure one over TLS 5061 with its own certificate, which CUCM takes only when it names the
 * device's phone security profile.
 */
import { describe, expect, it } from 'vitest';
import { admitCsf } from '../../devices/cucm/csf-admission.ts';
import { ExpresswayC } from '../../devices/expressway/expressway-c.ts';
import { Jabber } from '../../devices/expressway/jabber.ts';
import { issueServerCert, labCa } from '../../devices/expressway/pki.ts';
import type { Lab } from '../../emulator/lab.ts';
import { cucmNode, startLab } from './support.ts';

const PROFILE = 'csf-secure.lab.example';

async function mra(name: string): Promise<Lab> {
  const lab = await startLab(name, [
    cucmNode({
      users: [
        { id: 'emusk', devices: ['CSFEMUSK'] },
        { id: 'jdoe', devices: ['CSFJDOE'], csf: { security: 'encrypted', securityProfileName: PROFILE } },
      ],
      certificates: { tomcat: { signedBy: 'enterprise-ca' }, 'tomcat-ECDSA': { signedBy: 'enterprise-ca' } },
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
      certificate: { signedBy: 'public-ca' },
      mra: { expresswayC: 'expc' },
    },
    { kind: 'jabber', name: 'emusk', user: 'emusk', domain: 'lab.example', via: 'expe.lab.example' },
    {
      kind: 'jabber',
      name: 'jdoe',
      user: 'jdoe',
      domain: 'lab.example',
      via: 'expe.lab.example',
      deviceSecurity: 'encrypted',
    },
  ]);
  const ref = { seed: lab.seed, start: lab.clock.start, scope: lab.timeline };
  const cucm = lab.device('cucm') as unknown as { uploadTrust(s: string, p: string): { ok: boolean } };
  expect(cucm.uploadTrust('CallManager-trust', (await labCa(ref, 'enterprise-ca')).certPem).ok).toBe(true);
  return lab;
}

async function registerAs(lab: Lab, who: string) {
  const j = lab.device(who, Jabber);
  expect((await j.login()).ok).toBe(true);
  return j.register();
}

describe('MRA registration through the Expressway-C (seed 003)', () => {
  it("forwards a non-secure device's REGISTER over TCP 5060, and CUCM registers it", async () => {
    const lab = await mra('mra-reg-plain');
    expect((await registerAs(lab, 'emusk')).ok).toBe(true);
    expect(lab.timeline.ofKind('expressway.mra-registration', 'expc')[0]).toMatchObject({
      deviceName: 'CSFEMUSK',
      protocol: 'TCP',
      port: 5060,
      status: 200,
    });
    expect(lab.timeline.ofKind('cucm.registered', 'cucm')[0]).toMatchObject({
      deviceName: 'CSFEMUSK',
      transport: 'tcp',
    });
  });

  it("forwards a secure device's REGISTER over TLS 5061 presenting the Expressway-C certificate", async () => {
    const lab = await mra('mra-reg-tls');
    await registerAs(lab, 'jdoe');
    expect(lab.timeline.ofKind('expressway.mra-registration', 'expc')[0]).toMatchObject({
      deviceName: 'CSFJDOE',
      protocol: 'TLS',
      port: 5061,
    });
    // The connection the Expressway-C opened to CUCM's 5061 (CUCM has other TLS peers, e.g. DRF).
    const sip = lab.timeline
      .ofKind('net.connect', 'cucm')
      .find((c) => c.role === 'server' && c.local.port === 5061);
    const hs = lab.timeline
      .ofKind('tls.handshake', 'cucm')
      .find((h) => h.role === 'server' && h.connId === sip?.connId);
    expect(hs?.peerCert?.subject).toContain('CN=expc.lab.example');
  });

  it('CUCM refuses the secure device when the Expressway-C certificate lacks its phone security profile name', async () => {
    const lab = await mra('mra-reg-no-profile');
    const r = await registerAs(lab, 'jdoe');
    expect(r.ok).toBe(false);
    const [e] = lab.timeline.ofKind('jabber.register', 'jdoe');
    expect(e).toMatchObject({ outcome: 'failed', status: 403, warning: '399 cucm "Device Name Mismatch"' });
  });

  it('CUCM takes the secure device once the Expressway-C certificate names the profile in its SAN', async () => {
    const lab = await mra('mra-reg-profile');
    const ref = { seed: lab.seed, start: lab.clock.start, scope: lab.timeline };
    const id = await issueServerCert(ref, 'expc-2', 'expc.lab.example', { dns: [PROFILE] });
    expect(lab.device('expc', ExpresswayC).uploadServerCertificate(id.certPem, id.keyPem).ok).toBe(true);
    expect((await registerAs(lab, 'jdoe')).ok).toBe(true);
  });
});

describe('CUCM admission of CSF devices', () => {
  const csf = { name: 'CSFJDOE', user: 'jdoe', securityProfileName: PROFILE };
  it('a secure CSF device may not register over TCP', () => {
    const r = admitCsf({ ...csf, security: 'encrypted' }, 'tcp', undefined);
    expect(r.ok ? 'admitted' : r.text).toBe('Security Mode Mismatch');
  });

  it('a non-secure CSF device registers over TCP without a certificate', () => {
    expect(admitCsf({ ...csf, security: 'non-secure' }, 'tcp', undefined).ok).toBe(true);
  });
});
