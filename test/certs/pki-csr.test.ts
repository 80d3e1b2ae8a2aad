import { describe, expect } from 'vitest';
import { sanEntries } from '../../certs/chain.ts';
import { generateCsr, parseCsr, signCsr } from '../../certs/csr.ts';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { cucmCaSigningProfile, cucmCsrRequest, enterpriseRootCaProfile } from '../../certs/profiles.ts';
import { itWithPeers } from '../support/peers.ts';
import { openssl } from './pki-support.ts';

const node = { host: 'cucm', domain: 'steven.lab', altNames: ['cucm-sub.steven.lab'] };

describe('CSR', () => {
  itWithPeers(['openssl'], 'an RSA CSR with SANs verifies with openssl req -verify', async () => {
    const ctx = createPkiContext({ seed: 'csr-rsa' });
    const csr = await generateCsr(ctx, cucmCsrRequest(ctx, node, 'tomcat'));
    const r = openssl(['req', '-in', 'r.csr', '-verify', '-noout', '-text'], { 'r.csr': csr.csrPem });
    expect(r.stdout + r.stderr).toContain('verify OK');
    expect(r.stdout).toContain('DNS:cucm.steven.lab, DNS:cucm-sub.steven.lab');
  });

  itWithPeers(['openssl'], 'an EC CSR verifies with openssl req -verify', async () => {
    const ctx = createPkiContext({ seed: 'csr-ec' });
    const csr = await generateCsr(ctx, cucmCsrRequest(ctx, node, 'tomcat-ECDSA'));
    expect(csr.spec).toEqual({ kind: 'ec', curve: 'P-384' });
    const r = openssl(['req', '-in', 'r.csr', '-verify', '-noout'], { 'r.csr': csr.csrPem });
    expect(r.stdout + r.stderr).toContain('verify OK');
  });

  itWithPeers(
    ['openssl'],
    'a certificate a CA issues from the CSR carries its SANs and its key, and verifies',
    async () => {
      const ctx = createPkiContext({ seed: 'csr-sign' });
      const ca = await issueCertificate(
        ctx,
        enterpriseRootCaProfile({ cn: 'steven-DC-CA', dc: ['lab', 'steven'] }),
      );
      const csr = await generateCsr(ctx, cucmCsrRequest(ctx, node, 'tomcat'));
      const cert = await signCsr(ctx, csr, ca, cucmCaSigningProfile(node, 'tomcat'));
      expect(sanEntries(cert.cert)).toEqual([
        { type: 'dns', value: 'cucm.steven.lab' },
        { type: 'dns', value: 'cucm-sub.steven.lab' },
      ]);
      expect(cert.cert.checkPrivateKey(csr.key)).toBe(true);
      const r = openssl(['verify', '-CAfile', 'ca.pem', 'leaf.pem'], {
        'ca.pem': ca.certPem,
        'leaf.pem': cert.certPem,
      });
      expect(r.stdout + r.stderr).toContain('leaf.pem: OK');
    },
  );

  itWithPeers(['openssl'], 'a CSR made by openssl is signed into a certificate with its SANs', async () => {
    const ctx = createPkiContext({ seed: 'csr-foreign' });
    const ca = await issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'foreign-CA' }));
    const key = ctx.keys.take({ kind: 'rsa', bits: 2048 }, 'foreign');
    const r = openssl(
      [
        'req',
        '-new',
        '-key',
        'k.pem',
        '-subj',
        '/CN=expe.uclab.lab',
        '-addext',
        'subjectAltName=DNS:expe.uclab.lab,IP:127.0.0.9',
      ],
      { 'k.pem': key.pkcs8Pem },
    );
    expect(r.ok).toBe(true);
    const info = await parseCsr(r.stdout);
    expect(info.signatureValid).toBe(true);
    const cert = await signCsr(ctx, r.stdout, ca, {
      name: 'expe',
      extKeyUsage: ['serverAuth', 'clientAuth'],
    });
    expect(sanEntries(cert.cert)).toEqual([
      { type: 'dns', value: 'expe.uclab.lab' },
      { type: 'ip', value: '127.0.0.9' },
    ]);
    expect(cert.cert.subject).toBe('CN=expe.uclab.lab');
  });
});
