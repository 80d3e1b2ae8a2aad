// Chain building and certificate predicates. CUCM builds chains by AKI/SKI, not by names (seed 004:
// two CA certificates can share a subject, one expired; the key identifiers tell them apart), so
// key identifiers come first here, and the issuer DN is the fallback when a certificate has none.
import { createHash, X509Certificate as NodeX509, type X509Certificate } from 'node:crypto';
import { EKU_OIDS, type EkuName, type KeyUsageName, keyUsageNames, type SanEntry } from './issue.ts';
import { describeSpec, specOfKeyObject } from './key-pool/specs.ts';
import { x509 } from './x509.ts';

type AnyCert = X509Certificate | x509.X509Certificate;

function peculiar(cert: AnyCert): x509.X509Certificate {
  return cert instanceof x509.X509Certificate ? cert : new x509.X509Certificate(new Uint8Array(cert.raw));
}

function derOf(cert: AnyCert): Buffer {
  return cert instanceof x509.X509Certificate ? Buffer.from(cert.rawData) : Buffer.from(cert.raw);
}

function nameBytes(name: x509.Name): string {
  return Buffer.from(name.toArrayBuffer()).toString('hex');
}

export function subjectKeyId(cert: AnyCert): string | undefined {
  return peculiar(cert).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId?.toLowerCase();
}

export function authorityKeyId(cert: AnyCert): string | undefined {
  return peculiar(cert).getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId?.toLowerCase();
}

/** Subject and issuer names are identical (byte-wise after re-encoding) and the signature verifies with its own key. */
export function isSelfSigned(cert: AnyCert): boolean {
  const c = peculiar(cert);
  if (nameBytes(c.subjectName) !== nameBytes(c.issuerName)) return false;
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
  const ext = peculiar(cert).getExtension(x509.BasicConstraintsExtension);
  if (!ext) return undefined;
  return {
    ca: ext.ca,
    ...(ext.pathLength !== undefined ? { pathLength: ext.pathLength } : {}),
    critical: ext.critical,
  };
}

export function isCa(cert: AnyCert): boolean {
  return basicConstraints(cert)?.ca === true;
}

/** Key usages, or undefined when the certificate has no keyUsage extension (= any usage). */
export function keyUsages(cert: AnyCert): KeyUsageName[] | undefined {
  const ext = peculiar(cert).getExtension(x509.KeyUsagesExtension);
  if (!ext) return undefined;
  return keyUsageNames(ext.usages);
}

/** keyCertSign present. A certificate without the keyUsage extension counts as not having it (CUCM's rule, seed 000). */
export function hasKeyCertSign(cert: AnyCert): boolean {
  return keyUsages(cert)?.includes('keyCertSign') === true;
}

const EKU_BY_OID = new Map<string, EkuName>(Object.entries(EKU_OIDS).map(([n, oid]) => [oid, n as EkuName]));

/** EKU names (dotted OIDs for unknown purposes), or undefined when there is no EKU extension. */
export function ekus(cert: AnyCert): (EkuName | (string & {}))[] | undefined {
  const ext = peculiar(cert).getExtension(x509.ExtendedKeyUsageExtension);
  if (!ext) return undefined;
  return ext.usages.map((u) => {
    const oid = String(u);
    return EKU_BY_OID.get(oid) ?? oid;
  });
}

/** SAN entries of the types the lab uses (dns, ip, email, uri); other types are skipped. */
export function sanEntries(cert: AnyCert): SanEntry[] {
  const ext = peculiar(cert).getExtension(x509.SubjectAlternativeNameExtension);
  if (!ext) return [];
  const out: SanEntry[] = [];
  for (const n of ext.names.toJSON()) {
    if (n.type === 'dns' || n.type === 'ip' || n.type === 'email') out.push({ type: n.type, value: n.value });
    else if (n.type === 'url') out.push({ type: 'uri', value: n.value });
  }
  return out;
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
  const issuerHex = nameBytes(peculiar(cert).issuerName);
  const byName = candidates.filter((c) => nameBytes(peculiar(c).subjectName) === issuerHex);
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
