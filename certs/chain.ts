// Chain building and certificate predicates. CUCM builds chains by AKI/SKI, not by names (seed 004:
// two CA certificates can share a subject, one expired; the key identifiers tell them apart), so
// key identifiers come first here, and the issuer DN is the fallback when a certificate has none.
import { createHash, X509Certificate as NodeX509, type X509Certificate } from 'node:crypto';
import { type CertificateExtensions, extensionsOf } from './extensions.ts';
import type { EkuName, KeyUsageName, SanEntry } from './issue.ts';
import { describeSpec, specOfKeyObject } from './key-pool/specs.ts';
import { x509 } from './x509.ts';

type AnyCert = X509Certificate | x509.X509Certificate;

/**
 * The certificate's extensions and names, read once (certs/extensions.ts). A certificate OpenSSL or
 * @peculiar/x509 accepted but whose extensions do not decode throws, naming the extension.
 */
function ext(cert: AnyCert): CertificateExtensions {
  const r = extensionsOf(cert);
  if (!r.ok) throw new Error(`certificate extensions unreadable: ${r.error.message}`);
  return r.value;
}

function derOf(cert: AnyCert): Buffer {
  return cert instanceof x509.X509Certificate ? Buffer.from(cert.rawData) : Buffer.from(cert.raw);
}

export function subjectKeyId(cert: AnyCert): string | undefined {
  return ext(cert).subjectKeyId;
}

export function authorityKeyId(cert: AnyCert): string | undefined {
  return ext(cert).authorityKeyId;
}

/** Subject and issuer names are identical (byte-wise, as encoded) and the signature verifies with its own key. */
export function isSelfSigned(cert: AnyCert): boolean {
  const c = ext(cert);
  if (c.subjectNameHex !== c.issuerNameHex) return false;
  const node = cert instanceof x509.X509Certificate ? undefined : cert;
  try {
    return node ? node.verify(node.publicKey) : true;
  } catch {
    return false;
  }
}

export function basicConstraints(
  cert: AnyCert,
): { ca: boolean; pathLength?: number; critical: boolean } | undefined {
  const bc = ext(cert).basicConstraints;
  return bc ? { ...bc } : undefined;
}

export function isCa(cert: AnyCert): boolean {
  return basicConstraints(cert)?.ca === true;
}

/** Key usages, or undefined when the certificate has no keyUsage extension (= any usage). */
export function keyUsages(cert: AnyCert): KeyUsageName[] | undefined {
  const ku = ext(cert).keyUsage;
  return ku ? [...ku] : undefined;
}

/** keyCertSign present. A certificate without the keyUsage extension counts as not having it (CUCM's rule, seed 000). */
export function hasKeyCertSign(cert: AnyCert): boolean {
  return keyUsages(cert)?.includes('keyCertSign') === true;
}

/** EKU names (dotted OIDs for unknown purposes), or undefined when there is no EKU extension. */
export function ekus(cert: AnyCert): (EkuName | (string & {}))[] | undefined {
  const eku = ext(cert).extKeyUsage;
  return eku ? [...eku] : undefined;
}

/** SAN entries of the types the lab uses (dns, ip, email, uri); other types are skipped. */
export function sanEntries(cert: AnyCert): SanEntry[] {
  return ext(cert).subjectAltName.map((e) => ({ ...e }));
}

/** "RSA 2048" / "EC P-384" (or the raw type and size for keys the lab does not issue). */
export function keyDescription(cert: AnyCert): string {
  const key = (cert instanceof x509.X509Certificate ? new NodeX509(Buffer.from(cert.rawData)) : cert)
    .publicKey;
  const spec = specOfKeyObject(key);
  if (spec) return describeSpec(spec);
  const d = key.asymmetricKeyDetails;
  return `${(key.asymmetricKeyType ?? 'unknown').toUpperCase()} ${d?.modulusLength ?? d?.namedCurve ?? ''}`.trim();
}

export type FingerprintAlgorithm = 'sha1' | 'sha256' | 'md5';

/** Lower-case hex digest of the DER (no colons). */
export function fingerprint(cert: AnyCert | Uint8Array, algorithm: FingerprintAlgorithm = 'sha1'): string {
  const der = cert instanceof Uint8Array ? cert : derOf(cert);
  return createHash(algorithm).update(der).digest('hex');
}

export const sha1Fingerprint = (c: AnyCert | Uint8Array): string => fingerprint(c, 'sha1');
export const sha256Fingerprint = (c: AnyCert | Uint8Array): string => fingerprint(c, 'sha256');
export const md5Fingerprint = (c: AnyCert | Uint8Array): string => fingerprint(c, 'md5');

/** Does `issuer`'s key verify `cert`'s signature? */
export function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export type ChainLinkMatch = 'aki-ski' | 'issuer-dn';

export interface ChainLink {
  cert: X509Certificate;
  /** How this certificate was found as the issuer of the previous one (absent for the first). */
  matchedBy?: ChainLinkMatch;
}

export type ChainResult =
  | { complete: true; chain: ChainLink[]; root: X509Certificate }
  | {
      complete: false;
      chain: ChainLink[];
      /** What the last certificate in `chain` names as its issuer and could not be found. */
      missing: { issuer: string; authorityKeyId?: string };
      reason: 'issuer-not-found' | 'loop';
    };

function findIssuer(cert: X509Certificate, candidates: readonly X509Certificate[]): ChainLink | undefined {
  const aki = authorityKeyId(cert);
  const issuerHex = ext(cert).issuerNameHex;
  const byName = candidates.filter((c) => ext(c).subjectNameHex === issuerHex);
  if (aki) {
    const byKey = candidates.filter((c) => subjectKeyId(c) === aki);
    const verified = byKey.find((c) => signedBy(cert, c)) ?? byKey[0];
    if (verified) return { cert: verified, matchedBy: 'aki-ski' };
  }
  // No AKI, or no candidate with that SKI: fall back to the issuer DN, preferring one whose key verifies.
  const match = byName.find((c) => signedBy(cert, c)) ?? (aki ? undefined : byName[0]);
  return match ? { cert: match, matchedBy: 'issuer-dn' } : undefined;
}

/**
 * The chain from `cert` up to a self-signed root among `candidates`, nearest issuer first (the
 * first link is `cert` itself). Reports the first missing link when the chain stops short.
 */
export function buildChain(cert: X509Certificate, candidates: readonly X509Certificate[]): ChainResult {
  const chain: ChainLink[] = [{ cert }];
  const seen = new Set<string>([fingerprint(cert, 'sha256')]);
  let current = cert;
  for (;;) {
    if (isSelfSigned(current)) return { complete: true, chain, root: current };
    const link = findIssuer(
      current,
      candidates.filter((c) => !seen.has(fingerprint(c, 'sha256')) || isSelfSigned(c)),
    );
    if (!link) {
      const aki = authorityKeyId(current);
      return {
        complete: false,
        chain,
        missing: { issuer: current.issuer.replace(/\n/g, ', '), ...(aki ? { authorityKeyId: aki } : {}) },
        reason: 'issuer-not-found',
      };
    }
    const fp = fingerprint(link.cert, 'sha256');
    if (seen.has(fp) && !isSelfSigned(link.cert)) {
      return {
        complete: false,
        chain,
        missing: { issuer: current.issuer.replace(/\n/g, ', ') },
        reason: 'loop',
      };
    }
    seen.add(fp);
    chain.push(link);
    current = link.cert;
  }
}
