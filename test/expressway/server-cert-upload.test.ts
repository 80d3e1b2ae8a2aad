/** Seed 003's server certificate upload rules for an externally requested certificate and its key. */
import { describe, expect, it } from 'vitest';
import { checkServerCertificate } from '../../devices/expressway/trust-store.ts';
import { Lab } from '../../emulator/lab.ts';
import { externallyRequestedCertificate } from '../../scenarios/kits/expressway.ts';

async function certificate(key: 'rsa2048' | 'rsa8192', wildcard = false) {
  const lab = await Lab.create({ name: `upload-${key}-${wildcard}` });
  try {
    return await externallyRequestedCertificate(lab, { cn: 'expc.lab.example', key, wildcard });
  } finally {
    await lab.stop();
  }
}

describe('Expressway server certificate upload (seed 003)', () => {
  it('refuses a certificate with an 8192-bit key', async () => {
    const id = await certificate('rsa8192');
    const r = checkServerCertificate(id.certPem, id.keyPem);
    expect(r.ok ? 'accepted' : r.error.code).toBe('expressway.cert.key-too-long');
  });

  it('takes a 2048-bit certificate whose key file ends with a newline, without a warning', async () => {
    const id = await certificate('rsa2048');
    const r = checkServerCertificate(id.certPem, id.keyPem);
    expect(r.ok ? r.value.warnings : 'refused').toEqual([]);
  });

  it('refuses an externally requested wildcard certificate', async () => {
    const id = await certificate('rsa2048', true);
    const r = checkServerCertificate(id.certPem, id.keyPem);
    expect(r.ok ? 'accepted' : r.error.code).toBe('expressway.cert.wildcard');
  });
});
