/**
 * The network fabric (architecture decisions 1 and 2). Devices open sockets only through it, so that
 * every connection, handshake, renegotiation and trust verdict lands on the timeline, the TLS key log
 * is written, every socket is closed when the lab stops, and a listener's limits hold whoever the peer.
 *
 * Sockets are real (`loopback.ts`): servers bind the device's own loopback address on the real Cisco
 * port, clients bind their device address as `localAddress`. So openssl, curl, tshark and any TFTP
 * client can talk to a running lab, and a phone model can talk to a real CUCM. Device code is handed
 * only the seam types of `types.ts` (`ByteStream`, `SecureStream`, `Datagram`); what runs underneath
 * is a `StreamTransport` (`transport.ts`): loopback sockets, or, chosen per lab, real TLS over
 * in-process streams (`memory.ts`, `tls-over-stream.ts`), with the same events either way.
 *
 * Trust is decided in two layers (decision 3): OpenSSL gives the chain result (`rejectUnauthorized` is
 * always false, the device's trust store is the `ca`); then the device's `verify` hook applies the
 * product's own rules and returns a verdict, exchanged between lab ends through the timeline
 * (`verdicts.ts`).
 *
 * The parts, one concept each: `hosts.ts` (host table, resolver), `connections.ts` (ids shared by both
 * ends, tracking, shutdown), `tcp.ts`, `tls-server.ts`, `tls-client.ts`, `renegotiation.ts`,
 * `verdicts.ts`, `secure-contexts.ts`, `udp.ts`, `keylog.ts`, `cert-summary.ts`, `limits.ts`; faults:
 * `fault-spec.ts` (what each is), `faults.ts` (the set on a lab), `fault-transport.ts`,
 * `fault-stream.ts`, `fault-datagram.ts`.
 *
 * What it records (emulator/events.ts): `net.listen`, `net.connect` / `net.close` (one id for both
 * ends), `net.error`, `net.timeout` (idle close), `net.refused` (a cap), `tls.handshake` (with
 * `renegotiation: true` on a renegotiated one), `tls.failed` (`tls.handshake-timeout` at the deadline),
 * `tls.verdict`, `tls.renegotiation`, `net.fault` (a fault added or removed, with what it did) and
 * `net.faulted` (a connection or attempt a fault acted on).
 */
import type { AddressBlock } from '../address-block.ts';
import type { Timeline } from '../events.ts';
import type { Result } from '../result.ts';
import type { ListenerLimits, Target, TlsClientConfig, TlsServerConfig } from './config.ts';
import {
  type ConnectError,
  type Connection,
  ConnectionRegistry,
  type Listener,
  type TlsConnection,
  type TlsListener,
} from './connections.ts';
import type { FabricCore } from './core.ts';
import { faultTransport } from './fault-transport.ts';
import { FaultSet } from './faults.ts';
import type { VerifyHook } from './handshake.ts';
import { HostTable, type LookupFunction } from './hosts.ts';
import { KeyLog } from './keylog.ts';
import { loopbackTransport } from './loopback.ts';
import {
  type Renegotiated,
  type RenegotiateOptions,
  type RenegotiationError,
  renegotiate,
} from './renegotiation.ts';
import { ClientContexts } from './secure-contexts.ts';
import * as tcp from './tcp.ts';
import * as tlsClient from './tls-client.ts';
import { listenTls, type TlsHandlers } from './tls-server.ts';
import type { StreamTransport } from './transport.ts';
import type { Datagram } from './types.ts';
import * as udp from './udp.ts';

export interface FabricOptions {
  block: AddressBlock;
  timeline: Timeline;
  /** NSS key log file (SSLKEYLOGFILE format), written 0600; recent lines are also kept in memory. */
  keylogPath?: string | null;
  /** Let lookups of names outside the host table fall through to literal IPs (probes of real systems). */
  allowExternal?: boolean;
  /**
   * Limits for every listener that does not set its own (`DEFAULT_LISTENER_LIMITS` otherwise), e.g. a
   * fleet raising `maxConnections`.
   */
  listenerDefaults?: Partial<ListenerLimits>;
  /** What the fabric runs on; real loopback sockets unless given. */
  transport?: StreamTransport;
}

export class Fabric {
  readonly block: AddressBlock;
  readonly timeline: Timeline;
  readonly #core: FabricCore;

  /**
   * Network faults on this lab (down, latency, loss, duplication, bandwidth, reset, stall): see
   * `fault-spec.ts`. Each is recorded on the timeline when added and removed.
   */
  readonly faults: FaultSet;

  constructor(opts: FabricOptions) {
    this.block = opts.block;
    this.timeline = opts.timeline;
    const hosts = new HostTable(opts.block, opts.allowExternal ?? false);
    const registry = new ConnectionRegistry();
    this.faults = new FaultSet({ timeline: opts.timeline, hosts, registry });
    this.#core = {
      timeline: opts.timeline,
      hosts,
      registry,
      transport: faultTransport(opts.transport ?? loopbackTransport, this.faults),
      keylog: new KeyLog(opts.keylogPath ?? null),
      clientContexts: new ClientContexts(),
      listenerDefaults: { ...opts.listenerDefaults },
      tlsListeners: new Set(),
      secureStreams: new WeakMap(),
    };
    this.lookup = this.#core.hosts.lookup;
  }

  /** The most recent key log lines (the file has them all). */
  get keylog(): readonly string[] {
    return this.#core.keylog.lines;
  }

  // ---------------------------------------------------------------- host table

  /** Gives a device the next address of the lab block; `aliases` are extra names (FQDNs) for it. */
  addHost(name: string, aliases: string[] = []): string {
    return this.#core.hosts.add(name, aliases);
  }

  /** Host addresses of the lab block not given to a device yet. */
  get hostsFree(): number {
    return this.#core.hosts.free;
  }

  /** Adds a name for an existing lab host (e.g. an FQDN learned later). */
  addAlias(name: string, alias: string): void {
    this.#core.hosts.addAlias(name, alias);
  }

  /** The address of a lab name or an IP literal, or an error naming the host. */
  resolve(host: string): Result<string> {
    return this.#core.hosts.resolve(host);
  }

  /** The lab host name behind an address, if it is one of ours. */
  hostAt(address: string): string | null {
    return this.#core.hosts.hostAt(address);
  }

  addressOf(device: string): string {
    return this.#core.hosts.addressOf(device);
  }

  /** A `dns.lookup`-compatible function over the host table, for libraries that take one. */
  readonly lookup: LookupFunction;

  /** The TFTP port a lab uses: 69 where the process may bind it, else `fallback`. */
  tftpPort(fallback = 6969): number {
    return this.block.privilegedPorts ? 69 : fallback;
  }

  // ---------------------------------------------------------------- TCP

  /** Listens on the device's address; `limits` override the listener defaults (idle timeout, caps). */
  listenTcp(
    device: string,
    port: number,
    onConnection: (c: Connection) => void,
    limits?: Partial<ListenerLimits>,
  ): Promise<Listener> {
    return tcp.listenTcp(this.#core, device, port, onConnection, limits);
  }

  connectTcp(
    device: string,
    target: Target,
    opts: { timeoutMs?: number } = {},
  ): Promise<Result<Connection, ConnectError>> {
    return tcp.connectTcp(this.#core, device, target, opts);
  }

  // ---------------------------------------------------------------- TLS

  /**
   * A TLS listener on the device's address. `config.timeoutMs` is the handshake deadline; `limits`
   * override the listener defaults (idle timeout after the handshake, caps).
   */
  listenTls(
    device: string,
    port: number,
    config: TlsServerConfig,
    handlers: TlsHandlers,
    limits?: Partial<ListenerLimits>,
  ): Promise<TlsListener> {
    return listenTls(this.#core, device, port, config, handlers, limits);
  }

  connectTls(
    device: string,
    target: Target,
    config: TlsClientConfig,
    verify?: VerifyHook,
  ): Promise<Result<TlsConnection, ConnectError>> {
    return tlsClient.connectTls(this.#core, device, target, config, verify);
  }

  /**
   * Renegotiates TLS on an established connection (TLS 1.0-1.2), by default asking the peer for its
   * certificate, and records it like any handshake (`tls.handshake` marked `renegotiation`, the
   * verdict, `tls.renegotiation`).
   */
  renegotiate(
    device: string,
    conn: TlsConnection,
    opts: RenegotiateOptions = {},
  ): Promise<Result<Renegotiated, RenegotiationError>> {
    return renegotiate(this.#core, device, conn, opts);
  }

  // ---------------------------------------------------------------- UDP

  /** A UDP socket bound to the device's address; port 0 takes an ephemeral port (TFTP transfers). */
  bindUdp(device: string, port: number): Promise<Datagram> {
    return udp.bindUdp(this.#core, device, port);
  }

  /** A UDP socket for reaching an address outside the lab (a real TFTP server): kernel-chosen source. */
  bindUdpExternal(): Promise<Datagram> {
    return udp.bindUdpExternal(this.#core);
  }

  // ---------------------------------------------------------------- shutdown

  /** Takes every fault off and closes every listener, socket and UDP socket the lab opened. Idempotent. */
  close(): Promise<void> {
    if (!this.#core.registry.closed) this.faults.clear();
    return this.#core.registry.closeAll();
  }

  /** Open handles, for tests that prove an orderly shutdown. */
  openHandles(): ReturnType<ConnectionRegistry['openHandles']> {
    return this.#core.registry.openHandles();
  }
}
