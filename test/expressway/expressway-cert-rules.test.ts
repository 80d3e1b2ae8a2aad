import { describe, expect, it } from 'vitest';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { cucmSelfSigned, expresswayServerProfile, faults } from '../../certs/profiles.ts';
import { parseMraPath } from '../../devices/expressway/mra.ts';
import { decideOrigin, errorDepth } from '../../devices/expressway/origin.ts';
import { checkServerCertificate, ExpresswayTrustStore } from '../../devices/expressway/trust-store.ts';

const ctx = createPkiContext({ seed: 'expressway-rules' });
const node = { host: 'cucm', domain: 'steven.lab' };

describe('Expressway certificate rules', () => {
  it('decodes the seed 004 MRA token to domain, host and port', () => {
    const r = parseMraPath(
      '/c3RldmVuLmxhYi9odHRwcy8xMC40OC4zNi4yMTUvODQ0Mw/cucm-uds/user/emusk/devices?max=100',
    );
    expect(
      r.ok && r.value.type === 'proxy' ? [r.value.target.host, r.value.target.port, r.value.path] : r,
    ).toEqual(['10.48.36.215', 8443, '/cucm-uds/user/emusk/devices?max=100']);
  });

  it('refuses a second trusted certificate with the same CN (CSCwa12905)', async () => {
    const tomcat = await issueCertificate(ctx, cucmSelfSigned(ctx, node, 'tomcat'));
    const callManager = await issueCertificate(ctx, cucmSelfSigned(ctx, node, 'CallManager'));
    const store = new ExpresswayTrustStore();
    expect(store.append(tomcat.certPem).ok).toBe(true);
    const second = store.append(callManager.certPem);
    expect(second.ok ? 'accepted' : second.error.code).toBe('expressway.trust.same-cn');
    expect(store.append(tomcat.certPem).ok).toBe(true);
  });

  it('refuses a server certificate without clientAuth with the seed 003 message', async () => {
    const id = await issueCertificate(
      ctx,
      faults.serverAuthOnly(expresswayServerProfile({ name: 'x1', cn: 'expc.lab' })),
    );
    const r = checkServerCertificate(id.certPem, id.keyPem);
    expect(r.ok ? 'accepted' : r.error.message).toBe(
      'Invalid certificate: The file provided does not have a client usage attribute. The certificate must be usable for both servers and clients for Unified Communications.',
    );
  });

  it('refuses a wildcard server certificate', async () => {
    const id = await issueCertificate(
      ctx,
      faults.wildcard(expresswayServerProfile({ name: 'x2', cn: 'expc.lab' }), 'lab'),
    );
    const r = checkServerCertificate(id.certPem, id.keyPem);
    expect(r.ok ? 'accepted' : r.error.code).toBe('expressway.cert.wildcard');
  });

  it('warns when the private key file does not end with a newline', async () => {
    const id = await issueCertificate(ctx, expresswayServerProfile({ name: 'x3', cn: 'expc.lab' }));
    const r = checkServerCertificate(id.certPem, id.keyPem.trimEnd());
    expect(r.ok ? r.value.warnings.length : -1).toBe(1);
  });

  it('reports depth 0 for a self-signed origin certificate and the SNI line for a missing address', async () => {
    const ec = await issueCertificate(ctx, cucmSelfSigned(ctx, node, 'tomcat-ECDSA'));
    const remote = { address: '10.48.36.215', port: 6972 };
    const d = decideOrigin(
      { peerChain: [ec.cert], chainError: 'DEPTH_ZERO_SELF_SIGNED_CERT', remote },
      'cucm.steven.lab',
      true,
    );
    expect(d.lines[0]).toBe(
      '[ET_NET 0] WARNING: Core server certificate verification failed for (cucm.steven.lab). Action=Terminate Error=self signed certificate server=cucm.steven.lab(10.48.36.215) depth=0',
    );
    const sni = decideOrigin({ peerChain: [ec.cert], chainError: null, remote }, '10.48.36.215', true);
    expect(sni.lines[0]).toBe(
      '[ET_NET 0] WARNING: SNI (10.48.36.215) not in certificate. Action=Terminate server=10.48.36.215(10.48.36.215)',
    );
    expect(errorDepth('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', [ec.cert, ec.cert])).toBe(1);
  });
});
