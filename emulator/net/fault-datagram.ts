/**
 * UDP under faults: every datagram socket the fabric binds sends through here, and a datagram a fault
 * is on is dropped (`down`, `loss`), sent twice (`duplicate`) or held (`latency`, which may reorder:
 * UDP does). Faults act at the sender, so they reach whatever the lab's own sockets send: in-lab
 * traffic both ways, and the lab's answers to a peer outside it. With no fault on, a send costs one
 * length check on top of the socket's own.
 *
 * The send callback is always called (a dropped datagram "was sent": the wire lost it), so a sender
 * that waits for it, as the TFTP client does before closing, never hangs.
 */
import type { Endpoint } from '../events.ts';
import type { FaultSet } from './faults.ts';
import type { Datagram } from './types.ts';

type SendCallback = (err: Error | null, bytes: number) => void;

function latencyOf(f: { spec: { kind: string }; random(): number }): number {
  const s = f.spec as { kind: string; ms?: number; jitterMs?: number };
  if (s.kind !== 'latency') return 0;
  return Math.max(0, (s.ms ?? 0) + (s.jitterMs ? (f.random() * 2 - 1) * s.jitterMs : 0));
}

/** Makes `socket` send through the lab's faults; returns it. */
export function withDatagramFaults(socket: Datagram, faults: FaultSet): Datagram {
  const send = socket.send.bind(socket) as (...args: unknown[]) => void;
  let from: Endpoint | null = null;
  try {
    const a = socket.address();
    // An unbound source (0.0.0.0, a socket for a system outside the lab) is no lab device.
    from = a.address === '0.0.0.0' ? null : { address: a.address, port: a.port };
  } catch {
    from = null;
  }
  const timers = new Set<NodeJS.Timeout>();
  socket.once('close', () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  });
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const sendNow = (msg: Uint8Array, port: number, address: string, cb?: SendCallback) => {
    try {
      send(msg, port, address, cb);
    } catch (e) {
      // The socket closed while the datagram was held: it is lost, as on a real wire.
      cb?.(e as Error, 0);
    }
  };

  const faulty = (msg: Uint8Array, port: number, address: string, cb?: SendCallback): void => {
    const applied = faults.datagramFaults(from, { address, port });
    if (applied.length === 0) {
      send(msg, port, address, cb);
      return;
    }
    let copies = 1;
    let delay = 0;
    for (const f of applied) {
      const k = f.spec.kind;
      if (k === 'down') {
        faults.count(f, 'dropped');
        copies = 0;
      } else if (k === 'loss' && f.random() * 100 < f.spec.percent) {
        faults.count(f, 'dropped');
        copies = 0;
      } else if (k === 'duplicate' && copies > 0 && f.random() * 100 < f.spec.percent) {
        faults.count(f, 'duplicated');
        copies = 2;
      } else if (k === 'latency') {
        faults.count(f, 'delayed');
        delay += latencyOf(f);
      }
    }
    if (copies === 0) {
      if (cb) later(0, () => cb(null, msg.length));
      return;
    }
    const go = () => {
      sendNow(msg, port, address, copies === 1 ? cb : undefined);
      if (copies === 2) sendNow(msg, port, address, cb);
    };
    if (delay > 0) later(delay, go);
    else go();
  };
  // Device code calls `send(msg, port, address, cb)` (the seam type); any other form passes straight on.
  socket.send = ((...args: unknown[]) => {
    if (faults.none || typeof args[1] !== 'number' || typeof args[2] !== 'string') {
      send(...args);
      return;
    }
    faulty(args[0] as Uint8Array, args[1], args[2], args[3] as SendCallback | undefined);
  }) as Datagram['send'];
  return socket;
}
