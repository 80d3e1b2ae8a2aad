/**
 * A certificate as events show it (`CertSummary`). It runs on every handshake, on certificates a peer
 * chose, so it must never throw: a peer's certificate with a time that does not parse, or a key that
 * does not decode, is summarised as such (one such client certificate ended the process).
 *
 * The extensions are read from the DER by certs/extensions.ts (not a full ASN.1 model: every phone's
 * own certificate is distinct, so this runs once per phone); the handshake path calls this once per
 * distinct certificate (cert-cache.ts keeps the summaries by fingerprint), not once per handshake
 * (architecture decision 9).
 */
import type { X509Certificate } from 'node:crypto';
import { extensionsOf } from '../../certs/extensions.ts';
import type { CertExtensions, CertSummary } from '../events.ts';

/**
 * A certificate time as ISO 8601, or Node's own text when it does not parse: `validTo` is
 * `"Bad time value"` for a month 13, and `new Date()` of it is Invalid Date (docs/reference/toolchain.md §3.8).
 */
function isoOrRaw(text: string): string {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

/** `RSA 2048`, `EC prime256v1`, ...; `X509Certificate#publicKey` throws on a key that does not decode. */
function keyTypeOf(c: X509Certificate): string {
  try {
    const key = c.publicKey;
    const details = key.asymmetricKeyDetails;
    return key.asymmetricKeyType === 'ec'
      ? `EC ${details?.namedCurve ?? ''}`.trim()
      : `${(key.asymmetricKeyType ?? 'unknown').toUpperCase()} ${details?.modulusLength ?? ''}`.trim();
  } catch (e) {
    return `unreadable public key (${(e as Error).message})`;
  }
}

function selfSignedOf(c: X509Certificate): boolean {
  try {
    return c.subject === c.issuer && c.checkIssued(c);
  } catch {
    return false;
  }
}

const SAN_PREFIX = { dns: 'DNS', ip: 'IP', email: 'email', uri: 'URI' } as const;
function readExtensions(c: X509Certificate): CertExtensions {
  const r = extensionsOf(c);
  if (!r.ok) {
    return {
      basicConstraints: null,
      keyUsage: null,
      extKeyUsage: null,
      subjectAltName: [],
      unreadable: r.error.message,
    };
  }
  const { basicConstraints: bc, keyUsage, extKeyUsage, subjectAltName } = r.value;
  return {
    basicConstraints: bc ? { ca: bc.ca, pathLength: bc.pathLength ?? null, critical: bc.critical } : null,
    keyUsage: keyUsage ? [...keyUsage] : null,
    extKeyUsage: extKeyUsage ? [...extKeyUsage] : null,
    subjectAltName: subjectAltName.map((e) => `${SAN_PREFIX[e.type]}:${e.value}`),
    unreadable: null,
  };
}

export function summarizeCertificate(c: X509Certificate): CertSummary {
  return {
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    serial: c.serialNumber,
    sha256: c.fingerprint256,
    notBefore: isoOrRaw(c.validFrom),
    notAfter: isoOrRaw(c.validTo),
    keyType: keyTypeOf(c),
    selfSigned: selfSignedOf(c),
    extensions: readExtensions(c),
  };
}
