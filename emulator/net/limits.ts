/**
 * A listener's limits in force: how many connections it holds in all and per remote
 * address, and how long an accepted connection may stay silent. A refusal and an idle close are
 * recorded on the timeline, so a report shows who was turned away and why.
 */
import type { Endpoint, Timeline } from '../events.ts';
import { DEFAULT_LISTENER_LIMITS, type ListenerLimits } from './config.ts';
import type { RawStream } from './transport.ts';

/** The limits of one listener: its own options over the fabric's defaults, checked. */
export function resolveLimits(
  own: Partial<ListenerLimits> | undefined,
  defaults: Partial<ListenerLimits> | undefined,
): ListenerLimits {
  const l: ListenerLimits = {
    ...DEFAULT_LISTENER_LIMITS,
    ...stripUndefined(defaults),
    ...stripUndefined(own),
  };
  for (const k of ['maxConnections', 'maxConnectionsPerPeer'] as const) {
    if (!Number.isInteger(l[k]) || l[k] < 1)
      throw new RangeError(`listener ${k} ${l[k]} is not a positive integer`);
  }
  if (l.idleTimeoutMs !== null && !(Number.isFinite(l.idleTimeoutMs) && l.idleTimeoutMs > 0)) {
    throw new RangeError(
      `listener idleTimeoutMs ${l.idleTimeoutMs} is not a positive number of ms (or null)`,
    );
  }
  return l;
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  if (!o) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export type Admission =
  | { ok: true; release: () => void }
  | { ok: false; reason: 'per-peer' | 'listener'; limit: number; open: number };

/** Counts a listener's open connections, in all and per remote address. */
export class ConnectionCaps {
  readonly #perPeer = new Map<string, number>();
  #open = 0;

  constructor(readonly limits: ListenerLimits) {}

  /** Admits a connection from `remote`, or says which cap it hit; `release` when it closes. */
  admit(remote: string): Admission {
    const mine = this.#perPeer.get(remote) ?? 0;
    if (mine >= this.limits.maxConnectionsPerPeer) {
      return { ok: false, reason: 'per-peer', limit: this.limits.maxConnectionsPerPeer, open: mine };
    }
    if (this.#open >= this.limits.maxConnections) {
      return { ok: false, reason: 'listener', limit: this.limits.maxConnections, open: this.#open };
    }
    this.#open++;
    this.#perPeer.set(remote, mine + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.#open--;
        const n = (this.#perPeer.get(remote) ?? 1) - 1;
        if (n <= 0) this.#perPeer.delete(remote);
        else this.#perPeer.set(remote, n);
      },
    };
  }
}

/**
 * Admits an accepted stream or turns it away (recorded as `net.refused`, then closed at once: the
 * kernel has already completed the TCP handshake, so closing is the only refusal there is).
 */
export function admitStream(
  caps: ConnectionCaps,
  timeline: Timeline,
  device: string,
  proto: 'tcp' | 'tls',
  endpoint: Endpoint,
  stream: RawStream,
  remote: Endpoint,
): boolean {
  const a = caps.admit(remote.address);
  if (!a.ok) {
    timeline.emit(device, 'net.refused', {
      proto,
      endpoint,
      remote,
      reason: a.reason,
      limit: a.limit,
      open: a.open,
    });
    stream.on('error', () => {});
    stream.destroy();
    return false;
  }
  stream.once('close', a.release);
  return true;
}

/** Something with an inactivity timer: a raw stream, or node:tls's socket over one. */
interface Timed {
  setTimeout(ms: number, callback?: () => void): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
}

/**
 * Closes `sock` after `ms` without traffic, recording `net.timeout`; null leaves it open forever.
 *
 * The timer is the socket's inactivity timer, so every byte either way restarts it: a registered
 * phone's keepalives keep its connection, TLS or not, however long the lab runs. Decided against the
 * product's own keepalive rates, so that the default (240 s, config.ts) never cuts a phone that keeps
 * alive as CallManager asks:
 * - SCCP: CallManager's RegisterAck gives the keepalive interval, 30 s by default (CUCM's Station
 *   KeepAlive Interval service parameter; the lab's RegisterAck says 30, devices/cucm/sccp-station.ts),
 *   and the phone sends KeepAlive at that interval, answered by KeepAliveAck
 *   (docs/reference/sccp-sip.md §1.4): 8 keepalives per idle period.
 * - SIP: the REGISTER 200 OK says `Expires: 120` (the SIP Station KeepAlive Interval, though the
 *   REGISTER asked for 3600; docs/reference/sccp-sip.md §2.2), and the phone re-registers before that
 *   expires: at least 2 REGISTERs per idle period.
 * A phone silent for longer than the idle timeout has missed several keepalives, and CallManager
 * itself would have dropped its registration; closing it is what frees the slot of a vanished peer.
 * (test/net/idle-keepalive.test.ts and test/robustness/idle-keepalive-tls.test.ts.)
 */
export function armIdleTimeout(
  sock: Timed,
  ms: number | null,
  timeline: Timeline,
  device: string,
  event: { connId: string; proto: 'tcp' | 'tls'; local: Endpoint; remote: Endpoint },
): void {
  if (ms === null) return;
  sock.setTimeout(ms, () => {
    if (sock.destroyed) return;
    timeline.emit(device, 'net.timeout', { ...event, role: 'server', idleMs: ms });
    sock.destroy();
  });
}

/** How long a connection the server has ended may wait for its peer to close: 10 s. */
export const END_LINGER_MS = 10_000;

/** What `endAfterAnswer` needs of a stream (a ByteStream or a SecureStream). */
interface Endable {
  end(): unknown;
  destroy(): unknown;
  once(event: 'close', listener: () => void): unknown;
  readonly destroyed: boolean;
}

/**
 * Ends a connection after the last answer written to it: `end()` sends what is queued, then FIN.
 * `destroy()` right after a `write()` drops whatever has not left yet (behind a latency or bandwidth
 * fault, a full socket buffer or TLS records still being encrypted): the peer's request was answered
 * and the answer never arrived. A peer that never closes its side is cut after `lingerMs`, so a
 * connection refused for garbage holds no slot longer than that.
 */
export function endAfterAnswer(stream: Endable, lingerMs: number = END_LINGER_MS): void {
  if (stream.destroyed) return;
  stream.end();
  const t = setTimeout(() => {
    if (!stream.destroyed) stream.destroy();
  }, lingerMs);
  t.unref?.();
  stream.once('close', () => clearTimeout(t));
}
