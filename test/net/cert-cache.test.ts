/** Peer certificates parsed and summarised once per content (emulator/net/cert-cache.ts). */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificateOf, summaryOf } from '../../emulator/net/cert-cache.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { derOf } from './support.ts';

const pki = makeTestPki();
const a = derOf(pki.leaf('cucm-a.lab').certPem);
const b = derOf(pki.leaf('cucm-b.lab').certPem);
const fp = (der: Buffer) => new X509Certificate(der).fingerprint256;

describe('the parsed-certificate cache', () => {
  it('hands out one parse per certificate content, and each certificate its own', () => {
    const first = certificateOf(a, fp(a));
    expect(certificateOf(Buffer.from(a), fp(a))).toBe(first);
    const other = certificateOf(b, fp(b));
    expect(other).not.toBe(first);
    expect(other.subject).toBe('CN=cucm-b.lab');
    expect(first.subject).toBe('CN=cucm-a.lab');
  });

  it('does not file a certificate under a fingerprint that is not its own', () => {
    const wrong = certificateOf(b, fp(a).replace(/^../, '00'));
    expect(wrong.subject).toBe('CN=cucm-b.lab');
    expect(certificateOf(a, fp(a).replace(/^../, '00')).subject).toBe('CN=cucm-a.lab');
  });

  it('summarises once, handing each event its own copy', () => {
    const c = certificateOf(a, fp(a));
    const s1 = summaryOf(c);
    const s2 = summaryOf(c);
    expect(s2).toEqual(s1);
    expect(s2).not.toBe(s1);
    expect(summaryOf(certificateOf(b, fp(b))).subject).toBe('CN=cucm-b.lab');
  });
});
