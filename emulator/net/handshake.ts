/**
 * A completed TLS handshake as a device sees it (layer one of decision 3: OpenSSL's chain result), and
 * as the timeline records it (`tls.handshake`).
 */
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Endpoint, EventMap, TlsAlert, TrustRule } from '../events.ts';
import { canonical, canonicalOfPem, summaryOf } from './cert-cache.ts';

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
  /** The product rule that decided (recorded on `tls.verdict`), when the device model names it. */
  rule?: TrustRule | null;
}

export type VerifyHook = (h: Handshake) => TrustVerdict | Promise<TrustVerdict>;

/**
 * The peer's chain as OpenSSL holds it: the leaf, then each `issuerCertificate` (what the peer sent, or
 * what OpenSSL built from the trust store), up to a self-signed certificate. Read as node's
 * X509Certificate objects: `getPeerCertificate(true)` rebuilds every field of every certificate as
 * plain objects, twice the cost (measured: 441 vs 190 µs for a two-certificate chain).
 */
function peerChainOf(leaf: X509Certificate | undefined): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let c = leaf; c; c = c.issuerCertificate) {
    const fp = c.fingerprint256;
    if (seen.has(fp)) break;
    seen.add(fp);
    out.push(canonical(c));
  }
  return out;
}

/**
 * OpenSSL's chain result. A peer that sent no certificate shows as `UNABLE_TO_GET_ISSUER_CERT` in Node
 * (docs/reference/toolchain.md §3.6), a misleading name: it is reported here as `NO_PEER_CERTIFICATE`.
 */
function chainErrorOf(sock: TLSSocket, leaf: X509Certificate | undefined): string | null {
  if (sock.authorized) return null;
  if (!leaf) return 'NO_PEER_CERTIFICATE';
  return String(sock.authorizationError ?? 'UNKNOWN');
}

/**
 * The certificate an end presents, when only one can be: the certificate of its one configured
 * identity, parsed once per certificate. `sock.getX509Certificate()` parses it again on every
 * handshake (a quarter of a millisecond each, twice per phone boot). Null: ask the socket (a server
 * with an RSA and an ECDSA identity presents the one the handshake chose).
 */
export function presentedCertificate(certPem: string | undefined): X509Certificate | null {
  if (certPem === undefined) return null;
  let c = presented.get(certPem);
  if (!c) {
    // A phone's own MIC or LSC is usually kept already (devices/phone/manufacturing.ts `kept`).
    c = canonicalOfPem(certPem) ?? canonical(new X509Certificate(certPem));
    if (presented.size >= 10_000) presented.clear();
    presented.set(certPem, c);
  }
  return c;
}
const presented = new Map<string, X509Certificate>();

/**
 * What a socket presented, as the per-content cache holds it: `getX509Certificate()` returns a fresh
 * copy of OpenSSL's certificate on every call (about 8 KB of native memory each, measured), and a
 * registration keeps its handshake for as long as it stays up, at both ends.
 */
function localCertOf(sock: TLSSocket): X509Certificate | null {
  const own = sock.getX509Certificate();
  return own ? canonical(own) : null;
}

/**
 * Reads the handshake a TLS socket has just completed (first handshake or renegotiation).
 * `localCert`: what this end presents when it has one identity (`presentedCertificate`); `undefined`
 * reads it from the socket.
 */
export function readHandshake(
  sock: TLSSocket,
  connId: string,
  role: 'client' | 'server',
  local: Endpoint,
  remote: Endpoint,
  localCert?: X509Certificate | null,
): Handshake {
  const cipher = sock.getCipher();
  const leaf = sock.getPeerX509Certificate();
  const sni =
    role === 'server' ? (sock as TLSSocket & { servername?: string | false }).servername || null : null;
  return {
    connId,
    role,
    version: sock.getProtocol() ?? 'unknown',
    cipher: cipher?.name ?? 'unknown',
    sni,
    localCert: localCert !== undefined ? localCert : localCertOf(sock),
    peerChain: peerChainOf(leaf),
    chainError: chainErrorOf(sock, leaf),
    local,
    remote,
  };
}

/** The `tls.handshake` event of a handshake. */
export function handshakeEvent(h: Handshake, renegotiation = false): EventMap['tls.handshake'] {
  const payload: EventMap['tls.handshake'] = {
    connId: h.connId,
    role: h.role,
    version: h.version,
    cipher: h.cipher,
    sni: h.sni,
    localCert: h.localCert ? summaryOf(h.localCert) : null,
    peerCert: h.peerChain[0] ? summaryOf(h.peerChain[0]) : null,
    peerChain: h.peerChain.slice(1).map(summaryOf),
    chainError: h.chainError,
  };
  if (renegotiation) payload.renegotiation = true;
  return payload;
}
