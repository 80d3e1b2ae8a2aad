/**
 * No product prints a Node.js error code: a phone, a server or an Expressway prints what its own
 * stack prints. This module finds Node's codes in a text (`nodeErrorCodesIn`, for the catalogue-wide grep
 * test) and gives, for a code and the product's stack, the wording that stack prints instead
 * (`productWordingOfNodeError`).
 *
 * What counts as a Node code: Node's own `ERR_*` codes (`ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE`), the libuv
 * errno names Node reports (`ECONNRESET`, `EPIPE`, ...), Node's X.509 verify codes
 * (`DEPTH_ZERO_SELF_SIGNED_CERT`: OpenSSL itself prints "self signed certificate"), the fabric's own codes
 * (`ALERT_UNKNOWN_CA`, `tls.rejected-by-peer`) and OpenSSL 3 error strings (`error:0A000410:SSL routines::`,
 * empty function field), which only the lab's Node 20 produces: every product of the seeds links OpenSSL 1.x.
 * An errno name followed by its number in brackets (`ECONNREFUSED [111]`) is C code's own rendering, not
 * Node's, and is not reported.
 *
 * The replacement wordings are modelled (M): each stack's ordinary rendering of the error, from its
 * library (OpenSSL 1.0/1.1 `ERR_error_string`, JSSE, CPython's `socket.error`, libcurl's
 * `curl_easy_strerror`), none of them in a seed except the two forms noted below.
 */

/** The errno names Node's net and dgram layers report. */
const ERRNO: Record<string, { errno: number; text: string }> = {
  ECONNREFUSED: { errno: 111, text: 'Connection refused' },
  ECONNRESET: { errno: 104, text: 'Connection reset by peer' },
  ECONNABORTED: { errno: 103, text: 'Software caused connection abort' },
  EPIPE: { errno: 32, text: 'Broken pipe' },
  ETIMEDOUT: { errno: 110, text: 'Connection timed out' },
  EHOSTUNREACH: { errno: 113, text: 'No route to host' },
  ENETUNREACH: { errno: 101, text: 'Network is unreachable' },
  EHOSTDOWN: { errno: 112, text: 'Host is down' },
  ENOTCONN: { errno: 107, text: 'Transport endpoint is not connected' },
  EADDRINUSE: { errno: 98, text: 'Address already in use' },
  EADDRNOTAVAIL: { errno: 99, text: 'Cannot assign requested address' },
  EPROTO: { errno: 71, text: 'Protocol error' },
  ENOTFOUND: { errno: -2, text: 'Name or service not known' },
  EAI_AGAIN: { errno: -3, text: 'Temporary failure in name resolution' },
};

/**
 * Node's X.509 verify codes with OpenSSL's number and 1.x text for each (x509_vfy.h, x509_txt.c; the strings
 * OpenSSL 1.0 and 1.1 share: seed 004 line 199 shows "self signed certificate", seed 000's errno=18 is
 * DEPTH_ZERO_SELF_SIGNED_CERT's number).
 */
const X509: Record<string, { n: number; text: string }> = {
  UNABLE_TO_GET_ISSUER_CERT: { n: 2, text: 'unable to get issuer certificate' },
  UNABLE_TO_GET_CRL: { n: 3, text: 'unable to get certificate CRL' },
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: { n: 4, text: "unable to decrypt certificate's signature" },
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: { n: 6, text: 'unable to decode issuer public key' },
  CERT_SIGNATURE_FAILURE: { n: 7, text: 'certificate signature failure' },
  CERT_NOT_YET_VALID: { n: 9, text: 'certificate is not yet valid' },
  CERT_HAS_EXPIRED: { n: 10, text: 'certificate has expired' },
  ERROR_IN_CERT_NOT_BEFORE_FIELD: { n: 13, text: "format error in certificate's notBefore field" },
  ERROR_IN_CERT_NOT_AFTER_FIELD: { n: 14, text: "format error in certificate's notAfter field" },
  DEPTH_ZERO_SELF_SIGNED_CERT: { n: 18, text: 'self signed certificate' },
  SELF_SIGNED_CERT_IN_CHAIN: { n: 19, text: 'self signed certificate in certificate chain' },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { n: 20, text: 'unable to get local issuer certificate' },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { n: 21, text: 'unable to verify the first certificate' },
  CERT_CHAIN_TOO_LONG: { n: 22, text: 'certificate chain too long' },
  CERT_REVOKED: { n: 23, text: 'certificate revoked' },
  INVALID_CA: { n: 24, text: 'invalid CA certificate' },
  PATH_LENGTH_EXCEEDED: { n: 25, text: 'path length constraint exceeded' },
  INVALID_PURPOSE: { n: 26, text: 'unsupported certificate purpose' },
  CERT_UNTRUSTED: { n: 27, text: 'certificate not trusted' },
  CERT_REJECTED: { n: 28, text: 'certificate rejected' },
  HOSTNAME_MISMATCH: { n: 62, text: 'Hostname mismatch' },
};

/** The fabric's own failure codes (emulator/fabric.ts): the lab's vocabulary, no product's. */
const FABRIC_CODES = [
  'tls.rejected-by-peer',
  'tls.rejected',
  'tls.timeout',
  'tls.closed',
  'tls.error',
  'fabric.unknown-host',
  'fabric.timeout',
];

const CODE_RE = new RegExp(
  [
    String.raw`\bERR_[A-Z0-9_]+\b`,
    String.raw`\bALERT_[A-Z0-9_]+\b`,
    String.raw`\b(?:${Object.keys(ERRNO).join('|')})\b(?! \[-?\d+\])`,
    String.raw`\b(?:${Object.keys(X509).join('|')})\b`,
    String.raw`\berror:[0-9A-F]{8}:[^:\n]*::`,
    String.raw`(?<![\w.])(?:${FABRIC_CODES.map((c) => c.replace('.', String.raw`\.`)).join('|')})(?![\w-])`,
  ].join('|'),
  'g',
);

/** Node and fabric error codes in a text, in order of appearance (an OpenSSL 3 string as `error:0A000410`). */
export function nodeErrorCodesIn(text: string): string[] {
  return [...text.matchAll(CODE_RE)].map((m) => m[0].replace(/:[^:]*::$/, ''));
}

// ------------------------------------------------------------------------ OpenSSL 1.x error strings

/**
 * A TLS alert Node reports as `ERR_SSL_<SSLV3|TLSV1|TLSV13>_ALERT_<NAME>`: OpenSSL's reason code is
 * 1000 + the alert number (ssl.h `SSL_AD_REASON_OFFSET`), its text the reason's name in lower case.
 */
const ALERT_NUMBERS: Record<string, number> = {
  UNEXPECTED_MESSAGE: 10,
  BAD_RECORD_MAC: 20,
  DECRYPTION_FAILED: 21,
  RECORD_OVERFLOW: 22,
  DECOMPRESSION_FAILURE: 30,
  HANDSHAKE_FAILURE: 40,
  NO_CERTIFICATE: 41,
  BAD_CERTIFICATE: 42,
  UNSUPPORTED_CERTIFICATE: 43,
  CERTIFICATE_REVOKED: 44,
  CERTIFICATE_EXPIRED: 45,
  CERTIFICATE_UNKNOWN: 46,
  ILLEGAL_PARAMETER: 47,
  UNKNOWN_CA: 48,
  ACCESS_DENIED: 49,
  DECODE_ERROR: 50,
  DECRYPT_ERROR: 51,
  PROTOCOL_VERSION: 70,
  INSUFFICIENT_SECURITY: 71,
  INTERNAL_ERROR: 80,
  INAPPROPRIATE_FALLBACK: 86,
  USER_CANCELLED: 90,
  NO_RENEGOTIATION: 100,
  UNSUPPORTED_EXTENSION: 110,
  UNRECOGNIZED_NAME: 112,
  UNKNOWN_PSK_IDENTITY: 115,
  CERTIFICATE_REQUIRED: 116,
};

const ALERT_CODE = /^(?:ERR_SSL_|ALERT_)(?:(SSLV3|TLSV1|TLSV13)_ALERT_)?([A-Z_]+)$/;

export interface ReceivedAlert {
  /** The alert number, RFC 8446 §6. */
  number: number;
  /** OpenSSL's reason text: `sslv3 alert handshake failure`, `tlsv1 alert unknown ca`. */
  reason: string;
}

/** The alert behind a Node (`ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`) or fabric (`ALERT_UNKNOWN_CA`) code. */
export function receivedAlertOf(code: string): ReceivedAlert | null {
  const m = ALERT_CODE.exec(code);
  const name = m?.[2];
  if (!m || !name) return null;
  const number = ALERT_NUMBERS[name];
  if (number === undefined) return null;
  // OpenSSL names the alerts SSL 3 defined "sslv3 alert ...", the TLS 1.0 ones "tlsv1 alert ..." and the
  // TLS 1.3 one "tlsv13 alert ..." (ssl_err.c); the fabric's codes do not say which, the number does.
  const family =
    m[1] ?? (number === 116 ? 'TLSV13' : number <= 47 && number !== 21 && number !== 22 ? 'SSLV3' : 'TLSV1');
  return { number, reason: `${family.toLowerCase()} alert ${name.toLowerCase().replace(/_/g, ' ')}` };
}

/**
 * OpenSSL's `ERR_error_string` for an alert received while reading the handshake: library SSL (20),
 * function `ssl3_read_bytes` (148), reason 1000 + alert. OpenSSL 1.0 prints function names in capitals,
 * 1.1 in lower case (seed 004 line 383 shows the 1.1 form: `error:1416F086:SSL routines:tls_process_...`).
 */
export function opensslAlertError(alert: ReceivedAlert, version: '1.0' | '1.1'): string {
  const packed = ((20 << 24) | (148 << 12) | (1000 + alert.number)) >>> 0;
  const hex = packed.toString(16).toUpperCase().padStart(8, '0');
  return `error:${hex}:SSL routines:${version === '1.0' ? 'SSL3_READ_BYTES' : 'ssl3_read_bytes'}:${alert.reason}`;
}

// ------------------------------------------------------------------------ per product stack

/**
 * The software stack that renders an error, by what the product runs:
 * - `openssl-1.0`: C code on OpenSSL 1.0/0.9.8 (CUCM's CallManager, TFTP, CAPF and TVS; the 79xx; the SPA
 *   firmware, OpenSSL 0.9.8zc per seed 001 line 182; Apache 2.4.7 of seed 001 with mod_ssl);
 * - `openssl-1.1`: Expressway's traffic server (seed 004 line 383 shows OpenSSL 1.1's strings);
 * - `apache`: mod_ssl's error log messages, `SSL Library Error: <string> (SSL alert number <n>)` and
 *   `Certificate Verification: Error (<n>): <text>` (the device writes the AH number before them);
 * - `java`: JSSE and java.net (the application server, CUCM's DRF and Tomcat; seed 003 line 1294);
 * - `python`: Expressway's management code, CPython 2 (seed 003 lines 497-504 show its reprs);
 * - `curl`: Jabber's csf.httpclient, libcurl.
 */
export type ErrorStack = 'openssl-1.0' | 'openssl-1.1' | 'apache' | 'java' | 'python' | 'curl';

function errnoWording(code: string, stack: ErrorStack, e: { errno: number; text: string }): string {
  switch (stack) {
    case 'java':
      if (code === 'ECONNREFUSED')
        return 'java.net.ConnectException: Connection refused (Connection refused)';
      if (code === 'ETIMEDOUT') return 'java.net.SocketTimeoutException: connect timed out';
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'java.net.UnknownHostException';
      if (code === 'EHOSTUNREACH')
        return 'java.net.NoRouteToHostException: No route to host (Host unreachable)';
      if (code === 'ECONNRESET') return 'java.net.SocketException: Connection reset';
      return `java.net.SocketException: ${e.text}`;
    case 'python':
      return `[Errno ${e.errno}] ${e.text}`;
    case 'curl':
      if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
        return "curl error 7 (Couldn't connect to server)";
      if (code === 'ETIMEDOUT') return 'curl error 28 (Timeout was reached)';
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return "curl error 6 (Couldn't resolve host name)";
      if (code === 'EPIPE') return 'curl error 55 (Failed sending data to the peer)';
      return 'curl error 56 (Failure when receiving data from the peer)';
    default:
      return e.text;
  }
}

function alertWording(alert: ReceivedAlert, stack: ErrorStack): string {
  switch (stack) {
    case 'openssl-1.0':
      return opensslAlertError(alert, '1.0');
    case 'openssl-1.1':
      return opensslAlertError(alert, '1.1');
    case 'apache':
      return `SSL Library Error: ${opensslAlertError(alert, '1.0')} (SSL alert number ${alert.number})`;
    case 'java': {
      // JSSE's alert names (sun.security.ssl.Alert): the RFC names with an underscore.
      const name = alert.reason.replace(/^(?:sslv3|tlsv1|tlsv13) alert /, '').replace(/ /g, '_');
      return `javax.net.ssl.SSLHandshakeException: Received fatal alert: ${name}`;
    }
    case 'python': {
      const reason = alert.reason.toUpperCase().replace(/ /g, '_');
      return `[SSL: ${reason}] ${alert.reason} (_ssl.c:590)`;
    }
    case 'curl':
      return 'curl error 35 (SSL connect error)';
  }
}

function verifyWording(code: string, v: { n: number; text: string }, stack: ErrorStack): string {
  switch (stack) {
    case 'apache':
      return `Certificate Verification: Error (${v.n}): ${v.text}`;
    case 'java':
      return code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID'
        ? 'sun.security.validator.ValidatorException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed'
        : 'sun.security.validator.ValidatorException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target';
    case 'python':
      return '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed (_ssl.c:590)';
    case 'curl':
      return 'curl error 60 (Peer certificate cannot be authenticated with given CA certificates)';
    default:
      return v.text;
  }
}

/** OpenSSL's verify error number and text for one of Node's X.509 codes (`DEPTH_ZERO_SELF_SIGNED_CERT`: 18). */
export function opensslVerifyError(code: string): { n: number; text: string } | null {
  return X509[code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'HOSTNAME_MISMATCH' : code] ?? null;
}

/**
 * What the product's stack prints for a Node or fabric error code, or null when the code is not one this
 * module knows (the caller then says what failed in the product's own words, without the code).
 */
export function productWordingOfNodeError(code: string, stack: ErrorStack): string | null {
  const alert = receivedAlertOf(code);
  if (alert) return alertWording(alert, stack);
  const e = ERRNO[code];
  if (e) return errnoWording(code, stack, e);
  const verify = opensslVerifyError(code);
  if (verify) return verifyWording(code, verify, stack);
  return null;
}

/**
 * What a product prints for an error its Node stand-in raised (a socket error, a failed TLS connect), for
 * a device's log line: the stack's wording of the error's code, else of the first Node code its message
 * holds, else the message itself when it holds no Node code. A message made of nothing but codes this
 * module does not know gives the stack's plain "connection failed" (modelled, like every wording here):
 * a log line never carries a Node code.
 */
export function productErrorText(e: { code?: unknown; message?: unknown }, stack: ErrorStack): string {
  const message = typeof e.message === 'string' ? e.message : '';
  const codes = [...(typeof e.code === 'string' ? [e.code] : []), ...nodeErrorCodesIn(message)];
  for (const code of codes) {
    const wording = productWordingOfNodeError(code, stack);
    if (wording) return wording;
  }
  if (message !== '' && nodeErrorCodesIn(message).length === 0) return message;
  const stripped = message
    .replace(CODE_RE, '')
    .replace(/\s{2,}/g, ' ')
    .replace(/^[\s:;,]+|[\s:;,]+$/g, '');
  return stripped !== '' ? stripped : CONNECTION_FAILED[stack];
}

/** Each stack's words for a connection that failed for a reason it does not name (modelled). */
const CONNECTION_FAILED: Record<ErrorStack, string> = {
  'openssl-1.0': 'SSL connection failed',
  'openssl-1.1': 'SSL connection failed',
  apache: 'SSL connection failed',
  java: 'java.net.SocketException: Connection closed',
  python: 'socket error',
  curl: 'curl error 56 (Failure when receiving data from the peer)',
};
