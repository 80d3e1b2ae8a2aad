/**
 * The network fabric (architecture decisions 1 and 2). Devices open sockets only through it, so that
 * every connection, handshake and trust verdict lands on the timeline, the TLS key log is written, and
 * every socket is closed when the lab stops.
 *
 * Sockets are real: servers bind the device's own loopback address on the real Cisco port, clients bind
 * their device address as `localAddress`. So openssl, curl, tshark and any TFTP client can talk to a
 * running lab, and a phone model can talk to a real CUCM.
 *
 * Trust is decided in two layers (decision 3). OpenSSL gives the chain result (`rejectUnauthorized` is
 * always false, the device's trust store is the `ca`); then the device's `verify` hook applies the
 * product's own rules and returns a verdict. A rejection is recorded with the alert a real device
 * would send, because Node cannot send certificate alerts: it closes the socket. When both ends are lab
 * devices, each end waits for the other end's verdict before it reports the connection, so a client
 * learns "handshake failed, alert certificate_expired(45)" exactly as a real phone would.
 */

import { X509Certificate } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { appendFileSync } from 'node:fs';
import * as net from 'node:net';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import type { AddressBlock } from './address-block.ts';
import type { CertSummary, Endpoint, Timeline, TlsAlert } from './events.ts';
import { err, ok, type Result, type UclabError } from './result.ts';
import { alertFromErrorCode } from './tls-alerts.ts';

export type { UdpSocket };

/** A certificate and key a device presents, PEM encoded; `chain` holds intermediates to send along. */
export interface TlsIdentity {
  certPem: string;
  keyPem: string;
  chainPem?: string[];
}

interface TlsCommonConfig {
  /** Trust anchors (PEM) OpenSSL checks the peer chain against. */
  trust?: string[];
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** OpenSSL cipher string; legacy firmware needs `...:@SECLEVEL=0` (toolchain-facts 2.2, 2.3). */
  ciphers?: string;
  sigalgs?: string;
  secureOptions?: number;
  /** Hard cap on how long the handshake (and the peer's verdict) may take. */
  timeoutMs?: number;
}

export interface TlsServerConfig extends TlsCommonConfig {
  /** One identity, or an RSA and an ECDSA one: OpenSSL picks by the client's preference. */
  identities: TlsIdentity[];
  requestCert?: boolean;
  /** Default false: choose the certificate by the client's cipher order (toolchain-facts 2.7). */
  honorCipherOrder?: boolean;
  /** 'auto': DH parameters matching the key size, so DHE suites are offered (none without). */
  dhparam?: 'auto';
}

export interface TlsClientConfig extends TlsCommonConfig {
  identity?: TlsIdentity;
  /** SNI to send; defaults to the target host when it is a name. `false` sends none. */
  servername?: string | false;
}

/** What a device sees of a completed handshake, for its own trust rules. */
export interface Handshake {
  connId: string;
  role: 'client' | 'server';
  version: string;
  cipher: string;
  sni: string | null;
  localCert: X509Certificate | null;
  /** Peer leaf first, then what the peer sent or OpenSSL built, up to the root. */
  peerChain: X509Certificate[];
  /** OpenSSL's verdict on the chain against `trust`, e.g. `CERT_HAS_EXPIRED`; null when it verified. */
  chainError: string | null;
  local: Endpoint;
  remote: Endpoint;
}

/** A device's trust verdict on a handshake (layer two of decision 3). */
export interface TrustVerdict {
  accepted: boolean;
  reason: string;
  /** The alert a real device sends when it rejects; recorded on the timeline for the peer. */
  alert?: TlsAlert | null;
}

export type VerifyHook = (h: Handshake) => TrustVerdict | Promise<TrustVerdict>;

export interface Connection<S extends net.Socket = net.Socket> {
  id: string;
  socket: S;
  local: Endpoint;
  remote: Endpoint;
}

export interface TlsConnection extends Connection<tls.TLSSocket> {
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
  update(config: TlsServerConfig): void;
}

export interface Target {
  host: string;
  port: number;
}

export interface FabricOptions {
  block: AddressBlock;
  timeline: Timeline;
  /** NSS key log file (SSLKEYLOGFILE format); lines are also kept in memory. */
  keylogPath?: string | null;
  /** Let lookups of names outside the host table fall through to literal IPs (probes of real systems). */
  allowExternal?: boolean;
}

const PEER_VERDICT_WAIT_MS = 5_000;

interface ConnEntry {
  id: string;
  /** Ends of this connection the fabric holds open (1 or 2). */
  ends: number;
  /** The client end is a lab device: it will record a verdict on the handshake. */
  fabricClient: boolean;
  /** The server end's accepted TCP socket. */
  raw: net.Socket | null;
}

interface HostEntry {
  name: string;
  address: string;
  aliases: string[];
}

function summarize(c: X509Certificate): CertSummary {
  const key = c.publicKey;
  const details = key.asymmetricKeyDetails;
  const keyType =
    key.asymmetricKeyType === 'ec'
      ? `EC ${details?.namedCurve ?? ''}`.trim()
      : `${(key.asymmetricKeyType ?? 'unknown').toUpperCase()} ${details?.modulusLength ?? ''}`.trim();
  return {
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    serial: c.serialNumber,
    sha256: c.fingerprint256,
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: new Date(c.validTo).toISOString(),
    keyType,
    selfSigned: c.subject === c.issuer && c.checkIssued(c),
  };
}

/** The secure-context part of a server's options: what `update()` may swap on a live listener. */
function serverContextOptions(config: TlsServerConfig): tls.SecureContextOptions {
  return {
    key: config.identities.map((i) => i.keyPem),
    cert: config.identities.map((i) => [i.certPem, ...(i.chainPem ?? [])].join('\n')),
    ca: config.trust && config.trust.length > 0 ? config.trust : undefined,
    minVersion: config.minVersion,
    maxVersion: config.maxVersion,
    ciphers: config.ciphers,
    sigalgs: config.sigalgs,
    secureOptions: config.secureOptions,
    // setSecureContext() resets it to true when absent; the default here is the client's preference.
    honorCipherOrder: config.honorCipherOrder ?? false,
    ...(config.dhparam ? { dhparam: config.dhparam } : {}),
  } as tls.SecureContextOptions;
}

function peerChainOf(sock: tls.TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  let detailed = sock.getPeerCertificate(true) as tls.DetailedPeerCertificate | Record<string, never>;
  const seen = new Set<string>();
  while (detailed && 'raw' in detailed && detailed.raw) {
    const fp = detailed.fingerprint256;
    if (seen.has(fp)) break;
    seen.add(fp);
    out.push(new X509Certificate(detailed.raw));
    detailed = detailed.issuerCertificate;
  }
  return out;
}

/**
 * OpenSSL's chain result. A peer that sent no certificate shows as `UNABLE_TO_GET_ISSUER_CERT` in Node
 * (toolchain-facts 2.6), a misleading name: it is reported here as `NO_PEER_CERTIFICATE`.
 */
function chainErrorOf(sock: tls.TLSSocket): string | null {
  if (sock.authorized) return null;
  const peer = sock.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return 'NO_PEER_CERTIFICATE';
  return String(sock.authorizationError ?? 'UNKNOWN');
}

function localCertOf(sock: tls.TLSSocket): X509Certificate | null {
  const c = sock.getX509Certificate();
  return c ?? null;
}

export class Fabric {
  readonly block: AddressBlock;
  readonly timeline: Timeline;
  readonly keylog: string[] = [];
  readonly #hosts = new Map<string, HostEntry>();
  readonly #byAddress = new Map<string, HostEntry>();
  readonly #keylogPath: string | null;
  readonly #allowExternal: boolean;
  readonly #closers = new Set<() => Promise<void>>();
  readonly #sockets = new Set<net.Socket>();
  readonly #udp = new Set<UdpSocket>();
  /**
   * Open connections by their 4-tuple (`client:port>server:port`), while either end is open: the two
   * ends of an in-lab connection share one id. An entry goes when its last end closes, so a reused
   * ephemeral port starts a new connection with a new id.
   */
  readonly #conns = new Map<string, ConnEntry>();
  /** Accepted TCP sockets of TLS listeners whose handshake has not ended yet (closed at shutdown). */
  readonly #pendingHandshakes = new Set<net.Socket>();
  /** Server endpoints of this fabric, so a client knows its peer is a lab device that will give a verdict. */
  readonly #tlsListeners = new Set<string>();
  #nextHost = 10;
  #nextConn = 1;
  #closed = false;

  constructor(opts: FabricOptions) {
    this.block = opts.block;
    this.timeline = opts.timeline;
    this.#keylogPath = opts.keylogPath ?? null;
    this.#allowExternal = opts.allowExternal ?? false;
  }

  // ---------------------------------------------------------------- host table

  /** Gives a device the next address of the lab block; `aliases` are extra names (FQDNs) for it. */
  addHost(name: string, aliases: string[] = []): string {
    if (this.#hosts.has(name.toLowerCase())) throw new Error(`host name ${name} is already in the lab`);
    const address = this.block.host(this.#nextHost++);
    const entry: HostEntry = { name, address, aliases };
    for (const n of [name, ...aliases]) this.#hosts.set(n.toLowerCase(), entry);
    this.#byAddress.set(address, entry);
    return address;
  }

  /** Adds a name for an existing lab host (e.g. an FQDN learned later). */
  addAlias(name: string, alias: string): void {
    const entry = this.#hosts.get(name.toLowerCase());
    if (!entry) throw new Error(`no lab host named ${name}`);
    entry.aliases.push(alias);
    this.#hosts.set(alias.toLowerCase(), entry);
  }

  /** The address of a lab name or an IP literal, or an error naming the host. */
  resolve(host: string): Result<string> {
    const entry = this.#hosts.get(host.toLowerCase());
    if (entry) return ok(entry.address);
    if (isIP(host)) return ok(host);
    return err({
      code: 'fabric.unknown-host',
      message: `${host} is not in the lab's host table${this.#allowExternal ? ' and is not an IP address' : ''}`,
    });
  }

  /** The lab host name behind an address, if it is one of ours. */
  hostAt(address: string): string | null {
    return this.#byAddress.get(address)?.name ?? null;
  }

  addressOf(device: string): string {
    const entry = this.#hosts.get(device.toLowerCase());
    if (!entry) throw new Error(`no lab host named ${device}`);
    return entry.address;
  }

  /** A `dns.lookup`-compatible function over the host table, for libraries that take one. */
  readonly lookup = (
    hostname: string,
    _options: unknown,
    callback: (e: NodeJS.ErrnoException | null, address: string, family: number) => void,
  ): void => {
    const r = this.resolve(hostname);
    if (r.ok) callback(null, r.value, 4);
    else callback(Object.assign(new Error(r.error.message), { code: 'ENOTFOUND' }), '', 4);
  };

  /** The TFTP port a lab uses: 69 where the process may bind it, else `fallback`. */
  tftpPort(fallback = 6969): number {
    return this.block.privilegedPorts ? 69 : fallback;
  }

  // ---------------------------------------------------------------- plumbing

  #newConnId(): string {
    return `c${this.#nextConn++}`;
  }

  #pairKey(client: Endpoint, server: Endpoint): string {
    return `${client.address}:${client.port}>${server.address}:${server.port}`;
  }

  /** Registers one end of a connection; returns the id both ends share. */
  #attach(client: Endpoint, server: Endpoint, role: 'client' | 'server', sock: net.Socket): ConnEntry {
    const key = this.#pairKey(client, server);
    let e = this.#conns.get(key);
    if (!e) {
      e = { id: this.#newConnId(), ends: 0, fabricClient: false, raw: null };
      this.#conns.set(key, e);
    }
    const entry = e;
    entry.ends++;
    if (role === 'client') entry.fabricClient = true;
    else entry.raw = sock;
    sock.once('close', () => {
      if (--entry.ends === 0 && this.#conns.get(key) === entry) this.#conns.delete(key);
    });
    return entry;
  }

  #entry(client: Endpoint, server: Endpoint): ConnEntry | undefined {
    return this.#conns.get(this.#pairKey(client, server));
  }

  #track(sock: net.Socket): void {
    this.#sockets.add(sock);
    sock.once('close', () => this.#sockets.delete(sock));
  }

  #writeKeylog(line: Buffer): void {
    const text = line.toString('latin1');
    this.keylog.push(text.endsWith('\n') ? text.slice(0, -1) : text);
    if (this.#keylogPath) appendFileSync(this.#keylogPath, text.endsWith('\n') ? text : `${text}\n`);
  }

  #localAddressFor(device: string, targetAddress: string): string | undefined {
    // A loopback lab address cannot reach a real system elsewhere; let the kernel choose then.
    return targetAddress.startsWith('127.') ? this.addressOf(device) : undefined;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the lab fabric is closed');
  }

  #listenOn(server: net.Server, address: string, port: number): Promise<Endpoint> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      server.once('error', onError);
      server.listen({ host: address, port, exclusive: true }, () => {
        server.off('error', onError);
        const a = server.address() as net.AddressInfo;
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  #registerServer(server: net.Server, endpoint: Endpoint): Listener {
    // Resolves once the port is released, not when every accepted connection has ended: the
    // fabric destroys those itself when the lab stops.
    const close = () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close();
        setImmediate(resolve);
      });
    this.#closers.add(close);
    return {
      endpoint,
      close: async () => {
        this.#closers.delete(close);
        this.#tlsListeners.delete(`${endpoint.address}:${endpoint.port}`);
        await close();
      },
    };
  }

  // ---------------------------------------------------------------- TCP

  async listenTcp(device: string, port: number, onConnection: (c: Connection) => void): Promise<Listener> {
    this.#assertOpen();
    const address = this.addressOf(device);
    const server = net.createServer((sock) => {
      this.#track(sock);
      const local = { address: sock.localAddress ?? address, port: sock.localPort ?? port };
      const remote = { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
      const id = this.#attach(remote, local, 'server', sock).id;
      this.timeline.emit(device, 'net.connect', { connId: id, proto: 'tcp', role: 'server', local, remote });
      sock.once('close', () => this.timeline.emit(device, 'net.close', { connId: id, role: 'server' }));
      sock.on('error', (e: NodeJS.ErrnoException) =>
        this.timeline.emit(device, 'net.error', { connId: id, code: e.code ?? 'ERROR', message: e.message }),
      );
      onConnection({ id, socket: sock, local, remote });
    });
    const endpoint = await this.#listenOn(server, address, port);
    this.timeline.emit(device, 'net.listen', { proto: 'tcp', endpoint });
    return this.#registerServer(server, endpoint);
  }

  async connectTcp(
    device: string,
    target: Target,
    opts: { timeoutMs?: number } = {},
  ): Promise<Result<Connection, ConnectError>> {
    this.#assertOpen();
    const resolved = this.resolve(target.host);
    if (!resolved.ok) return err({ ...resolved.error, alert: null, connId: null });
    const address = resolved.value;
    return new Promise((resolve) => {
      const sock = net.connect({
        host: address,
        port: target.port,
        localAddress: this.#localAddressFor(device, address),
      });
      this.#track(sock);
      const timer = setTimeout(() => {
        sock.destroy();
        resolve(
          err({
            code: 'fabric.timeout',
            message: `no TCP connection to ${target.host}:${target.port} within ${opts.timeoutMs ?? 10_000} ms`,
            alert: null,
            connId: null,
          }),
        );
      }, opts.timeoutMs ?? 10_000);
      sock.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        this.timeline.emit(device, 'net.error', {
          connId: null,
          code: e.code ?? 'ERROR',
          message: e.message,
        });
        resolve(
          err({
            code: `net.${e.code ?? 'error'}`,
            message: `TCP connection to ${target.host}:${target.port} failed: ${e.message}`,
            alert: null,
            connId: null,
          }),
        );
      });
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        const local = { address: sock.localAddress ?? '', port: sock.localPort ?? 0 };
        const remote = { address, port: target.port };
        const id = this.#attach(local, remote, 'client', sock).id;
        this.timeline.emit(device, 'net.connect', {
          connId: id,
          proto: 'tcp',
          role: 'client',
          local,
          remote,
        });
        sock.once('close', () => this.timeline.emit(device, 'net.close', { connId: id, role: 'client' }));
        sock.on('error', (e: NodeJS.ErrnoException) =>
          this.timeline.emit(device, 'net.error', {
            connId: id,
            code: e.code ?? 'ERROR',
            message: e.message,
          }),
        );
        resolve(ok({ id, socket: sock, local, remote }));
      });
    });
  }

  // ---------------------------------------------------------------- TLS

  #handshakeOf(
    sock: tls.TLSSocket,
    id: string,
    role: 'client' | 'server',
    local: Endpoint,
    remote: Endpoint,
  ): Handshake {
    const cipher = sock.getCipher();
    const sni =
      role === 'server' ? (sock as tls.TLSSocket & { servername?: string | false }).servername || null : null;
    return {
      connId: id,
      role,
      version: sock.getProtocol() ?? 'unknown',
      cipher: cipher?.name ?? 'unknown',
      sni,
      localCert: localCertOf(sock),
      peerChain: peerChainOf(sock),
      chainError: chainErrorOf(sock),
      local,
      remote,
    };
  }

  #emitHandshake(device: string, h: Handshake): void {
    this.timeline.emit(device, 'tls.handshake', {
      connId: h.connId,
      role: h.role,
      version: h.version,
      cipher: h.cipher,
      sni: h.sni,
      localCert: h.localCert ? summarize(h.localCert) : null,
      peerCert: h.peerChain[0] ? summarize(h.peerChain[0]) : null,
      peerChain: h.peerChain.slice(1).map(summarize),
      chainError: h.chainError,
    });
  }

  async #decide(device: string, h: Handshake, verify: VerifyHook | undefined): Promise<TrustVerdict> {
    let v: TrustVerdict;
    try {
      v = verify
        ? await verify(h)
        : {
            accepted: true,
            reason: h.chainError ? `no product checks (chain: ${h.chainError})` : 'chain verified',
          };
    } catch (e) {
      v = { accepted: false, reason: `verify hook failed: ${(e as Error).message}`, alert: null };
    }
    this.timeline.emit(device, 'tls.verdict', {
      connId: h.connId,
      role: h.role,
      accepted: v.accepted,
      reason: v.reason,
      alert: v.alert ?? null,
    });
    return v;
  }

  /** Waits for the other end's verdict on this connection, when the other end is a lab device. */
  async #peerVerdict(
    connId: string,
    peerRole: 'client' | 'server',
  ): Promise<{ accepted: boolean; alert: TlsAlert | null } | null> {
    try {
      const e = await this.timeline.waitFor(
        `the ${peerRole}'s verdict on ${connId}`,
        (ev) =>
          (ev.kind === 'tls.verdict' && ev.connId === connId && ev.role === peerRole) ||
          (ev.kind === 'tls.failed' && ev.connId === connId && ev.role === peerRole),
        { timeoutMs: PEER_VERDICT_WAIT_MS },
      );
      if (e.kind === 'tls.verdict') return { accepted: e.accepted, alert: e.alert };
      if (e.kind === 'tls.failed') return { accepted: false, alert: null };
      return null;
    } catch {
      return null;
    }
  }

  #secureContextCache = new Map<string, tls.SecureContext>();

  /** One secure context per identity and option set (decision 9: a context per connection halves the rate). */
  #clientContext(config: TlsClientConfig): tls.SecureContext {
    const key = JSON.stringify([
      config.identity?.certPem,
      config.trust,
      config.minVersion,
      config.maxVersion,
      config.ciphers,
      config.sigalgs,
      config.secureOptions,
    ]);
    let ctx = this.#secureContextCache.get(key);
    if (!ctx) {
      ctx = tls.createSecureContext({
        cert: config.identity
          ? [config.identity.certPem, ...(config.identity.chainPem ?? [])].join('\n')
          : undefined,
        key: config.identity?.keyPem,
        ca: config.trust && config.trust.length > 0 ? config.trust : undefined,
        minVersion: config.minVersion,
        maxVersion: config.maxVersion,
        ciphers: config.ciphers,
        sigalgs: config.sigalgs,
        secureOptions: config.secureOptions,
      });
      this.#secureContextCache.set(key, ctx);
    }
    return ctx;
  }

  async listenTls(
    device: string,
    port: number,
    config: TlsServerConfig,
    handlers: {
      verify?: VerifyHook;
      onConnection: (c: TlsConnection) => void;
      onFailure?: (e: ConnectError) => void;
    },
  ): Promise<TlsListener> {
    this.#assertOpen();
    const address = this.addressOf(device);
    const server = tls.createServer({
      ...serverContextOptions(config),
      requestCert: config.requestCert ?? false,
      rejectUnauthorized: false,
      honorCipherOrder: config.honorCipherOrder ?? false,
      handshakeTimeout: config.timeoutMs ?? 10_000,
    });
    server.on('keylog', (line) => this.#writeKeylog(line));
    server.on('connection', (raw: net.Socket) => {
      // Tracked as a pending handshake only: once it ends, the TLSSocket is tracked instead, and
      // destroying the TCP socket under a live TLSSocket has crashed the process.
      this.#pendingHandshakes.add(raw);
      raw.once('close', () => this.#pendingHandshakes.delete(raw));
      const local = { address: raw.localAddress ?? address, port: raw.localPort ?? port };
      const remote = { address: raw.remoteAddress ?? '', port: raw.remotePort ?? 0 };
      const id = this.#attach(remote, local, 'server', raw).id;
      this.timeline.emit(device, 'net.connect', { connId: id, proto: 'tls', role: 'server', local, remote });
      raw.once('close', () => this.timeline.emit(device, 'net.close', { connId: id, role: 'server' }));
    });
    server.on('tlsClientError', (e: NodeJS.ErrnoException, sock: tls.TLSSocket) => {
      const local = { address: sock.localAddress ?? address, port: sock.localPort ?? port };
      const remote = { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
      const entry = this.#entry(remote, local);
      if (entry?.raw) this.#pendingHandshakes.delete(entry.raw);
      const id = entry?.id ?? null;
      const received = alertFromErrorCode(e.code) ?? (id ? this.timeline.alertFor(id, 'client') : null);
      this.timeline.emit(device, 'tls.failed', {
        connId: id,
        role: 'server',
        code: e.code ?? 'ERROR',
        message: e.message,
        alert: received,
      });
      handlers.onFailure?.({ code: e.code ?? 'tls.error', message: e.message, alert: received, connId: id });
    });
    server.on('secureConnection', (sock: tls.TLSSocket) => {
      this.#track(sock);
      sock.on('error', () => {
        /* reported through net.close / device handlers */
      });
      const local = { address: sock.localAddress ?? address, port: sock.localPort ?? port };
      const remote = { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
      const entry = this.#entry(remote, local);
      if (entry?.raw) this.#pendingHandshakes.delete(entry.raw);
      const id = entry?.id ?? this.#newConnId();
      const h = this.#handshakeOf(sock, id, 'server', local, remote);
      this.#emitHandshake(device, h);
      const clientIsLab = entry?.fabricClient ?? false;
      void (async () => {
        const v = await this.#decide(device, h, handlers.verify);
        if (!v.accepted) {
          sock.destroy();
          return;
        }
        if (clientIsLab) {
          const peer = await this.#peerVerdict(id, 'client');
          if (peer && !peer.accepted) {
            sock.destroy();
            handlers.onFailure?.({
              code: 'tls.rejected-by-peer',
              message: `the client rejected our certificate${peer.alert ? `: alert ${peer.alert.name}(${peer.alert.code})` : ''}`,
              alert: peer.alert,
              connId: id,
              handshake: h,
            });
            return;
          }
        }
        if (!sock.destroyed) handlers.onConnection({ id, socket: sock, local, remote, handshake: h });
      })();
    });
    const endpoint = await this.#listenOn(server, address, port);
    this.#tlsListeners.add(`${endpoint.address}:${endpoint.port}`);
    this.timeline.emit(device, 'net.listen', { proto: 'tls', endpoint });
    return {
      ...this.#registerServer(server, endpoint),
      update: (next: TlsServerConfig) => server.setSecureContext(serverContextOptions(next)),
    };
  }

  async connectTls(
    device: string,
    target: Target,
    config: TlsClientConfig,
    verify?: VerifyHook,
  ): Promise<Result<TlsConnection, ConnectError>> {
    this.#assertOpen();
    const resolved = this.resolve(target.host);
    if (!resolved.ok) return err({ ...resolved.error, alert: null, connId: null });
    const address = resolved.value;
    const servername =
      config.servername === false
        ? undefined
        : (config.servername ?? (isIP(target.host) ? undefined : target.host));
    const serverIsLab = this.#tlsListeners.has(`${address}:${target.port}`);
    const timeoutMs = config.timeoutMs ?? 10_000;

    return new Promise((resolve) => {
      let id: string | null = null;
      let settled = false;
      const finish = (r: Result<TlsConnection, ConnectError>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const options: tls.ConnectionOptions = {
        host: address,
        port: target.port,
        secureContext: this.#clientContext(config),
        rejectUnauthorized: false,
      };
      const localAddress = this.#localAddressFor(device, address);
      if (localAddress) (options as net.TcpNetConnectOpts).localAddress = localAddress;
      if (servername) options.servername = servername;
      const sock = tls.connect(options);
      this.#track(sock);
      sock.on('keylog', (line) => this.#writeKeylog(line));
      const timer = setTimeout(() => {
        sock.destroy();
        finish(
          err({
            code: 'tls.timeout',
            message: `no TLS session with ${target.host}:${target.port} within ${timeoutMs} ms`,
            alert: null,
            connId: id,
          }),
        );
      }, timeoutMs);
      sock.once('connect', () => {
        const local = { address: sock.localAddress ?? '', port: sock.localPort ?? 0 };
        const remote = { address, port: target.port };
        const connId = this.#attach(local, remote, 'client', sock).id;
        id = connId;
        this.timeline.emit(device, 'net.connect', { connId, proto: 'tls', role: 'client', local, remote });
        sock.once('close', () => this.timeline.emit(device, 'net.close', { connId, role: 'client' }));
      });
      const onEarlyError = (e: NodeJS.ErrnoException) => {
        // Before the handshake completed: an alert on the wire, or a lab peer's side-channel alert.
        const onWire = alertFromErrorCode(e.code);
        const refusal = !onWire && id ? this.timeline.alertFor(id, 'server') : null;
        if (refusal) {
          // A lab server refused our certificate and closed the socket before our end had read its
          // Finished (TLS 1.2: the server decides first, and destroy() can beat the flight): Node says
          // only "socket disconnected", but a real server sent the alert. Report it exactly as the
          // refusal seen after the handshake (below), so the outcome does not depend on that race.
          this.timeline.emit(device, 'tls.failed', {
            connId: id,
            role: 'client',
            code: `ALERT_${refusal.name.toUpperCase()}`,
            message: `peer sent alert ${refusal.name}(${refusal.code})`,
            alert: refusal,
          });
          finish(
            err({
              code: 'tls.rejected-by-peer',
              message: `${target.host}:${target.port} refused our certificate: alert ${refusal.name}(${refusal.code})`,
              alert: refusal,
              connId: id,
            }),
          );
          return;
        }
        const alert = onWire;
        this.timeline.emit(device, 'tls.failed', {
          connId: id,
          role: 'client',
          code: e.code ?? 'ERROR',
          message: e.message,
          alert,
        });
        finish(
          err({
            code: e.code ?? 'tls.error',
            message: `TLS handshake with ${target.host}:${target.port} failed: ${e.message}`,
            alert,
            connId: id,
          }),
        );
      };
      sock.once('error', onEarlyError);
      sock.once('secureConnect', () => {
        const local = { address: sock.localAddress ?? '', port: sock.localPort ?? 0 };
        const remote = { address, port: target.port };
        const connId = id ?? this.#newConnId();
        const h = this.#handshakeOf(sock, connId, 'client', local, remote);
        this.#emitHandshake(device, h);
        void (async () => {
          const v = await this.#decide(device, h, verify);
          if (!v.accepted) {
            sock.off('error', onEarlyError);
            sock.on('error', () => {});
            sock.destroy();
            finish(
              err({
                code: 'tls.rejected',
                message: `${device} refused the certificate of ${target.host}:${target.port}: ${v.reason}`,
                alert: null,
                connId,
                handshake: h,
                verdict: v,
              }),
            );
            return;
          }
          if (serverIsLab) {
            const peer = await this.#peerVerdict(connId, 'server');
            if (peer && !peer.accepted) {
              sock.off('error', onEarlyError);
              sock.on('error', () => {});
              sock.destroy();
              const alert = peer.alert;
              this.timeline.emit(device, 'tls.failed', {
                connId,
                role: 'client',
                code: alert ? `ALERT_${alert.name.toUpperCase()}` : 'ECONNRESET',
                message: alert
                  ? `peer sent alert ${alert.name}(${alert.code})`
                  : 'peer closed the connection after the handshake',
                alert,
              });
              finish(
                err({
                  code: 'tls.rejected-by-peer',
                  message: `${target.host}:${target.port} refused our certificate${
                    alert ? `: alert ${alert.name}(${alert.code})` : ''
                  }`,
                  alert,
                  connId,
                  handshake: h,
                }),
              );
              return;
            }
          }
          sock.off('error', onEarlyError);
          sock.on('error', () => {});
          if (sock.destroyed) {
            const alert = this.timeline.alertFor(connId, 'server');
            finish(
              err({
                code: 'tls.closed',
                message: `${target.host}:${target.port} closed the connection after the handshake`,
                alert,
                connId,
                handshake: h,
              }),
            );
            return;
          }
          finish(ok({ id: connId, socket: sock, local, remote, handshake: h }));
        })();
      });
    });
  }

  // ---------------------------------------------------------------- UDP

  /** A UDP socket bound to the device's address; port 0 takes an ephemeral port (TFTP transfers). */
  async bindUdp(device: string, port: number): Promise<UdpSocket> {
    this.#assertOpen();
    const address = this.addressOf(device);
    const s = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ address, port, exclusive: true }, () => {
        s.off('error', reject);
        resolve();
      });
    });
    s.on('error', (e: NodeJS.ErrnoException) =>
      this.timeline.emit(device, 'net.error', { connId: null, code: e.code ?? 'ERROR', message: e.message }),
    );
    this.#udp.add(s);
    s.once('close', () => this.#udp.delete(s));
    if (port !== 0) {
      const a = s.address();
      this.timeline.emit(device, 'net.listen', {
        proto: 'udp',
        endpoint: { address: a.address, port: a.port },
      });
    }
    return s;
  }

  /** A UDP socket for reaching an address outside the lab (a real TFTP server): kernel-chosen source. */
  async bindUdpExternal(): Promise<UdpSocket> {
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, () => resolve()));
    this.#udp.add(s);
    s.once('close', () => this.#udp.delete(s));
    return s;
  }

  // ---------------------------------------------------------------- shutdown

  /** Closes every listener, socket and UDP socket the lab opened. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closing = [...this.#sockets].map(
      (s) =>
        new Promise<void>((resolve) =>
          s.destroyed && s.closed ? resolve() : s.once('close', () => resolve()),
        ),
    );
    for (const s of this.#sockets) s.destroy();
    await Promise.all(closing);
    // Handshakes still in progress: only their TCP socket exists to close.
    const pending = [...this.#pendingHandshakes].map(
      (s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve()))),
    );
    for (const s of this.#pendingHandshakes) s.destroy();
    await Promise.all(pending);
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
