/**
 * The loopback transport: real TCP and UDP sockets on the lab's 127/8 addresses (architecture decision
 * 1), so that openssl, curl, tshark and any TFTP client can talk to a running lab.
 */
import { createSocket } from 'node:dgram';
import * as net from 'node:net';
import type { Endpoint } from '../events.ts';
import type { PendingStream, StreamListener, StreamTransport } from './transport.ts';
import type { Datagram } from './types.ts';

function endpoints(sock: net.Socket, fallback: Endpoint): { local: Endpoint; remote: Endpoint } {
  return {
    local: { address: sock.localAddress ?? fallback.address, port: sock.localPort ?? fallback.port },
    remote: { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 },
  };
}

/**
 * The accept queue of a listener. Node's default is 511: under a burst of thousands of connections
 * (a scanner, a flood) the kernel then drops the handshakes that overflow it, legitimate ones among
 * them, until the lab has accepted its way through. 4096 is Linux's default `net.core.somaxconn`
 * (since 5.4), which also caps it.
 */
const LISTEN_BACKLOG = 4096;

export const loopbackTransport: StreamTransport = {
  listen(address, port, onStream) {
    const server = net.createServer((sock) =>
      onStream({ stream: sock, ...endpoints(sock, { address, port }) }),
    );
    return new Promise<StreamListener>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      server.once('error', onError);
      server.listen({ host: address, port, exclusive: true, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', onError);
        const a = server.address() as net.AddressInfo;
        resolve({
          endpoint: { address: a.address, port: a.port },
          // Resolves once the port is released, not when every accepted connection has ended: the
          // fabric destroys those itself when the lab stops.
          close: () =>
            new Promise<void>((done) => {
              if (!server.listening) return done();
              server.close();
              setImmediate(done);
            }),
        });
      });
    });
  },

  connect(to): PendingStream {
    const sock = net.connect({ host: to.address, port: to.port, localAddress: to.localAddress });
    const connected = new Promise<
      { ok: true; local: Endpoint } | { ok: false; error: NodeJS.ErrnoException }
    >((resolve) => {
      const onError = (error: NodeJS.ErrnoException) => {
        sock.off('connect', onConnect);
        resolve({ ok: false, error });
      };
      const onConnect = () => {
        sock.off('error', onError);
        resolve({ ok: true, local: { address: sock.localAddress ?? '', port: sock.localPort ?? 0 } });
      };
      sock.once('error', onError);
      sock.once('connect', onConnect);
    });
    return { stream: sock, connected };
  },

  bindDatagram(address, port) {
    const s = createSocket('udp4');
    return new Promise<Datagram>((resolve, reject) => {
      s.once('error', reject);
      const bound = () => {
        s.off('error', reject);
        resolve(s);
      };
      if (address === null) s.bind(port, bound);
      else s.bind({ address, port, exclusive: true }, bound);
    });
  },
};
