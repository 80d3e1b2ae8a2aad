/**
 * The certificate an end presented, as its handshake records it: one parsed object per certificate
 * content (emulator/net/handshake.ts `presentedCertificate`), however many connections present it, since a
 * registration keeps its handshake, at both ends, for as long as it is up; and each identity still
 * its own certificate.
 */
import { describe, expect, it } from 'vitest';
import type { TlsConnection } from '../../emulator/net/connections.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { newLab } from './support.ts';

const pki = makeTestPki();
const server = pki.leaf('cucm.lab');
const phoneA = pki.leaf('SEP00000000000A');
const phoneB = pki.leaf('SEP00000000000B');

describe('the certificate a handshake records as presented', () => {
  it('is one object for every connection presenting the same certificate, and each identity its own', async () => {
    const lab = await newLab('local-cert');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone-a');
    lab.fabric.addHost('phone-b');
    const accepted: TlsConnection[] = [];
    await lab.fabric.listenTls(
      'cucm',
      5061,
      { identities: [server], requestCert: true },
      { onConnection: (c) => accepted.push(c) },
    );
    const connect = async (device: string, id: { certPem: string; keyPem: string }) => {
      const r = await lab.fabric.connectTls(device, { host: 'cucm', port: 5061 }, { identity: id });
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    const a1 = await connect('phone-a', phoneA);
    const a2 = await connect('phone-a', phoneA);
    const b1 = await connect('phone-b', phoneB);
    expect(a1.handshake.localCert).not.toBeNull();
    expect(a2.handshake.localCert).toBe(a1.handshake.localCert);
    expect(b1.handshake.localCert).not.toBe(a1.handshake.localCert);
    expect(a1.handshake.localCert?.subject).toBe('CN=SEP00000000000A');
    expect(b1.handshake.localCert?.subject).toBe('CN=SEP00000000000B');
    // The server end presented its one certificate on every connection: one object too.
    expect(accepted).toHaveLength(3);
    const serverCerts = new Set(accepted.map((c) => c.handshake.localCert));
    expect(serverCerts.size).toBe(1);
    expect(accepted.map((c) => c.handshake.peerChain[0]?.subject).sort()).toEqual([
      'CN=SEP00000000000A',
      'CN=SEP00000000000A',
      'CN=SEP00000000000B',
    ]);
    for (const c of [a1, a2, b1, ...accepted]) c.socket.destroy();
  });
});
