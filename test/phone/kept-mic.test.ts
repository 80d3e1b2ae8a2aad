/**
 * The MIC a phone keeps for its life (devices/phone/manufacturing.ts `kept`): the same certificate
 * and key, without the certificate generator's object tree, which is parsed again only when asked.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPkiContext, type Identity, issueCertificate } from '../../certs/issue.ts';
import { kept, micFor } from '../../devices/phone/manufacturing.ts';
import { canonical } from '../../emulator/net/cert-cache.ts';

describe('the MIC a phone keeps', () => {
  it('holds no parse of its own until one is asked for, and then the same certificate', async () => {
    const ctx = createPkiContext({ seed: 'kept-mic' });
    const id: Identity = await issueCertificate(ctx, { name: 'mic', subject: [['CN', 'SEP001122334455']] });
    // The parse a handshake already shares for these bytes (as CUCM's end of a connection would hold).
    const shared = canonical(new X509Certificate(id.certPem));
    const k = kept(id);
    const descriptor = Object.getOwnPropertyDescriptor(k, 'x509');
    expect(descriptor?.get).toBeTypeOf('function');
    expect(descriptor?.value).toBeUndefined();
    expect(k.x509).not.toBe(id.x509);
    expect(k.x509.subject).toBe(id.x509.subject);
    expect(k.x509).toBe(k.x509);
    expect(k.certPem).toBe(id.certPem);
    // The parse a handshake reading these bytes as a peer certificate is given, not a copy of it.
    expect(k.cert).toBe(shared);
    expect(k.cert).not.toBe(id.cert);
    expect(k.cert.subject).toBe(id.cert.subject);
    expect(k.key).toBe(id.key);
  });

  it("never builds the generator's object tree it leaves behind", async () => {
    const ctx = createPkiContext({ seed: 'kept-mic-lazy' });
    const id: Identity = await issueCertificate(ctx, { name: 'mic', subject: [['CN', 'SEP0011223344AA']] });
    let built = 0;
    const generated = Object.getOwnPropertyDescriptor(id, 'x509')?.get;
    Object.defineProperty(id, 'x509', {
      enumerable: true,
      get: () => {
        built++;
        return generated?.call(id);
      },
    });
    const k = kept(id);
    expect(k.certPem).toBe(id.certPem);
    expect(built).toBe(0);
  });

  it('is what a phone of a lab is given', async () => {
    const ref = { seed: 'kept-mic-lab', start: Date.UTC(2026, 0, 1), scope: {} };
    const mic = await micFor(ref, { model: 'CP-8861', mac: '001122334455', sha1Era: false });
    expect(Object.getOwnPropertyDescriptor(mic, 'x509')?.get).toBeTypeOf('function');
    expect(new X509Certificate(mic.certPem).subject).toMatch(/SEP001122334455/);
  });
});
