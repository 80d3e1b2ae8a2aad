/**
 * Origin server verification, as the X14.2+ traffic server does it for every MRA request (seed 004,
 * CSCwc69661 / CSCwa25108): (1) the chain against the Expressway-C trust store, (2) the connection
 * address (FQDN or IP, as CUCM advertises the node) against the certificate's SAN and CN. The one
 * implementation both the traffic server and `uclab probe origin` use.
 *
 * Log lines follow seed 004 word for word:
 *   [ET_NET 0] WARNING: Core server certificate verification failed for (cucm.steven.lab). Action=Terminate Error=self signed certificate server=cucm.steven.lab(10.48.36.215) depth=0
 *   [ET_NET 2] WARNING: SNI (10.48.36.215) not in certificate. Action=Terminate server=10.48.36.215(10.48.36.215)
 *   [ET_NET 0] ERROR: SSL connection failed for 'cucm.steven.lab': error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed
 */
import type { X509Certificate } from 'node:crypto';
import type { TlsAlert } from '../../emulator/events.ts';
import type { Fabric, Handshake, TlsConnection, TrustVerdict } from '../../emulator/fabric.ts';
import { isIpAddress } from '../../emulator/net/types.ts';
import { err, ok, type Result } from '../../emulator/result.ts';
import { alertForVerifyError } from '../../emulator/tls-alerts.ts';
import { commonNameOf } from './trust-store.ts';

/** OpenSSL 1.1.1 `X509_verify_cert_error_string` for Node's verify error codes (Expressway runs 1.1.1). */
const VERIFY_ERROR_TEXT: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self signed certificate in certificate chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
  CERT_REVOKED: 'certificate revoked',
  INVALID_CA: 'invalid CA certificate',
  INVALID_PURPOSE: 'unsupported certificate purpose',
  PATH_LENGTH_EXCEEDED: 'path length constraint exceeded',
  EE_KEY_TOO_SMALL: 'EE certificate key too weak',
  CA_KEY_TOO_SMALL: 'CA certificate key too weak',
  CA_MD_TOO_WEAK: 'CA signature digest algorithm too weak',
  NO_PEER_CERTIFICATE: 'no peer certificate',
};

/**
 * OpenSSL's chain verdict. Node reports its own host check (`ERR_TLS_CERT_ALTNAME_INVALID`) in the same
 * field, but only when the chain itself verified; the product's name rules are applied separately.
 */
export function chainErrorOf(h: Pick<Handshake, 'chainError'>): string | null {
  return h.chainError === 'ERR_TLS_CERT_ALTNAME_INVALID' ? null : h.chainError;
}

export function verifyErrorText(code: string): string {
  return VERIFY_ERROR_TEXT[code] ?? code.toLowerCase().replace(/_/g, ' ');
}

/**
 * The chain depth OpenSSL reports the error at: 0 is the server's own certificate (seed 004: "depth=0
 * is a self-signed certificate, depth > 0 a chain signed by a CA Expressway does not know").
 */
export function errorDepth(code: string, chain: readonly X509Certificate[], now: Date = new Date()): number {
  const last = Math.max(0, chain.length - 1);
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return 0;
    case 'SELF_SIGNED_CERT_IN_CHAIN': {
      const i = chain.findIndex((c) => c.subject === c.issuer);
      return i >= 0 ? i : last;
    }
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID': {
      // OpenSSL's internal_verify walks from the top of the chain down: the highest failing depth wins.
      for (let i = chain.length - 1; i >= 0; i--) {
        const c = chain[i];
        if (!c) continue;
        const bad =
          code === 'CERT_HAS_EXPIRED'
            ? new Date(c.validTo).getTime() < now.getTime()
            : new Date(c.validFrom).getTime() > now.getTime();
        if (bad) return i;
      }
      return 0;
    }
    default:
      return last;
  }
}

/** OpenSSL-style host/IP match (X509_check_host / X509_check_ip): SAN first, CN when there is no DNS SAN. */
export function addressInCertificate(cert: X509Certificate, address: string): boolean {
  const san = cert.subjectAltName ?? '';
  const entries = san
    .split(/,\s*/)
    .map((e) => e.trim())
    .filter(Boolean);
  const dns = entries.filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4).toLowerCase());
  const ips = entries.filter((e) => e.startsWith('IP Address:')).map((e) => e.slice(11).toLowerCase());
  const cn = commonNameOf(cert)?.toLowerCase() ?? null;
  const a = address.toLowerCase();
  if (isIpAddress(a)) return ips.includes(a) || cn === a;
  const matchName = (pattern: string) => {
    if (pattern === a) return true;
    if (pattern.startsWith('*.')) {
      const rest = pattern.slice(1);
      const dot = a.indexOf('.');
      return dot > 0 && a.slice(dot) === rest;
    }
    return false;
  };
  if (dns.length > 0) return dns.some(matchName);
  return cn !== null && matchName(cn);
}

export interface OriginTarget {
  /** What to connect to (a lab name, FQDN or IP). */
  host: string;
  port: number;
  /** The connection address the MRA request names (CUCM's advertised FQDN or IP); default `host`. */
  advertised?: string;
}

export interface OriginConfig {
  /** The traffic server verifies (X14.2+ and VerifyOriginServer On). */
  verify: boolean;
  /** Expressway-C trust store, PEM. */
  trust: string[];
  /** OpenSSL cipher list the traffic server offers (TLS 1.2, as the traffic server connects). */
  ciphers: string;
  timeoutMs?: number;
}

export interface OriginDecision {
  accepted: boolean;
  /** traffic_server lines, in order (without the final ERROR line, which `connectOrigin` adds). */
  lines: string[];
  reason: string;
  alert: TlsAlert | null;
  kind: 'ok' | 'chain' | 'sni' | 'not-verified';
}

/** The verdict on a completed handshake (pure: no sockets), for the hook and for tests. */
export function decideOrigin(
  h: Pick<Handshake, 'peerChain' | 'chainError' | 'remote'>,
  advertised: string,
  verify: boolean,
  now: Date = new Date(),
): OriginDecision {
  if (!verify)
    return {
      accepted: true,
      lines: [],
      reason: 'origin not verified (X14.0 behaviour or VerifyOriginServer Off)',
      alert: null,
      kind: 'not-verified',
    };
  const ip = h.remote.address;
  const chainError = chainErrorOf(h);
  if (chainError) {
    const text = verifyErrorText(chainError);
    const depth = errorDepth(chainError, h.peerChain, now);
    return {
      accepted: false,
      lines: [
        `[ET_NET 0] WARNING: Core server certificate verification failed for (${advertised}). Action=Terminate Error=${text} server=${advertised}(${ip}) depth=${depth}`,
      ],
      reason: `${text} at depth ${depth}`,
      alert: alertForVerifyError(chainError),
      kind: 'chain',
    };
  }
  const leaf = h.peerChain[0];
  if (!leaf || !addressInCertificate(leaf, advertised)) {
    return {
      accepted: false,
      lines: [
        `[ET_NET 0] WARNING: SNI (${advertised}) not in certificate. Action=Terminate server=${advertised}(${ip})`,
      ],
      reason: `${advertised} is neither in the SAN nor the CN of the certificate`,
      alert: alertForVerifyError('HOSTNAME_MISMATCH'),
      kind: 'sni',
    };
  }
  return {
    accepted: true,
    lines: [],
    reason: 'chain trusted and address in certificate',
    alert: null,
    kind: 'ok',
  };
}

export const SSL_VERIFY_FAILED =
  'error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed';

/** strerror() of the socket errors a traffic server meets before TLS (no Node error code in its log). */
const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
};

export interface OriginFailure {
  code: string;
  message: string;
  lines: string[];
  decision: OriginDecision | null;
  handshake: Handshake | null;
}

export interface OriginSuccess {
  conn: TlsConnection;
  decision: OriginDecision;
}

/**
 * Opens the TLS connection to an origin server exactly as the traffic server does: TLS 1.2 with the
 * configured cipher list (which decides whether CUCM presents tomcat or tomcat-ECDSA), the trust
 * store as CA, and the verdict above. `log` receives the traffic_server lines as they happen.
 */
export async function connectOrigin(
  fabric: Fabric,
  device: string,
  target: OriginTarget,
  config: OriginConfig,
  log: (line: string, level: 'warning' | 'error') => void = () => {},
): Promise<Result<OriginSuccess, OriginFailure>> {
  const advertised = target.advertised ?? target.host;
  let decision: OriginDecision | null = null;
  const verify = (h: Handshake): TrustVerdict => {
    decision = decideOrigin(h, advertised, config.verify);
    for (const l of decision.lines) log(l, 'warning');
    return { accepted: decision.accepted, reason: decision.reason, alert: decision.alert };
  };
  const r = await fabric.connectTls(
    device,
    { host: target.host, port: target.port },
    {
      trust: config.trust,
      ciphers: config.ciphers,
      maxVersion: 'TLSv1.2',
      servername: isIpAddress(advertised) ? false : advertised,
      timeoutMs: config.timeoutMs ?? 10_000,
    },
    verify,
  );
  if (r.ok)
    return ok({
      conn: r.value,
      decision: decision ?? decideOrigin(r.value.handshake, advertised, config.verify),
    });
  const d = decision as OriginDecision | null;
  const socketError = SOCKET_ERRORS[r.error.code];
  const line =
    !d && socketError
      ? `[ET_NET 0] ERROR: connection to '${advertised}' failed: ${socketError}`
      : `[ET_NET 0] ERROR: SSL connection failed for '${advertised}': ${
          d && !d.accepted ? SSL_VERIFY_FAILED : r.error.message
        }`;
  log(line, 'error');
  return err({
    code: r.error.code,
    message: r.error.message,
    lines: [...(d?.lines ?? []), line],
    decision: d,
    handshake: r.error.handshake ?? null,
  });
}
