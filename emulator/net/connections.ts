/**
 * The connections of one lab: what device code is handed (`Connection`, `TlsConnection`, `Listener`),
 * and the registry behind them. Both ends of an in-lab connection share one id, so the two ends'
 * events can be read together (and the alert side channel finds the other end's verdict). The
 * registry also holds everything the lab must close when it stops.
 */
import type { Endpoint, TlsAlert } from '../events.ts';
import type { UclabError } from '../result.ts';
import type { Handshake, TrustVerdict } from './handshake.ts';
import type { ByteStream, Datagram, SecureStream } from './types.ts';

export interface Connection {
  id: string;
  socket: ByteStream;
  local: Endpoint;
  remote: Endpoint;
}

export interface TlsConnection extends Connection {
  socket: SecureStream;
  handshake: Handshake;
}

export interface ConnectError extends UclabError {
  /** The alert received from the peer (on the wire, or through the side channel from a lab device). */
  alert: TlsAlert | null;
  connId: string | null;
  /** The handshake, when it completed before the connection was refused. */
  handshake?: Handshake;
  /** Our own verdict, when this end refused the peer. */
  verdict?: TrustVerdict;
}

export interface Listener {
  endpoint: Endpoint;
  /** Stops listening; connections already accepted go on until their ends close them. */
  close(): Promise<void>;
}

export interface TlsListener extends Listener {
  /**
   * Swaps the certificates, trust store or cipher settings for new connections without closing the
   * port (as a service restart after a certificate change looks to a new client).
   */
  update(config: import('./config.ts').TlsServerConfig): void;
}

/** Anything the registry closes at shutdown: a socket of any transport. */
export interface Closable {
  destroy(): unknown;
  readonly destroyed: boolean;
  readonly closed?: boolean;
  once(event: 'close', listener: () => void): unknown;
}

export interface ConnEntry {
  id: string;
  /** Ends of this connection the fabric holds open (1 or 2). */
  ends: number;
  /** The client end is a lab device: it will record a verdict on the handshake. */
  fabricClient: boolean;
  /** The server end's handshake has been reported as failed (a deadline, an error): report it once. */
  serverFailed: boolean;
}

export class ConnectionRegistry {
  /**
   * Open connections by their 4-tuple (`client:port>server:port`), while either end is open. An entry
   * goes when its last end closes, so a reused ephemeral port starts a new connection with a new id.
   */
  readonly #conns = new Map<string, ConnEntry>();
  readonly #sockets = new Set<Closable>();
  /** Accepted raw streams of TLS listeners whose handshake has not ended yet (closed at shutdown). */
  readonly #pendingHandshakes = new Set<Closable>();
  readonly #udp = new Set<Datagram>();
  readonly #closers = new Set<() => Promise<void>>();
  #nextConn = 1;
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  newId(): string {
    return `c${this.#nextConn++}`;
  }

  #pairKey(client: Endpoint, server: Endpoint): string {
    return `${client.address}:${client.port}>${server.address}:${server.port}`;
  }

  /** Registers one end of a connection; returns the entry (and id) both ends share. */
  attach(client: Endpoint, server: Endpoint, role: 'client' | 'server', sock: Closable): ConnEntry {
    const key = this.#pairKey(client, server);
    let e = this.#conns.get(key);
    if (!e) {
      e = { id: this.newId(), ends: 0, fabricClient: false, serverFailed: false };
      this.#conns.set(key, e);
    }
    const entry = e;
    entry.ends++;
    if (role === 'client') entry.fabricClient = true;
    sock.once('close', () => {
      if (--entry.ends === 0 && this.#conns.get(key) === entry) this.#conns.delete(key);
    });
    return entry;
  }

  entry(client: Endpoint, server: Endpoint): ConnEntry | undefined {
    return this.#conns.get(this.#pairKey(client, server));
  }

  /** A socket the lab closes when it stops (until it closes by itself). */
  track(sock: Closable): void {
    this.#sockets.add(sock);
    sock.once('close', () => this.#sockets.delete(sock));
  }

  /**
   * A raw stream under a handshake still in progress. Once the handshake ends the secure stream is
   * tracked instead: destroying the raw stream under a live TLS socket has crashed the process.
   */
  trackHandshake(raw: Closable): void {
    this.#pendingHandshakes.add(raw);
    raw.once('close', () => this.#pendingHandshakes.delete(raw));
  }

  handshakeEnded(raw: Closable): void {
    this.#pendingHandshakes.delete(raw);
  }

  trackUdp(s: Datagram): void {
    this.#udp.add(s);
    s.once('close', () => this.#udp.delete(s));
  }

  /** Registers a listener's close; returns the function that closes it and forgets it. */
  addCloser(close: () => Promise<void>): () => Promise<void> {
    this.#closers.add(close);
    return async () => {
      this.#closers.delete(close);
      await close();
    };
  }

  /** Calls `fn` for every open socket and pending handshake (a `down` fault cuts those of its device). */
  eachOpen(fn: (s: Closable) => void): void {
    for (const s of this.#sockets) fn(s);
    for (const s of this.#pendingHandshakes) fn(s);
  }

  /** Closes every socket, pending handshake, UDP socket and listener. Idempotent. */
  async closeAll(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeEach(this.#sockets);
    // Handshakes still in progress: only their raw stream exists to close.
    await closeEach(this.#pendingHandshakes);
    for (const u of this.#udp) {
      try {
        u.close();
      } catch {
        /* already closed */
      }
    }
    await Promise.all([...this.#closers].map((c) => c()));
    this.#closers.clear();
  }

  /** Open handles, for tests that prove an orderly shutdown. */
  openHandles(): {
    sockets: number;
    udp: number;
    listeners: number;
    handshakes: number;
    connections: number;
  } {
    return {
      connections: this.#conns.size,
      sockets: this.#sockets.size,
      udp: this.#udp.size,
      listeners: this.#closers.size,
      handshakes: this.#pendingHandshakes.size,
    };
  }
}

async function closeEach(socks: Set<Closable>): Promise<void> {
  const closing = [...socks].map(
    (s) =>
      new Promise<void>((resolve) =>
        s.destroyed && s.closed ? resolve() : s.once('close', () => resolve()),
      ),
  );
  for (const s of socks) s.destroy();
  await Promise.all(closing);
}
