/**
 * A completed TLS handshake as a device sees it (layer one of decision 3: OpenSSL's chain result), and
 * as the timeline records it (`tls.handshake`).
 */
import type { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { Endpoint, EventMap, TlsAlert, TrustRule } from '../events.ts';
import { certificateOf, summaryOf } from './cert-cache.ts';

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

type PeerCertificate = DetailedPeerCertificate | Record<string, never>;

function peerChainOf(first: PeerCertificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  let detailed = first;
  const seen = new Set<string>();
  while (detailed && 'raw' in detailed && detailed.raw) {
    const fp = detailed.fingerprint256;
    if (seen.has(fp)) break;
    seen.add(fp);
    try {
      out.push(certificateOf(detailed.raw, fp));
    } catch {
      // OpenSSL took it in the handshake, so this should not happen; a chain cut short is still a chain.
      break;
    }
    detailed = detailed.issuerCertificate;
  }
  return out;
}

/**
 * OpenSSL's chain result. A peer that sent no certificate shows as `UNABLE_TO_GET_ISSUER_CERT` in Node
 * (docs/reference/toolchain.md §3.6), a misleading name: it is reported here as `NO_PEER_CERTIFICATE`.
 */
function chainErrorOf(sock: TLSSocket, peer: PeerCertificate): string | null {
  if (sock.authorized) return null;
  if (!peer || Object.keys(peer).length === 0) return 'NO_PEER_CERTIFICATE';
  return String(sock.authorizationError ?? 'UNKNOWN');
}

/**
 * The certificate this end presented, as the per-content cache holds it: `getX509Certificate()` returns
 * a fresh copy of OpenSSL's certificate on every call (about 8 KB of native memory each, measured), and
 * a registration keeps its handshake for as long as it stays up, at both ends.
 */
function localCertOf(sock: TLSSocket): X509Certificate | null {
  const own = sock.getX509Certificate();
  return own ? certificateOf(own.raw, own.fingerprint256) : null;
}

/** Reads the handshake a TLS socket has just completed (first handshake or renegotiation). */
export function readHandshake(
  sock: TLSSocket,
  connId: string,
  role: 'client' | 'server',
  local: Endpoint,
  remote: Endpoint,
): Handshake {
  const cipher = sock.getCipher();
  // Read once: getPeerCertificate() rebuilds every field of every certificate as objects.
  const peer = sock.getPeerCertificate(true) as PeerCertificate;
  const sni =
    role === 'server' ? (sock as TLSSocket & { servername?: string | false }).servername || null : null;
  return {
    connId,
    role,
    version: sock.getProtocol() ?? 'unknown',
    cipher: cipher?.name ?? 'unknown',
    sni,
    localCert: localCertOf(sock),
    peerChain: peerChainOf(peer),
    chainError: chainErrorOf(sock, peer),
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
