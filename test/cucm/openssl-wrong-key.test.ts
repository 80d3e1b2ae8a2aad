/**
 * Seed 000's second finding: the application server presents a certificate with the same name as the
 * one uploaded to CallManager-trust, but signed by another key. OpenSSL takes the uploaded certificate
 * as its issuer (same name, no key identifiers, keyCertSign) and the RSA signature check fails:
 * CUCM's trace shows the seed's `block type is not 01` line, not the line of other chain failures.
 */
import { describe, expect, it } from 'vitest';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { appServerNoCertSignProfile, appServerProfile } from '../../certs/profiles.ts';
import { opensslFirstError } from '../../devices/cucm/openssl-verify.ts';

const ctx = createPkiContext({ seed: 'wrong-key', labStart: new Date() });
const names = { cn: 'apas.lab.example', email: 'info@apas.lab', l: 'Hallbergmoos', c: 'DE' };

describe('a presented certificate named after a trust certificate whose key did not sign it', () => {
  it('is CERT_SIGNATURE_FAILURE at depth 0 against the uploaded certificate, ahead of its purpose error', async () => {
    const uploaded = await issueCertificate(ctx, appServerProfile({ name: 'uploaded', ...names }));
    const presented = await issueCertificate(
      ctx,
      appServerNoCertSignProfile({ name: 'keystore', ...names, overrides: { ski: false, aki: false } }),
    );
    const e = opensslFirstError([presented.cert], [uploaded.cert], Date.now());
    expect(e?.code).toBe('CERT_SIGNATURE_FAILURE');
    expect(e?.depth).toBe(0);
    expect(e?.issuer?.fingerprint256).toBe(uploaded.cert.fingerprint256);
  });

  it('stays DEPTH_ZERO_SELF_SIGNED_CERT when no trust certificate carries its name', async () => {
    const presented = await issueCertificate(
      ctx,
      appServerNoCertSignProfile({ name: 'alone', ...names, overrides: { ski: false, aki: false } }),
    );
    const other = await issueCertificate(ctx, appServerProfile({ name: 'other', ...names, cn: 'other.lab' }));
    expect(opensslFirstError([presented.cert], [other.cert], Date.now())?.code).toBe(
      'DEPTH_ZERO_SELF_SIGNED_CERT',
    );
  });

  it('is not looked up by name when its key identifier names another key (OpenSSL X509_check_issued)', async () => {
    const uploaded = await issueCertificate(ctx, appServerProfile({ name: 'uploaded2', ...names }));
    const presented = await issueCertificate(
      ctx,
      appServerNoCertSignProfile({ name: 'with-akid', ...names }),
    );
    expect(opensslFirstError([presented.cert], [uploaded.cert], Date.now())?.code).not.toBe(
      'CERT_SIGNATURE_FAILURE',
    );
  });
});
