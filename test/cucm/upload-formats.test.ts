/**
 * The files CUCM's certificate upload takes (seed 003 lines 750-751): one PEM certificate per file,
 * a DER certificate, or a DER PKCS#7 chain; never a PEM bundle, never a PEM PKCS#7.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCsr } from '../../certs/csr.ts';
import { createPkiContext, type Identity, issueCertificate } from '../../certs/issue.ts';
import { joinPemBundle } from '../../certs/pem.ts';
import { pkcs7Der, pkcs7Pem } from '../../certs/pkcs7.ts';
import {
  cucmCaSigningProfile,
  enterpriseIntermediateCaProfile,
  enterpriseRootCaProfile,
} from '../../certs/profiles.ts';
import { type CucmLab, startCucmLab } from './support.ts';

let t: CucmLab;
let root: Identity;
let sub: Identity;

beforeAll(async () => {
  t = await startCucmLab('cucm-upload-formats');
  const ctx = createPkiContext({ seed: 'upload-formats' });
  root = await issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'FMT-ROOT-CA' }));
  sub = await issueCertificate(ctx, enterpriseIntermediateCaProfile({ cn: 'FMT-SUB-CA' }), root);
});
afterAll(async () => {
  await t?.stop();
});

describe('CUCM certificate upload formats', () => {
  it('refuses a PEM file holding two certificates, and adds neither', () => {
    const r = t.pub.uploadTrust('tomcat-trust', joinPemBundle([root.cert, sub.cert]));
    expect(r.ok ? 'uploaded' : r.error.code).toBe('cert.multiple-pem');
    expect(!r.ok && r.error.message).toContain('Only one PEM certificate in a file is supported');
    const files = t.pub.cluster.trust.list().map((e) => e.file);
    expect(files.some((f) => f.includes('FMT-'))).toBe(false);
  });

  it('refuses a PEM PKCS#7 chain with the seed 003 sentence', () => {
    const r = t.pub.uploadTrust('tomcat-trust', pkcs7Pem([root.cert, sub.cert]));
    expect(r.ok ? 'uploaded' : r.error.message).toBe(
      'The system does not support PEM format of PKCS#7 Certificate Chain',
    );
  });

  it('takes a DER certificate and a DER PKCS#7 chain', () => {
    expect(t.pub.uploadTrust('ipsec-trust', Buffer.from(root.cert.raw)).ok).toBe(true);
    const chain = t.pub.uploadTrust('tomcat-trust', pkcs7Der([root.cert, sub.cert]));
    expect(chain.ok && chain.value.length).toBe(2);
  });

  it('takes a CA-signed certificate with its chain as DER PKCS#7 in one file', async () => {
    const ctx = createPkiContext({ seed: 'upload-formats-leaf' });
    const csr = await t.pub.generateCsr('tomcat');
    if (!csr.ok) throw new Error(csr.error.message);
    const leaf = await signCsr(
      ctx,
      csr.value.csrPem,
      sub,
      cucmCaSigningProfile({ host: 'cucm-pub', domain: 'lab.example' }, 'tomcat'),
    );
    const r = await t.pub.uploadCaSigned('tomcat', pkcs7Der([leaf.cert, sub.cert, root.cert]));
    expect(r.ok ? 'uploaded' : r.error.message).toBe('uploaded');
  });
});
