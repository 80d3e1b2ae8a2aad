import { describe, expect, it } from 'vitest';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { keyPool } from '../../certs/key-pool/index.ts';
import {
  issueCiscoManufacturing,
  issueCucmNode,
  lscProfile,
  sastTokenProfile,
} from '../../certs/profiles.ts';

async function scenarioPki(seed: string) {
  const ctx = createPkiContext({ seed });
  const node = await issueCucmNode(ctx, { host: 'cucm-pub', domain: 'uclab.lab' });
  const cisco = await issueCiscoManufacturing(ctx);
  const token = await issueCertificate(ctx, sastTokenProfile(ctx, 1), cisco.manufacturingCa);
  const capf = node.CAPF;
  if (!capf) throw new Error('no CAPF');
  const lsc = await issueCertificate(ctx, lscProfile(ctx, { model: 'CP-8861', mac: 'B000B4BA0AEE' }), capf);
  return [...Object.values(node), ...Object.values(cisco), token, lsc].map((id) => ({
    name: id?.name,
    subject: id?.cert.subject,
    serial: id?.cert.serialNumber,
    key: id?.keyLabel,
  }));
}

describe('determinism', () => {
  it('issuing the same scenario PKI twice gives the same serials and subject names', async () => {
    const a = await scenarioPki('scenario-42');
    const b = await scenarioPki('scenario-42');
    expect(a).toEqual(b);
    expect(a.some((x) => /CN=CAPF-[0-9a-f]{8}/.test(x.subject ?? ''))).toBe(true);
    expect(a.some((x) => /CN=SAST-ADN[0-9a-f]{8}\\ /.test(x.subject ?? ''))).toBe(true);
  });

  it('a different seed gives different serials and CAPF names', async () => {
    const a = await scenarioPki('scenario-42');
    const b = await scenarioPki('scenario-43');
    expect(a.map((x) => x.serial)).not.toEqual(b.map((x) => x.serial));
    expect(a.find((x) => x.name?.endsWith('/CAPF'))?.subject).not.toEqual(
      b.find((x) => x.name?.endsWith('/CAPF'))?.subject,
    );
  });

  it('the key pool maps one label to one key, always', () => {
    const spec = { kind: 'rsa', bits: 2048 } as const;
    expect(keyPool.take(spec, 'cucm-pub/CallManager').pkcs8Pem).toBe(
      keyPool.take(spec, 'cucm-pub/CallManager').pkcs8Pem,
    );
  });

  it('two labels in one lab get different keys', async () => {
    const ctx = createPkiContext({ seed: 'keys' });
    const spec = { kind: 'rsa', bits: 2048 } as const;
    const labels = Array.from({ length: 24 }, (_, i) => `label-${i}`);
    const keys = labels.map((l) => ctx.keys.take(spec, l).pkcs8Pem);
    expect(new Set(keys).size).toBe(24);
    const a = await issueCertificate(ctx, { name: 'a', subject: 'CN=a' });
    const b = await issueCertificate(ctx, { name: 'b', subject: 'CN=b' });
    expect(a.keyPem).not.toBe(b.keyPem);
  });

  it('regenerating a certificate under the same name gives a new key and a new serial', async () => {
    const ctx = createPkiContext({ seed: 'regen' });
    const first = await issueCertificate(ctx, { name: 'cucm/CallManager', subject: 'CN=cucm' });
    const second = await issueCertificate(ctx, { name: 'cucm/CallManager', subject: 'CN=cucm' });
    expect(second.keyPem).not.toBe(first.keyPem);
    expect(second.cert.serialNumber).not.toBe(first.cert.serialNumber);
  });
});
