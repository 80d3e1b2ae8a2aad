/**
 * The transport under the fabric's faults: a `StreamTransport` around the real one that asks the lab's
 * `FaultSet` about every connection attempt, accepted connection and datagram socket. With no fault on
 * it hands the real transport's streams through untouched.
 *
 * - A lab device connecting to (or from) a device that is `down`: refused at once (ECONNREFUSED, or
 *   ENETUNREACH from a down source) or, blackholed, never connected (the client's own timeout ends it).
 *   Nothing reaches the wire, so the listener sees nothing, as with a host that is really gone.
 * - A connection accepted by a `down` device (a peer outside the fabric, e.g. openssl: the kernel has
 *   already completed the TCP handshake) is reset.
 * - A connection accepted under a stream fault gets a `FaultyStream` (fault-stream.ts).
 * - Datagram sockets send through `withDatagramFaults` (fault-datagram.ts).
 *
 * Stream faults act at the listener, so they reach every connection to a lab device, from the lab or
 * from outside it; a lab device's connections to a system outside the lab get only `down`.
 */
import { Duplex } from 'node:stream';
import type { Endpoint } from '../events.ts';
import { withDatagramFaults } from './fault-datagram.ts';
import { describeFault } from './fault-spec.ts';
import { FaultyStream } from './fault-stream.ts';
import type { ActiveFault, FaultSet } from './faults.ts';
import type { PendingStream, RawStream, StreamTransport } from './transport.ts';

/** A stream that never connects (blackholed): ended only by its owner's timeout or the lab stopping. */
class UnansweredStream extends Duplex implements RawStream {
  constructor(
    readonly remoteAddress: string,
    readonly remotePort: number,
    readonly localAddress: string | undefined,
  ) {
    super();
  }
  readonly localPort = undefined;
  setTimeout(): this {
    return this;
  }
  override _read(): void {}
  override _write(_c: Buffer, _e: BufferEncoding, cb: (e?: Error | null) => void): void {
    cb();
  }
}

const ERRNO = { ECONNREFUSED: -111, ENETUNREACH: -101, EHOSTUNREACH: -113 } as const;

function connectError(code: keyof typeof ERRNO, to: Endpoint): NodeJS.ErrnoException {
  const errno = ERRNO[code];
  return Object.assign(new Error(`connect ${code} ${to.address}:${to.port}`), {
    code,
    errno,
    syscall: 'connect',
    address: to.address,
    port: to.port,
  });
}

/** A connection attempt that runs into a `down` fault. */
function downAttempt(
  faults: FaultSet,
  f: ActiveFault,
  to: { address: string; port: number; localAddress?: string | undefined },
): PendingStream {
  const remote = { address: to.address, port: to.port };
  const local = to.localAddress ? { address: to.localAddress, port: 0 } : null;
  const stream = new UnansweredStream(to.address, to.port, to.localAddress);
  if ((f.spec.kind === 'down' ? f.spec.mode : undefined) === 'refuse') {
    // A partition is a router's refusal; a device that is down cannot send; its services refuse.
    const fromDown = to.localAddress === f.address && to.address !== f.address;
    const code = f.peerAddress !== null ? 'EHOSTUNREACH' : fromDown ? 'ENETUNREACH' : 'ECONNREFUSED';
    const error = connectError(code, remote);
    faults.faulted(f, 'refused', local, remote, `${describeFault(f.spec)}: ${error.message}`);
    const connected = new Promise<{ ok: false; error: NodeJS.ErrnoException }>((resolve) =>
      setImmediate(() => {
        stream.destroy();
        resolve({ ok: false, error });
      }),
    );
    return { stream, connected };
  }
  faults.faulted(f, 'blackholed', local, remote, `${describeFault(f.spec)}: no answer`);
  return { stream, connected: new Promise(() => {}) };
}

export function faultTransport(inner: StreamTransport, faults: FaultSet): StreamTransport {
  return {
    listen(address, port, onStream) {
      return inner.listen(address, port, (s) => {
        if (faults.none) return onStream(s);
        const applied = faults.streamFaults(s.local, s.remote.address);
        if (applied.length === 0) return onStream(s);
        const down = applied.find((f) => f.spec.kind === 'down');
        if (down) {
          faults.faulted(down, 'refused', s.local, s.remote, `${describeFault(down.spec)}: connection reset`);
          const raw = s.stream as RawStream & { resetAndDestroy?: () => unknown };
          raw.on('error', () => {});
          if (typeof raw.resetAndDestroy === 'function') raw.resetAndDestroy();
          else raw.destroy();
          return;
        }
        const wrapped = new FaultyStream(s.stream, applied, (f, effect, detail) =>
          faults.faulted(f, effect, s.local, s.remote, `${describeFault(f.spec)}: ${detail}`),
        );
        faults.trackStream(wrapped);
        onStream({ ...s, stream: wrapped });
      });
    },

    connect(to) {
      if (faults.none) return inner.connect(to);
      const f = faults.downFor({ address: to.address, port: to.port }, to.localAddress);
      return f ? downAttempt(faults, f, to) : inner.connect(to);
    },

    async bindDatagram(address, port) {
      return withDatagramFaults(await inner.bindDatagram(address, port), faults);
    },
  };
}
