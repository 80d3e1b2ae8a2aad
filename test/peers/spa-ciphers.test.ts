/**
 * Seed 001 lines 186-191: with the Apache provisioning server, the SPA525G2 negotiates
 * ECDHE-RSA-AES256-SHA and the SPA514 DHE-RSA-AES256-SHA, both over TLS 1.0.
 */
import { describe, expect, it } from 'vitest';
import { SpaPhone } from '../../devices/peers/spa-phone.ts';
import { startLab } from './helpers.ts';

async function negotiated(name: string, model: string): Promise<{ version: string; cipher: string }> {
  const lab = await startLab(name, [
    { kind: 'provisioning-server', name: 'prov', sslVerifyClient: 'server' },
    {
      kind: 'spa-phone',
      name: 'spa1',
      mac: '001122334455',
      model,
      firmware: 'spa-7.5.6c',
      profileRule: 'https://prov/Cisco/spa$MA.xml',
    },
  ]);
  const r = await lab.device('spa1', SpaPhone).resync();
  expect(r.ok).toBe(true);
  // The server's side of the handshake, as its log of "the crypto being used" shows it (line 185).
  const hs = lab.timeline.ofKind('tls.handshake', 'prov')[0];
  return { version: hs?.version ?? 'none', cipher: hs?.cipher ?? 'none' };
}

describe('SPA cipher suites with the provisioning server (seed 001)', () => {
  it('an SPA514 negotiates DHE-RSA-AES256-SHA over TLS 1.0', async () => {
    expect(await negotiated('spa514-cipher', 'SPA514G')).toEqual({
      version: 'TLSv1',
      cipher: 'DHE-RSA-AES256-SHA',
    });
  });

  it('an SPA525G2 negotiates ECDHE-RSA-AES256-SHA over TLS 1.0', async () => {
    expect(await negotiated('spa525-cipher', 'SPA525G2')).toEqual({
      version: 'TLSv1',
      cipher: 'ECDHE-RSA-AES256-SHA',
    });
  });
});
