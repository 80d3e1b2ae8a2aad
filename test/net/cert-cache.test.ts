/** Peer certificates kept and summarised once per content (emulator/net/cert-cache.ts). */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonical, canonicalOfPem, summaryOf } from '../../emulator/net/cert-cache.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { derOf } from './support.ts';

const pki = makeTestPki();
const pemA = pki.leaf('cucm-a.lab').certPem;
const a = derOf(pemA);
const b = derOf(pki.leaf('cucm-b.lab').certPem);

describe('the peer-certificate cache', () => {
  it('hands out one object per certificate content, and each certificate its own', () => {
    const first = canonical(new X509Certificate(a));
    expect(canonical(new X509Certificate(Buffer.from(a)))).toBe(first);
    const other = canonical(new X509Certificate(b));
    expect(other).not.toBe(first);
    expect(other.subject).toBe('CN=cucm-b.lab');
    expect(first.subject).toBe('CN=cucm-a.lab');
  });

  it('summarises once, one frozen summary shared by every event about the certificate', () => {
    const c = canonical(new X509Certificate(a));
    const s1 = summaryOf(c);
    expect(summaryOf(canonical(new X509Certificate(Buffer.from(a))))).toBe(s1);
    expect(Object.isFrozen(s1)).toBe(true);
    expect(summaryOf(canonical(new X509Certificate(b))).subject).toBe('CN=cucm-b.lab');
  });

  it('finds a kept certificate from its PEM without parsing it, and none it does not keep', () => {
    const kept = canonical(new X509Certificate(a));
    expect(canonicalOfPem(pemA)).toBe(kept);
    expect(canonicalOfPem(pki.leaf('cucm-never-kept.lab').certPem)).toBeNull();
    expect(canonicalOfPem('not a certificate')).toBeNull();
  });
});
