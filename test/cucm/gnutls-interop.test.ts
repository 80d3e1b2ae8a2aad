/**
 * A second TLS stack against the CUCM model: GnuTLS (gnutls-cli) instead of OpenSSL, as some
 * third-party application servers and older phones use, completes the same handshakes.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Identity } from '../../certs/issue.ts';
import { itWithPeers, startPeer } from '../support/peers.ts';
import { type CucmLab, issueLsc, PHONE, startCucmLab, waitOutput, writeTemp } from './support.ts';

let t: CucmLab;

beforeAll(async () => {
  t = await startCucmLab('cucm-gnutls', {
    phones: [{ name: PHONE, model: 'CP-8861', protocol: 'SIP', security: 'encrypted', line: '1001' }],
  });
});
afterAll(async () => {
  await t?.stop();
});

function trustArgs(unit: 'CallManager' | 'TVS'): string[] {
  const ca = writeTemp(t.dir, `gnutls-${unit}.crt`, t.pub.certs.own(unit).identity.certPem);
  return [`--x509cafile=${ca}`, '--verify-hostname=cucm-pub.lab.example'];
}

function clientArgs(id: Identity): string[] {
  const cert = writeTemp(t.dir, 'gnutls-lsc.crt', [id.certPem, ...id.chain.map((c) => c.certPem)].join(''));
  const key = writeTemp(t.dir, 'gnutls-lsc.key', id.keyPem);
  return [`--x509certfile=${cert}`, `--x509keyfile=${key}`];
}

describe('gnutls-cli as a second TLS stack', () => {
  itWithPeers(
    ['gnutls-cli'],
    'completes mutual TLS on 5061 with a phone LSC and gets 200 OK to OPTIONS',
    async () => {
      const lsc = await issueLsc(t.pub);
      const peer = await startPeer(
        'gnutls-cli',
        ['-p', '5061', ...trustArgs('CallManager'), ...clientArgs(lsc), t.pub.address],
        /Handshake was completed/,
      );
      const options = [
        `OPTIONS sip:${t.pub.address}:5061 SIP/2.0`,
        'Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKgnutls',
        'From: <sip:gnutls@127.0.0.1>;tag=1',
        `To: <sip:${t.pub.address}>`,
        'Call-ID: gnutls@test',
        'CSeq: 1 OPTIONS',
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      peer.child.stdin?.write(options);
      await waitOutput(peer, /SIP\/2\.0 200 OK/);
      await peer.stop();
      expect(peer.output()).toContain('Status: The certificate is trusted.');
    },
  );

  itWithPeers(
    ['gnutls-cli'],
    'verifies the TVS certificate on 2445 against the node TVS certificate',
    async () => {
      const peer = await startPeer(
        'gnutls-cli',
        ['-p', '2445', ...trustArgs('TVS'), t.pub.address],
        /Handshake was completed/,
      );
      await peer.stop();
      expect(peer.output()).toContain('Status: The certificate is trusted.');
    },
  );
});
