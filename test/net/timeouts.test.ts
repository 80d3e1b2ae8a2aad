import { describe, expect, it } from 'vitest';
import { makeTestPki } from '../support/openssl-pki.ts';
import { closed, newLab, rawConnect } from './support.ts';

const pki = makeTestPki();
const server = pki.leaf('cucm.lab');

describe('handshake deadline', () => {
  it('a peer that opens TCP and never says hello is closed at the deadline, recorded as tls.failed', async () => {
    const lab = await newLab('deadline-silent');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('scanner');
    await lab.fabric.listenTls(
      'cucm',
      2445,
      { identities: [server], timeoutMs: 300 },
      { onConnection: () => {} },
    );
    const peer = await rawConnect(lab.fabric.addressOf('cucm'), 2445, lab.fabric.addressOf('scanner'));
    await closed(peer, 'the silent peer');
    const failed = await lab.timeline.waitFor(
      'the handshake deadline to be recorded',
      (e) => e.kind === 'tls.failed' && e.role === 'server',
    );
    expect(failed).toMatchObject({ code: 'tls.handshake-timeout', alert: null });
    expect(failed.kind === 'tls.failed' && failed.message).toMatch(/no TLS handshake from .* within 300 ms/);
    expect(lab.fabric.openHandles().handshakes).toBe(0);
  });

  it('a peer that keeps dripping a ClientHello is closed at the deadline all the same', async () => {
    // Slowloris on the handshake: bytes keep coming, the handshake never completes.
    const lab = await newLab('deadline-drip');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('slowloris');
    await lab.fabric.listenTls(
      'cucm',
      2445,
      { identities: [server], timeoutMs: 500 },
      { onConnection: () => {} },
    );
    const peer = await rawConnect(lab.fabric.addressOf('cucm'), 2445, lab.fabric.addressOf('slowloris'));
    // A handshake record header claiming 16 KB, then its body one byte at a time.
    peer.write(Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00]));
    const drip = setInterval(() => peer.write(Buffer.from([0x01])), 100);
    try {
      await closed(peer, 'the dripping peer', 3000);
    } finally {
      clearInterval(drip);
    }
    const failed = lab.timeline.ofKind('tls.failed', 'cucm');
    expect(failed.map((e) => e.code)).toEqual(['tls.handshake-timeout']);
  });
});

describe('idle timeout', () => {
  it('a TLS connection silent for the idle timeout is closed and recorded as net.timeout', async () => {
    const lab = await newLab('idle-tls');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone');
    await lab.fabric.listenTls(
      'cucm',
      2445,
      { identities: [server] },
      { onConnection: () => {} },
      { idleTimeoutMs: 300 },
    );
    const r = await lab.fabric.connectTls('phone', { host: 'cucm', port: 2445 }, { trust: [pki.ca.certPem] });
    if (!r.ok) throw new Error(r.error.message);
    r.value.socket.resume();
    await closed(r.value.socket, 'the idle TLS connection');
    const timeouts = lab.timeline.ofKind('net.timeout', 'cucm');
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]).toMatchObject({ connId: r.value.id, proto: 'tls', role: 'server', idleMs: 300 });
    expect(timeouts[0]?.remote.address).toBe(lab.fabric.addressOf('phone'));
  });

  it('a TCP connection silent for the idle timeout is closed and recorded as net.timeout', async () => {
    const lab = await newLab('idle-tcp');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone');
    await lab.fabric.listenTcp('cucm', 2000, () => {}, { idleTimeoutMs: 300 });
    const r = await lab.fabric.connectTcp('phone', { host: 'cucm', port: 2000 });
    if (!r.ok) throw new Error(r.error.message);
    r.value.socket.resume();
    await closed(r.value.socket, 'the idle TCP connection');
    expect(lab.timeline.ofKind('net.timeout', 'cucm')).toMatchObject([
      { connId: r.value.id, proto: 'tcp', idleMs: 300 },
    ]);
  });

  it('an idle timeout that is not a positive number of ms is refused when the listener opens', async () => {
    const lab = await newLab('idle-bad');
    lab.fabric.addHost('cucm');
    await expect(lab.fabric.listenTcp('cucm', 2000, () => {}, { idleTimeoutMs: 0 })).rejects.toThrow(
      /idleTimeoutMs 0 is not a positive number of ms \(or null\)/,
    );
  });
});
