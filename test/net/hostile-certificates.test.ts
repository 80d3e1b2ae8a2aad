import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarizeCertificate } from '../../emulator/net/cert-summary.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { itWithPeers, run } from '../support/peers.ts';
import { newLab, withKeyOffCurve, withNotAfterMonth13 } from './support.ts';

const pki = makeTestPki();
const server = pki.leaf('cucm.lab');
const client = pki.leaf('SEP001122334455');

describe('certificates a peer chooses', () => {
  it('a notAfter that does not parse is summarised as the text Node gives, not thrown', () => {
    const bad = new X509Certificate(withNotAfterMonth13(client.certPem));
    const s = summarizeCertificate(bad);
    expect(s.notAfter).toBe('Bad time value');
    expect(s.notBefore).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(s.subject).toBe('CN=SEP001122334455');
  });

  it('a public key that does not decode is summarised as unreadable, not thrown', () => {
    const bad = new X509Certificate(withKeyOffCurve(client.certPem));
    expect(() => bad.publicKey).toThrow();
    const s = summarizeCertificate(bad);
    expect(s.keyType).toMatch(/^unreadable public key \(.*decode error.*\)$/);
    expect(s.subject).toBe('CN=SEP001122334455');
  });

  itWithPeers(
    ['openssl'],
    'openssl s_client presenting a client certificate with month 13 is recorded and the listener keeps serving',
    async () => {
      const lab = await newLab('month-13');
      lab.fabric.addHost('cucm');
      const addr = lab.fabric.addressOf('cucm');
      await lab.fabric.listenTls(
        'cucm',
        2443,
        { identities: [server], trust: [pki.ca.certPem], requestCert: true },
        { onConnection: (c) => c.socket.end('ok\n') },
      );
      const badCert = join(pki.dir, 'month-13.crt');
      writeFileSync(badCert, withNotAfterMonth13(client.certPem));
      const args = (cert: string) => [
        's_client',
        '-connect',
        `${addr}:2443`,
        '-cert',
        cert,
        '-key',
        client.keyFile,
      ];
      const first = await run('openssl', [...args(badCert), '-ign_eof'], { timeoutMs: 15_000 });
      const hs = await lab.timeline.waitFor(
        'the server to record the month-13 certificate',
        (e) => e.kind === 'tls.handshake' && e.role === 'server' && e.peerCert?.notAfter === 'Bad time value',
        { timeoutMs: 5000 },
      );
      expect(hs.kind === 'tls.handshake' && hs.chainError).toBeTruthy();
      expect(first.stdout).toContain('ok');
      const second = await run('openssl', [...args(client.certFile), '-ign_eof'], { timeoutMs: 15_000 });
      expect(second.stdout).toContain('ok');
    },
  );
});
