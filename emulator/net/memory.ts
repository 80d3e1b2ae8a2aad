/**
 * The in-memory transport: the lab's streams and datagrams carried inside the process, for fleets past
 * the file-descriptor limit (10,000 phones on loopback need 20,000 descriptors). TLS is not
 * simulated: node:tls runs over these streams exactly as over a socket (`tls.connect({ socket })`, a
 * `tls.Server` fed each accepted stream), so handshakes, verdicts, alerts and the key log are those of
 * real OpenSSL; the device code is the same; the fabric records the same events.
 *
 * What it models of TCP and UDP, because the fabric and the devices depend on it:
 * - one listener per `address:port` (EADDRINUSE otherwise), ECONNREFUSED where none listens;
 * - an ephemeral port per connection from the local address's own range (Linux's 32768-60999), never
 *   one still in use, so both ends' 4-tuple, and with it the connection id, is unique;
 * - bytes in order, delivered on a later tick (as a socket's are), FIN as `end` (half-close honoured
 *   only as far as net.Socket's default `allowHalfOpen: false` does), `destroy` as a FIN the peer reads
 *   after the bytes before it, `resetAndDestroy` as a reset the peer sees as ECONNRESET;
 * - the inactivity timer of `socket.setTimeout`;
 * - datagrams to a bound `address:port` delivered whole on a later tick, to nowhere silently lost
 *   (UDP has no refusal the sender sees), a send on a closed socket an error as in node:dgram.
 *
 * What it cannot do: be reached from outside the process (openssl, tshark, a real TFTP client): that
 * is what loopback is for, and why loopback stays the default.
 */
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import type { Endpoint } from '../events.ts';
import type { CountsWrites } from './tls-over-stream.ts';
import type {
  AcceptedStream,
  PendingStream,
  RawStream,
  StreamListener,
  StreamTransport,
} from './transport.ts';
import type { Datagram, DatagramPeer } from './types.ts';

/** Linux's default `net.ipv4.ip_local_port_range`. */
const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_LAST = 60999;

function errno(code: string, n: number, syscall: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${syscall} ${code} ${message}`), { code, errno: n, syscall });
}

/** The ports in use on each address, and the next ephemeral one to try. */
class PortTable {
  readonly #used = new Map<string, Set<number>>();
  readonly #next = new Map<string, number>();

  take(address: string, port: number): boolean {
    let set = this.#used.get(address);
    if (!set) {
      set = new Set();
      this.#used.set(address, set);
    }
    if (set.has(port)) return false;
    set.add(port);
    return true;
  }

  /** A free ephemeral port of `address`, taken; null when the whole range is in use. */
  ephemeral(address: string): number | null {
    const span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    let p = this.#next.get(address) ?? EPHEMERAL_FIRST;
    for (let i = 0; i < span; i++) {
      const port = p;
      p = p >= EPHEMERAL_LAST ? EPHEMERAL_FIRST : p + 1;
      if (this.take(address, port)) {
        this.#next.set(address, p);
        return port;
      }
    }
    return null;
  }

  release(address: string, port: number): void {
    const set = this.#used.get(address);
    if (!set) return;
    set.delete(port);
    if (set.size === 0) this.#used.delete(address);
  }
}

/** One end of an in-process byte stream; its peer is the other end. */
export class MemoryStream extends Duplex implements RawStream, CountsWrites {
  #peer: MemoryStream | null = null;
  #idleMs = 0;
  #idleTimer: NodeJS.Timeout | null = null;
  #lastActivity = Date.now();
  #outbox: (Buffer | null)[] = [];
  #flushing = false;
  #finSent = false;
  #writes = 0;

  constructor(
    readonly localAddress: string,
    readonly localPort: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {
    super({ allowHalfOpen: false });
  }

  /** Two connected ends: `a` at `aEnd`, `b` at `bEnd`. */
  static pair(aEnd: Endpoint, bEnd: Endpoint): [MemoryStream, MemoryStream] {
    const a = new MemoryStream(aEnd.address, aEnd.port, bEnd.address, bEnd.port);
    const b = new MemoryStream(bEnd.address, bEnd.port, aEnd.address, aEnd.port);
    a.#peer = b;
    b.#peer = a;
    return [a, b];
  }

  /** Writes this end has been given (tls-over-stream.ts waits for the TLS layer's last ones). */
  get writesSeen(): number {
    return this.#writes;
  }

  address(): Endpoint & { family: 'IPv4' } {
    return { address: this.localAddress, port: this.localPort, family: 'IPv4' };
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  /** Emits `timeout` after `ms` without a byte either way (0 turns it off), as net.Socket does. */
  setTimeout(ms: number, callback?: () => void): this {
    if (callback) {
      if (ms === 0) this.off('timeout', callback);
      else this.once('timeout', callback);
    }
    this.#idleMs = ms;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    if (ms > 0) {
      this.#touch();
      this.#armIdle(ms);
    }
    return this;
  }

  #touch(): void {
    this.#lastActivity = Date.now();
  }

  #armIdle(after: number): void {
    const t = setTimeout(() => {
      this.#idleTimer = null;
      if (this.destroyed || this.#idleMs === 0) return;
      const quiet = Date.now() - this.#lastActivity;
      if (quiet >= this.#idleMs) {
        this.emit('timeout');
        // As net.Socket: the timer fires again after another idle period unless it is turned off.
        if (!this.destroyed && this.#idleMs > 0) this.#armIdle(this.#idleMs);
      } else {
        this.#armIdle(this.#idleMs - quiet);
      }
    }, after);
    t.unref();
    this.#idleTimer = t;
  }

  override _read(): void {
    // Bytes are pushed as the peer writes them.
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.#touch();
    this.#writes++;
    // Bytes to a peer that has closed are lost, as on a socket before the peer's reset comes back.
    if (this.#peer && !this.#peer.destroyed) this.#send(chunk);
    cb();
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.#send(null);
    cb();
  }

  override _destroy(e: Error | null, cb: (e?: Error | null) => void): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    // A close sends FIN after what was written: the peer reads it in order, then ends.
    this.#send(null);
    cb(e);
  }

  /**
   * Queues bytes (or, null, the FIN) for the peer, delivered together on the next turn of the event
   * loop (setImmediate), not on this one's microtask or nextTick queue. node:tls over a JS stream has
   * one write in flight at a time, finished on a setImmediate (internal/js_stream_socket.js); an
   * answer delivered before that would find the sender's write still open, and an alert the sender
   * queued behind it (a refused certificate) would be lost when it then closes, which a kernel socket
   * never does (measured: the app server's `decrypt_error` arrived as a bare close).
   */
  #send(chunk: Buffer | null): void {
    if (this.#finSent) return;
    if (chunk === null) this.#finSent = true;
    this.#outbox.push(chunk);
    if (this.#flushing) return;
    this.#flushing = true;
    setImmediate(() => {
      this.#flushing = false;
      const peer = this.#peer;
      const out = this.#outbox;
      this.#outbox = [];
      if (this.#finSent) this.#peer = null;
      if (!peer) return;
      for (const c of out) {
        if (c === null) peer.#receiveEnd();
        else peer.#receive(c);
      }
    });
  }

  /** A TCP reset: the peer fails with ECONNRESET, this end closes without error. */
  resetAndDestroy(): this {
    const peer = this.#peer;
    this.#peer = null;
    // A reset discards what was queued: the peer sees ECONNRESET, not the bytes or a FIN.
    this.#outbox = [];
    this.#finSent = true;
    if (peer) {
      setImmediate(() => {
        if (!peer.destroyed) peer.destroy(errno('ECONNRESET', -104, 'read', ''));
      });
    }
    return this.destroy();
  }

  #receive(chunk: Buffer): void {
    if (this.destroyed) return;
    this.#touch();
    this.push(chunk);
  }

  #receiveEnd(): void {
    if (this.destroyed || this.readableEnded) return;
    this.push(null);
  }
}

/** A datagram socket of the memory network. */
export class MemorySocket implements Datagram {
  readonly #events = new EventEmitter();
  #closed = false;

  constructor(
    private readonly net: MemoryNetwork,
    private readonly local: Endpoint,
  ) {}

  address(): { address: string; port: number; family: 'IPv4' } {
    if (this.#closed) throw errno('ERR_SOCKET_DGRAM_NOT_RUNNING', 0, 'address', 'not running');
    return { address: this.local.address, port: this.local.port, family: 'IPv4' };
  }

  send(
    msg: Uint8Array,
    port: number,
    address: string,
    cb?: (err: Error | null, bytes: number) => void,
  ): void {
    if (this.#closed) {
      const e = Object.assign(new Error('Not running'), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
      throw e;
    }
    // The receiver gets its own copy: a sender may reuse its buffer once the callback has run.
    const copy = Buffer.from(msg);
    const from = this.local;
    setImmediate(() => {
      this.net.deliver(copy, from, { address, port });
      cb?.(null, copy.length);
    });
  }

  /** Called by the network: a datagram for this socket. */
  receive(msg: Buffer, from: DatagramPeer): void {
    if (this.#closed) return;
    this.#events.emit('message', msg, {
      address: from.address,
      port: from.port,
      family: 'IPv4',
      size: msg.length,
    });
  }

  close(cb?: () => void): this {
    if (this.#closed) throw errno('ERR_SOCKET_DGRAM_NOT_RUNNING', 0, 'close', 'not running');
    this.#closed = true;
    this.net.unbind(this, this.local);
    setImmediate(() => {
      this.#events.emit('close');
      cb?.();
    });
    return this;
  }

  on(event: string, listener: (...args: never[]) => void): this {
    this.#events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once(event: string, listener: (...args: never[]) => void): this {
    this.#events.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off(event: string, listener: (...args: never[]) => void): this {
    this.#events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }
}

/**
 * One lab's in-process network: its listeners, datagram sockets and ports. Each lab has its own, as
 * each lab has its own address block on loopback.
 */
export class MemoryNetwork implements StreamTransport {
  readonly #listeners = new Map<string, (s: AcceptedStream) => void>();
  readonly #datagrams = new Map<string, MemorySocket>();
  readonly #tcpPorts = new PortTable();
  readonly #udpPorts = new PortTable();

  listen(address: string, port: number, onStream: (s: AcceptedStream) => void): Promise<StreamListener> {
    const p =
      port === 0 ? this.#tcpPorts.ephemeral(address) : this.#tcpPorts.take(address, port) ? port : null;
    if (p === null) {
      return Promise.reject(errno('EADDRINUSE', -98, 'listen', `${address}:${port}`));
    }
    const key = `${address}:${p}`;
    this.#listeners.set(key, onStream);
    let open = true;
    return Promise.resolve({
      endpoint: { address, port: p },
      close: async () => {
        if (!open) return;
        open = false;
        this.#listeners.delete(key);
        this.#tcpPorts.release(address, p);
      },
    });
  }

  connect(to: { address: string; port: number; localAddress?: string | undefined }): PendingStream {
    const localAddress = to.localAddress ?? to.address;
    const localPort = this.#tcpPorts.ephemeral(localAddress);
    const remote = { address: to.address, port: to.port };
    const [client, server] = MemoryStream.pair({ address: localAddress, port: localPort ?? 0 }, remote);
    if (localPort !== null) client.once('close', () => this.#tcpPorts.release(localAddress, localPort));
    const connected = new Promise<
      { ok: true; local: Endpoint } | { ok: false; error: NodeJS.ErrnoException }
    >((resolve) => {
      // A connection completes on a later tick, as a socket's does: the caller attaches its handlers first.
      setImmediate(() => {
        const accept = this.#listeners.get(`${to.address}:${to.port}`);
        const error =
          localPort === null
            ? errno('EADDRNOTAVAIL', -99, 'connect', `${localAddress}: no free local port`)
            : !accept
              ? errno('ECONNREFUSED', -111, 'connect', `${to.address}:${to.port}`)
              : client.destroyed
                ? errno('ECONNABORTED', -103, 'connect', `${to.address}:${to.port}`)
                : null;
        if (error || !accept) {
          server.destroy();
          client.destroy();
          resolve({ ok: false, error: error ?? errno('ECONNREFUSED', -111, 'connect', '') });
          return;
        }
        const local = { address: localAddress, port: localPort as number };
        accept({ stream: server, local: remote, remote: local });
        resolve({ ok: true, local });
      });
    });
    return { stream: client, connected };
  }

  bindDatagram(address: string | null, port: number): Promise<Datagram> {
    // An unbound source (a socket for a system outside the lab) has no lab address: it can send, and
    // what it sends to an address no socket holds is lost.
    const at = address ?? '0.0.0.0';
    const p = port === 0 ? this.#udpPorts.ephemeral(at) : this.#udpPorts.take(at, port) ? port : null;
    if (p === null) return Promise.reject(errno('EADDRINUSE', -98, 'bind', `${at}:${port}`));
    const local = { address: at, port: p };
    const s = new MemorySocket(this, local);
    this.#datagrams.set(`${at}:${p}`, s);
    return Promise.resolve(s);
  }

  /** Hands a datagram to the socket bound at `to`, if any (UDP: otherwise it is lost). */
  deliver(msg: Buffer, from: Endpoint, to: Endpoint): void {
    this.#datagrams.get(`${to.address}:${to.port}`)?.receive(msg, from);
  }

  unbind(s: MemorySocket, at: Endpoint): void {
    const key = `${at.address}:${at.port}`;
    if (this.#datagrams.get(key) === s) this.#datagrams.delete(key);
    this.#udpPorts.release(at.address, at.port);
  }
}

/** A fresh in-memory network for one lab. */
export function memoryTransport(): MemoryNetwork {
  return new MemoryNetwork();
}
