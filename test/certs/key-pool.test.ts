import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { keyPool } from '../../certs/key-pool/index.ts';

const KEYS = join(import.meta.dirname, '..', '..', 'certs', 'key-pool', 'keys');

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

  it('issued certificates carry keys from the committed pool (no key generation at run time)', async () => {
    const ctx = createPkiContext({ seed: 'pool-only' });
    const ca = await issueCertificate(ctx, {
      name: 'ca',
      subject: 'CN=pool-CA',
      basicConstraints: { ca: true },
      keyUsage: ['keyCertSign'],
    });
    const poolText = readdirSync(KEYS)
      .map((f) => readFileSync(join(KEYS, f), 'utf8'))
      .join('');
    for (let i = 0; i < 40; i++) {
      const id = await issueCertificate(ctx, { name: `phone-${i}`, subject: `CN=phone-${i}` }, ca);
      expect(poolText).toContain(id.keyPem.trim());
    }
  });
});
