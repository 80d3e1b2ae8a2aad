import { describe, expect, it } from 'vitest';
import { Fabric } from '../../emulator/net/fabric.ts';
import { loopbackTransport } from '../../emulator/net/loopback.ts';
import type { StreamTransport } from '../../emulator/net/transport.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { newLab } from './support.ts';

const pki = makeTestPki();
const server = pki.leaf('cucm.lab');

/** The loopback transport, counting what the fabric asks of it. */
function countingTransport(): { transport: StreamTransport; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    transport: {
      listen: (address, port, onStream) => {
        calls.push(`listen ${port}`);
        return loopbackTransport.listen(address, port, (s) => {
          calls.push(`accept ${s.local.port}`);
          onStream(s);
        });
      },
      connect: (to) => {
        calls.push(`connect ${to.port}`);
        return loopbackTransport.connect(to);
      },
      bindDatagram: (address, port) => {
        calls.push(`bind ${port}`);
        return loopbackTransport.bindDatagram(address, port);
      },
    },
  };
}

describe('the transport under the fabric', () => {
  it('carries TCP, TLS and UDP for the fabric that is given it', async () => {
    const lab = await newLab('transport');
    const { transport, calls } = countingTransport();
    const fabric = new Fabric({ block: lab.block, timeline: lab.timeline, transport });
    try {
      fabric.addHost('cucm');
      fabric.addHost('phone');
      await fabric.listenTls('cucm', 2443, { identities: [server] }, { onConnection: (c) => c.socket.end() });
      await fabric.listenTcp('cucm', 2000, (c) => c.socket.end());
      await fabric.bindUdp('cucm', 6969);
      const tls = await fabric.connectTls('phone', { host: 'cucm', port: 2443 }, { trust: [pki.ca.certPem] });
      expect(tls.ok).toBe(true);
      const tcp = await fabric.connectTcp('phone', { host: 'cucm', port: 2000 });
      expect(tcp.ok).toBe(true);
      expect(calls).toEqual([
        'listen 2443',
        'listen 2000',
        'bind 6969',
        'connect 2443',
        'accept 2443',
        'connect 2000',
        'accept 2000',
      ]);
    } finally {
      await fabric.close();
    }
  });
});
