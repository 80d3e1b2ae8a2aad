/**
 * The verify error an OpenSSL server stops at. CUCM's SSL layer (OpenSSL, `verify_cb` returning the
 * pre-verification result) fails the handshake at the FIRST error X509_verify_cert meets and sends the
 * alert for it. Node's server instead lets every error through and reports the last one
 * (`authorizationError`), so for a certificate with several faults Node and CUCM disagree: seed 000's
 * self-signed, serverAuth-only client certificate is INVALID_PURPOSE to Node, but CUCM (like `openssl
 * s_server -Verify 1 -verify_return_error`) stops at DEPTH_ZERO_SELF_SIGNED_CERT and sends unknown_ca.
 *
 * The order is OpenSSL's `verify_chain()` (crypto/x509/x509_vfy.c, 1.0.2 to 3.x), checked against
 * `openssl s_server` (test/cucm/openssl-first-error.test.ts):
 * 1. chain building and trust (build_chain): DEPTH_ZERO_SELF_SIGNED_CERT, SELF_SIGNED_CERT_IN_CHAIN,
 *    UNABLE_TO_GET_ISSUER_CERT(_LOCALLY);
 * 2. extensions and purpose, leaf first (check_chain_extensions, purpose "sslclient" on a server):
 *    INVALID_CA for an issuer that is no CA, INVALID_PURPOSE for an EKU without clientAuth or a leaf
 *    key usage without digitalSignature/keyAgreement;
 * 3. signatures and validity, root first (internal_verify): CERT_NOT_YET_VALID, CERT_HAS_EXPIRED.
 * So a trusted certificate that is both expired and serverAuth-only draws unsupported_certificate(43),
 * not certificate_expired(45).
 *
 * One exception to that order: a leaf whose issuer OpenSSL finds in the trust store by name (and key
 * identifier, when the leaf has one: X509_check_issued) although that certificate's key did not sign
 * it. Seed 000's application server presented a self-issued certificate without keyCertSign (so not
 * self-signed to OpenSSL) and without key identifiers, carrying the same name as the certificate
 * uploaded to CallManager-trust; CUCM's trace shows the RSA signature check against the uploaded
 * certificate's key failing (`block type is not 01`, RSA_padding_check_PKCS1_type_1), not the purpose
 * error a serverAuth-only leaf would draw first. So CERT_SIGNATURE_FAILURE ranks with chain building
 * here (M: CUCM's verify callback evidently does not stop at the purpose check; the seed is the
 * ground truth).
 */
import type { X509Certificate } from 'node:crypto';
import { basicConstraints, buildChain, ekus, keyUsages } from '../../certs/chain.ts';

export interface VerifyError {
  /** X509_V_ERR name as Node spells it (`DEPTH_ZERO_SELF_SIGNED_CERT`). */
  code: string;
  /** Position in the chain, leaf = 0 (`verify_cb ... depth=`). */
  depth: number;
  /** CERT_SIGNATURE_FAILURE: the trust certificate whose key the signature was checked against. */
  issuer?: X509Certificate;
}

/**
 * The trust certificate OpenSSL takes as the leaf's issuer although its key did not sign the leaf, or
 * null. Node's `checkIssued` is OpenSSL's X509_check_issued: issuer name, key identifiers when present,
 * keyCertSign. A leaf that is its own issuer in that sense is self-signed and never looked up.
 */
function wrongKeyIssuer(leaf: X509Certificate, trust: readonly X509Certificate[]): X509Certificate | null {
  if (leaf.checkIssued(leaf)) return null;
  if (trust.some((t) => t.fingerprint256 === leaf.fingerprint256)) return null;
  const named = trust.filter((t) => leaf.checkIssued(t));
  if (named.length === 0 || named.some((t) => verifies(leaf, t))) return null;
  return named[0] ?? null;
}

function verifies(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** The first error OpenSSL would meet verifying a client's chain against `trust`; null: none. */
export function opensslFirstError(
  peerChain: readonly X509Certificate[],
  trust: readonly X509Certificate[],
  now: number,
): VerifyError | null {
  const leaf = peerChain[0];
  if (!leaf) return { code: 'NO_PEER_CERTIFICATE', depth: 0 };
  const trusted = new Set(trust.map((c) => c.fingerprint256));
  // Trusted-first (OpenSSL 1.1+ default): issuers from the trust store before what the peer sent.
  const built = buildChain(leaf, [...trust, ...peerChain.slice(1)]);
  const chain = built.chain.map((l) => l.cert);

  // 1. Chain building and trust. The wrong-key issuer first (see the header).
  const impostor = wrongKeyIssuer(leaf, trust);
  if (impostor) return { code: 'CERT_SIGNATURE_FAILURE', depth: 0, issuer: impostor };
  if (!built.complete) {
    const top = chain[chain.length - 1] as X509Certificate;
    const code = trusted.has(top.fingerprint256)
      ? 'UNABLE_TO_GET_ISSUER_CERT'
      : 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
    return { code, depth: chain.length - 1 };
  }
  if (!trusted.has(built.root.fingerprint256)) {
    const code = chain.length === 1 ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'SELF_SIGNED_CERT_IN_CHAIN';
    return { code, depth: chain.length - 1 };
  }

  // 2. Extensions and purpose, from the leaf up.
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i] as X509Certificate;
    const ku = keyUsages(c);
    if (i > 0 && (basicConstraints(c)?.ca !== true || (ku !== undefined && !ku.includes('keyCertSign'))))
      return { code: 'INVALID_CA', depth: i };
    const eku = ekus(c);
    if (eku !== undefined && !eku.includes('clientAuth') && !eku.includes('2.5.29.37.0'))
      return { code: 'INVALID_PURPOSE', depth: i };
    if (i === 0 && ku !== undefined && !ku.includes('digitalSignature') && !ku.includes('keyAgreement'))
      return { code: 'INVALID_PURPOSE', depth: i };
  }

  // 3. Validity, from the root down.
  for (let i = chain.length - 1; i >= 0; i--) {
    const c = chain[i] as X509Certificate;
    if (now < Date.parse(c.validFrom)) return { code: 'CERT_NOT_YET_VALID', depth: i };
    if (now > Date.parse(c.validTo)) return { code: 'CERT_HAS_EXPIRED', depth: i };
  }
  return null;
}
