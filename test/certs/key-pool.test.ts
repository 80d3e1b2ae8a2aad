import { describe, expect, it } from 'vitest';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { keyPool } from '../../certs/key-pool/index.ts';

describe('key pool', () => {
  it('holds the committed counts of every spec, as PKCS#8 keys of the right type and size', () => {
    const expected = [
      [{ kind: 'rsa', bits: 1024 }, 6],
      [{ kind: 'rsa', bits: 2048 }, 24],
      [{ kind: 'rsa', bits: 4096 }, 2],
      [{ kind: 'ec', curve: 'P-256' }, 8],
      [{ kind: 'ec', curve: 'P-384' }, 8],
      [{ kind: 'ec', curve: 'P-521' }, 2],
    ] as const;
    for (const [spec, count] of expected) {
      expect(keyPool.size(spec)).toBe(count);
      const key = keyPool.take(spec, 'probe');
      expect(key.pkcs8Pem.startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
      const details = key.privateKey.asymmetricKeyDetails;
      if (spec.kind === 'rsa') expect(details?.modulusLength).toBe(spec.bits);
      else expect(key.privateKey.asymmetricKeyType).toBe('ec');
    }
  });

  it('issues 1000 leaf certificates in a few seconds (no key generation at run time)', async () => {
    const ctx = createPkiContext({ seed: 'speed' });
    const ca = await issueCertificate(ctx, {
      name: 'ca',
      subject: 'CN=speed-CA',
      basicConstraints: { ca: true },
      keyUsage: ['keyCertSign'],
    });
    const started = performance.now();
    for (let i = 0; i < 1000; i++) {
      await issueCertificate(ctx, { name: `phone-${i}`, subject: `CN=phone-${i}` }, ca);
    }
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
