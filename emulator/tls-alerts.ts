/**
 * TLS alert names and codes (RFC 8446 §6.2, RFC 5246 §7.2), and the mapping from OpenSSL error codes
 * as Node reports them (`ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED`) back to the alert on the wire.
 */
import type { TlsAlert } from './events.ts';

const ALERTS: Record<string, number> = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
};

export function alert(name: keyof typeof ALERTS | string): TlsAlert {
  const code = ALERTS[name];
  if (code === undefined) throw new Error(`unknown TLS alert name ${name}`);
  return { code, name };
}

/** The alert a peer sent, when Node's error code says one arrived (`ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`). */
export function alertFromErrorCode(code: string | undefined): TlsAlert | null {
  if (!code) return null;
  const m = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/.exec(code);
  if (!m?.[1]) return null;
  const name = m[1].toLowerCase();
  const known = ALERTS[name];
  return known === undefined ? null : { code: known, name };
}

/**
 * The alert a real OpenSSL-based device sends when certificate verification fails with the given X509
 * error (OpenSSL `ssl_verify_alarm_type`): Node never sends it itself (docs/reference/toolchain.md §3.6).
 */
export function alertForVerifyError(verifyError: string, version?: string): TlsAlert {
  switch (verifyError) {
    case 'NO_PEER_CERTIFICATE':
      // RFC 8446 §4.4.2.4: TLS 1.3 says certificate_required; earlier versions handshake_failure.
      return version === 'TLSv1.3' ? alert('certificate_required') : alert('handshake_failure');
    case 'CERT_HAS_EXPIRED':
      return alert('certificate_expired');
    case 'CERT_NOT_YET_VALID':
      // Not "expired": OpenSSL's ssl_x509err2alert answers bad_certificate(42), as measured with
      // `openssl s_server -Verify` (docs/reference/toolchain.md §3.6).
      return alert('bad_certificate');
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return alert('unknown_ca');
    case 'CERT_SIGNATURE_FAILURE':
    case 'CRL_SIGNATURE_FAILURE':
      return alert('decrypt_error');
    case 'CERT_REVOKED':
      return alert('certificate_revoked');
    case 'INVALID_PURPOSE':
      return alert('unsupported_certificate');
    default:
      return alert('bad_certificate');
  }
}
