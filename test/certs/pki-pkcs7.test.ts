import { describe, expect } from 'vitest';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { toPem } from '../../certs/pem.ts';
import { pkcs7Der, pkcs7Pem, readPkcs7 } from '../../certs/pkcs7.ts';
import { enterpriseRootCaProfile, expresswayServerProfile } from '../../certs/profiles.ts';
import { itWithPeers } from '../support/peers.ts';
import { openssl } from './pki-support.ts';

async function twoCerts() {
  const ctx = createPkiContext({ seed: 'pkcs7' });
  const ca = await issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'p7-root' }));
  const leaf = await issueCertificate(
    ctx,
    expresswayServerProfile({ name: 'p7-leaf', cn: 'cucm.p7.lab' }),
    ca,
  );
  return { ca, leaf };
}

describe('PKCS#7', () => {
  itWithPeers(
    ['openssl'],
    'PEM output is labelled PKCS7 and openssl pkcs7 -print_certs lists both certificates',
    async () => {
      const { ca, leaf } = await twoCerts();
      const pem = pkcs7Pem([leaf.cert, ca.cert]);
      expect(pem.startsWith('-----BEGIN PKCS7-----\n')).toBe(true);
      const r = openssl(['pkcs7', '-in', 'chain.p7b', '-print_certs', '-noout'], { 'chain.p7b': pem });
      expect(r.ok).toBe(true);
      expect(r.stdout).toContain('subject=O = Lab, C = PL, CN = cucm.p7.lab');
      expect(r.stdout).toContain('subject=CN = p7-root');
    },
  );

  itWithPeers(
    ['openssl'],
    'DER output reads back into the same certificates, and so does a CMS-labelled PEM',
    async () => {
      const { ca, leaf } = await twoCerts();
      const der = pkcs7Der([leaf.cert, ca.cert]);
      const r = openssl(['pkcs7', '-inform', 'DER', '-in', 'chain.p7b', '-print_certs', '-noout'], {
        'chain.p7b': der,
      });
      expect(r.stdout.match(/subject=/g)?.length).toBe(2);
      for (const input of [der, toPem(der, 'CMS'), toPem(der, 'PKCS7')]) {
        const certs = readPkcs7(input);
        expect(certs.map((c) => c.fingerprint256)).toEqual([
          leaf.cert.fingerprint256,
          ca.cert.fingerprint256,
        ]);
      }
    },
  );
});
