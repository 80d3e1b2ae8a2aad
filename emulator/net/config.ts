/**
 * What device code tells the fabric: the identities it presents, the TLS settings of a listener or a
 * client, where to connect, and the limits a listener enforces. Plain data, no Node types.
 */

/** The TLS versions the lab speaks (OpenSSL's names, as `getProtocol()` reports them). */
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** A certificate and key a device presents, PEM encoded; `chain` holds intermediates to send along. */
export interface TlsIdentity {
  certPem: string;
  keyPem: string;
  chainPem?: string[];
}

export interface TlsCommonConfig {
  /** Trust anchors (PEM) OpenSSL checks the peer chain against. */
  trust?: string[];
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  /** OpenSSL cipher string; legacy firmware needs `...:@SECLEVEL=0` (docs/reference/toolchain.md §3.2, §3.3). */
  ciphers?: string;
  sigalgs?: string;
  secureOptions?: number;
  /**
   * Hard cap on how long the handshake (and the peer's verdict) may take. On a listener this is the
   * handshake deadline, counted from the TCP accept: a peer that has not finished by then is closed
   * (`tls.failed` with code `tls.handshake-timeout`). Default 10 s.
   */
  timeoutMs?: number;
}

export interface TlsServerConfig extends TlsCommonConfig {
  /** One identity, or an RSA and an ECDSA one: OpenSSL picks by the client's preference. */
  identities: TlsIdentity[];
  requestCert?: boolean;
  /** Default false: choose the certificate by the client's cipher order (docs/reference/toolchain.md §3.7). */
  honorCipherOrder?: boolean;
  /** 'auto': DH parameters matching the key size, so DHE suites are offered (none without). */
  dhparam?: 'auto';
}

export interface TlsClientConfig extends TlsCommonConfig {
  identity?: TlsIdentity;
  /** SNI to send; defaults to the target host when it is a name. `false` sends none. */
  servername?: string | false;
}

export interface Target {
  host: string;
  port: number;
}

/**
 * What a listener allows its peers (no peer may starve a lab). A refusal or an idle close is
 * recorded on the timeline (`net.refused`, `net.timeout`).
 */
export interface ListenerLimits {
  /**
   * Closes an accepted connection after this long without a byte in either direction; `null` keeps
   * idle connections forever. For TLS it counts from the end of the handshake.
   */
  idleTimeoutMs: number | null;
  /** Concurrent connections the listener holds in all, handshakes included. */
  maxConnections: number;
  /** Concurrent connections one remote address may hold to the listener. */
  maxConnectionsPerPeer: number;
}

/**
 * The fabric's defaults; a listener overrides any of them, a lab may change them for all its listeners
 * (`FabricOptions.listenerDefaults`).
 *
 * - idle 240 s: modelled. No reference gives a per-service value for these ports; 240 s is twice the
 *   120 s keep-alive CUCM hands SIP phones (`Expires: 120` in the REGISTER 200 OK,
 *   docs/reference/sccp-sip.md §2.2), so a client that keeps alive as CUCM asks is never cut. Services that close sooner say
 *   so themselves (the lab's CAPF server gives up on a silent phone after its own message timeout).
 * - 2048 per listener, 64 per peer: modelled. A real phone holds one or two connections to a port; 64
 *   leaves room for test tools and proxies, and keeps one flooding address to a small part of the
 *   process's descriptors. Fleets raise `maxConnections` for their CallManager listeners.
 */
export const DEFAULT_LISTENER_LIMITS: Readonly<ListenerLimits> = Object.freeze({
  idleTimeoutMs: 240_000,
  maxConnections: 2048,
  maxConnectionsPerPeer: 64,
});

/** The handshake deadline of a TLS listener and the connect timeout of a client, unless configured. */
export const DEFAULT_TLS_TIMEOUT_MS = 10_000;
