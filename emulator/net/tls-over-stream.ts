/**
 * A TLS socket over a stream that is not a kernel socket (the in-memory transport; a stream under a
 * fault), made to behave as one over a socket where device code can tell the difference.
 *
 * - Addresses: node:tls reads `remoteAddress`, `localPort` and `address()` from the handle of the
 *   socket it wraps, and a JS stream has none (measured: all undefined), while device code logs them
 *   (the SIP registrar's Via and Contact, Tomcat's access log). The fabric knows both ends and sets
 *   them on the TLS socket.
 * - Close after write: over a JS stream node:tls has one write in flight at a time, finished on a
 *   setImmediate (internal/js_stream_socket.js), and what it encrypted meanwhile waits; `destroy()`
 *   then discards it. Over a kernel socket every write has reached the kernel by the time `write()`
 *   returns, and `close()` still sends it, so "write the answer, destroy" (the Expressway's relay,
 *   an HTTP response with Connection: close) loses nothing. `flushBeforeDestroy` gives the memory
 *   transport the same: a destroy without an error waits until the stream has seen no write for a
 *   whole turn of the event loop, then closes.
 *
 * Over a kernel socket neither is applied: node's own getters and destroy are left alone (no cost).
 */
import { Socket } from 'node:net';
import type { Endpoint } from '../events.ts';

export function carryAddresses(tlsSocket: object, under: unknown, local: Endpoint, remote: Endpoint): void {
  if (under instanceof Socket) return;
  const fixed = (value: unknown) => ({ value, configurable: true, enumerable: false });
  Object.defineProperties(tlsSocket, {
    localAddress: fixed(local.address),
    localPort: fixed(local.port),
    remoteAddress: fixed(remote.address),
    remotePort: fixed(remote.port),
    remoteFamily: fixed('IPv4'),
    address: fixed(() => ({ address: local.address, port: local.port, family: 'IPv4' })),
  });
}

/** A stream that counts the writes it has been given (the memory transport's `MemoryStream`). */
export interface CountsWrites {
  readonly writesSeen: number;
}

/** TLS sockets over the memory transport (see `cannotRenegotiate`). */
const overMemory = new WeakSet<object>();

/**
 * Whether `tlsSocket` runs over the memory transport, where renegotiation is refused before it starts:
 * node:tls over a JS stream answers a renegotiation while its one write is still in flight and fails
 * an internal assertion that ends the process (measured, Node 20: `JSStreamSocket.doWrite`,
 * ERR_INTERNAL_ASSERTION). Scenarios that renegotiate run on loopback.
 */
export function cannotRenegotiate(tlsSocket: object): boolean {
  return overMemory.has(tlsSocket);
}

/** Turns of the event loop a destroy waits at most for the TLS layer's last bytes. */
const MAX_FLUSH_TURNS = 64;

export function flushBeforeDestroy(
  tlsSocket: { destroy(e?: Error): unknown; readonly destroyed: boolean },
  under: CountsWrites,
): void {
  overMemory.add(tlsSocket);
  const destroy = tlsSocket.destroy.bind(tlsSocket);
  let closing = false;
  tlsSocket.destroy = (e?: Error) => {
    if (e || closing || tlsSocket.destroyed) return destroy(e);
    closing = true;
    // -1: the write that came just before this destroy has not been finished yet: wait at least once.
    let seen = -1;
    let turns = 0;
    const check = () => {
      if (tlsSocket.destroyed) return;
      if (under.writesSeen !== seen && turns++ < MAX_FLUSH_TURNS) {
        seen = under.writesSeen;
        setImmediate(check);
        return;
      }
      destroy();
    };
    setImmediate(check);
    return tlsSocket;
  };
}
