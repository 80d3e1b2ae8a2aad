import { describe, expect } from 'vitest';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { joinPemBundle } from '../../certs/pem.ts';
import {
  appServerNoCertSignProfile,
  cucmSelfSigned,
  enterpriseIntermediateCaProfile,
  enterpriseRootCaProfile,
  expresswayServerProfile,
  issueCiscoManufacturing,
  lscProfile,
  micProfile,
} from '../../certs/profiles.ts';
import { itWithPeers } from '../support/peers.ts';
import { openssl } from './pki-support.ts';

function verify(caPems: string[], leafPem: string, extra: string[] = []) {
  return openssl(['verify', ...extra, '-CAfile', 'ca.pem', 'leaf.pem'], {
    'ca.pem': caPems.join(''),
    'leaf.pem': leafPem,
  });
}

describe('issued certificates against the real openssl', () => {
  itWithPeers(['openssl'], 'an RSA leaf verifies against its RSA CA', async () => {
    const ctx = createPkiContext({ seed: 'openssl-rsa' });
    const ca = await issueCertificate(
      ctx,
      enterpriseRootCaProfile({ cn: 'lab-root-CA', dc: ['lab', 'uclab'] }),
    );
    const leaf = await issueCertificate(
      ctx,
      expresswayServerProfile({ name: 'expc', cn: 'expc.uclab.lab' }),
      ca,
    );
    const r = verify([ca.certPem], leaf.certPem);
    expect(r.stdout + r.stderr).toContain('leaf.pem: OK');
  });

  itWithPeers(['openssl'], 'an EC leaf verifies against its EC CA', async () => {
    const ctx = createPkiContext({ seed: 'openssl-ec' });
    const ca = await issueCertificate(
      ctx,
      enterpriseRootCaProfile({
        cn: 'ec-root',
        key: { kind: 'ec', curve: 'P-384' },
        overrides: { hash: 'SHA-384' },
      }),
    );
    const leaf = await issueCertificate(
      ctx,
      expresswayServerProfile({
        name: 'ec-leaf',
        cn: 'cucm.lab',
        key: { kind: 'ec', curve: 'P-256' },
        overrides: { hash: 'SHA-384' },
      }),
      ca,
    );
    const r = verify([ca.certPem], leaf.certPem);
    expect(r.stdout + r.stderr).toContain('leaf.pem: OK');
  });

  itWithPeers(['openssl'], 'an EC leaf verifies under an RSA CA', async () => {
    const ctx = createPkiContext({ seed: 'openssl-mixed' });
    const ca = await issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'rsa-root' }));
    const leaf = await issueCertificate(
      ctx,
      expresswayServerProfile({ name: 'ec-leaf', cn: 'cucm-EC.lab', key: { kind: 'ec', curve: 'P-384' } }),
      ca,
    );
    expect(leaf.cert.publicKey.asymmetricKeyType).toBe('ec');
    const r = verify([ca.certPem], leaf.certPem);
    expect(r.stdout + r.stderr).toContain('leaf.pem: OK');
  });

  itWithPeers(['openssl'], 'a three-level chain with an intermediate verifies', async () => {
    const ctx = createPkiContext({ seed: 'openssl-intermediate' });
    const root = await issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'root' }));
    const sub = await issueCertificate(ctx, enterpriseIntermediateCaProfile({ cn: 'issuing-CA-1' }), root);
    const leaf = await issueCertificate(ctx, expresswayServerProfile({ name: 'l', cn: 'cucm.lab' }), sub);
    expect(leaf.chain.map((c) => c.name)).toEqual(['ca/issuing-CA-1', 'ca/root']);
    const r = openssl(['verify', '-CAfile', 'ca.pem', '-untrusted', 'sub.pem', 'leaf.pem'], {
      'ca.pem': root.certPem,
      'sub.pem': sub.certPem,
      'leaf.pem': leaf.certPem,
    });
    expect(r.stdout + r.stderr).toContain('leaf.pem: OK');
  });

  itWithPeers(
    ['openssl'],
    'a SHA-1 RSA-1024 legacy chain fails at auth level 2 and verifies with -auth_level 0',
    async () => {
      const ctx = createPkiContext({ seed: 'openssl-legacy' });
      const ca = await issueCertificate(
        ctx,
        enterpriseRootCaProfile({
          cn: 'legacy-CA',
          key: { kind: 'rsa', bits: 1024 },
          overrides: { hash: 'SHA-1' },
        }),
      );
      const leaf = await issueCertificate(
        ctx,
        expresswayServerProfile({
          name: 'legacy',
          cn: 'spa.lab',
          key: { kind: 'rsa', bits: 1024 },
          overrides: { hash: 'SHA-1' },
        }),
        ca,
      );
      const text = openssl(['x509', '-in', 'leaf.pem', '-noout', '-text'], {
        'leaf.pem': leaf.certPem,
      }).stdout;
      expect(text).toContain('sha1WithRSAEncryption');
      expect(text).toMatch(/Public-Key: \(1024 bit\)/);
      expect(verify([ca.certPem], leaf.certPem, ['-auth_level', '2']).ok).toBe(false);
      const r = verify([ca.certPem], leaf.certPem, ['-auth_level', '0']);
      expect(r.stdout + r.stderr).toContain('leaf.pem: OK');
    },
  );

  itWithPeers(
    ['openssl'],
    'openssl shows keyUsage without Certificate Sign and SAN IP and email as set',
    async () => {
      const ctx = createPkiContext({ seed: 'openssl-text' });
      const cert = await issueCertificate(
        ctx,
        appServerNoCertSignProfile({
          name: 'appserver',
          cn: '192.168.150.170',
          overrides: {
            san: [
              { type: 'ip', value: '192.168.150.170' },
              { type: 'email', value: 'info@appserver.lab' },
            ],
          },
        }),
      );
      const text = openssl(['x509', '-in', 'c.pem', '-noout', '-text'], { 'c.pem': cert.certPem }).stdout;
      expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
      expect(text).not.toContain('Certificate Sign');
      expect(text).toContain('IP Address:192.168.150.170, email:info@appserver.lab');
      expect(text).toMatch(/X509v3 Extended Key Usage: critical\s+TLS Web Server Authentication\n/);
    },
  );

  itWithPeers(['openssl'], 'an LSC verifies against the CAPF certificate that issued it', async () => {
    const ctx = createPkiContext({ seed: 'openssl-lsc' });
    const node = { host: 'cucm-pub', domain: 'uclab.lab' };
    const capf = await issueCertificate(ctx, cucmSelfSigned(ctx, node, 'CAPF'));
    const lsc = await issueCertificate(ctx, lscProfile(ctx, { model: 'CP-8861', mac: 'B000B4BA0AEE' }), capf);
    const r = verify([capf.certPem], lsc.certPem, ['-purpose', 'sslclient']);
    expect(r.stdout + r.stderr).toContain('leaf.pem: OK');
    const text = openssl(['x509', '-in', 'c.pem', '-noout', '-text'], { 'c.pem': lsc.certPem }).stdout;
    expect(text).toContain('IPSec End System');
    expect(text).toMatch(/Issuer: .*CN = CAPF-[0-9a-f]{8}/);
  });

  itWithPeers(['openssl'], 'a MIC verifies through the stand-in Cisco manufacturing hierarchy', async () => {
    const ctx = createPkiContext({ seed: 'openssl-mic' });
    const cisco = await issueCiscoManufacturing(ctx);
    const mic = await issueCertificate(
      ctx,
      micProfile(ctx, { model: 'CP-8861', mac: 'B000B4BA0AEE' }),
      cisco.manufacturingCaSha2,
    );
    const bundle = joinPemBundle([cisco.manufacturingCaSha2.cert, cisco.rootCaM2.cert]);
    const r = verify([bundle], mic.certPem);
    expect(r.stdout + r.stderr).toContain('leaf.pem: OK');
    const legacy = await issueCertificate(
      ctx,
      micProfile(ctx, { model: 'CP-7975G', mac: '001122334455', sha1: true }),
      cisco.manufacturingCa,
    );
    const old = verify([joinPemBundle([cisco.manufacturingCa.cert, cisco.rootCa2048.cert])], legacy.certPem, [
      '-auth_level',
      '0',
    ]);
    expect(old.stdout + old.stderr).toContain('leaf.pem: OK');
  });
});
