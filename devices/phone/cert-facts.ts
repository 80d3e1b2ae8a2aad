/**
 * What a phone reads of a certificate on its hot paths (every boot, every TLS connection): the CN, the
 * hash of its signature, its serial and issuer as CTL/ITL/.sgn headers name a signer. Read from the DER
 * with the minimal reader of certs/cisco-dn.ts and node's X509Certificate, never with a full ASN.1
 * parse (architecture decision 9: @peculiar/x509 re-parses the whole certificate, about 1 ms each),
 * and memoised per certificate object: the trust lists a fleet's phones hold are shared per content
 * (trust-list-cache.ts), so their certificates are read once per content, not once per phone.
 *
 * The memos are WeakMaps keyed by the X509Certificate object: they hold nothing a certificate does not
 * keep alive, and a lab's certificates go with the lab.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { certificateFields, ciscoDn, decodeOid, derChildren, readDer } from '../../certs/cisco-dn.ts';
import { sameDn } from '../../certs/ctl.ts';
import type { SignerId } from '../../certs/tlv.ts';

interface Facts {
  cn?: string;
  hash?: string;
  signer?: { serial: Uint8Array; issuer: string } | null;
  fingerprint?: string;
}

const facts = new WeakMap<X509Certificate, Facts>();

function factsOf(cert: X509Certificate): Facts {
  let f = facts.get(cert);
  if (!f) {
    f = {};
    facts.set(cert, f);
  }
  return f;
}

/**
 * Signature algorithm OIDs (RFC 3279, RFC 4055, RFC 5758) by the hash name the firmware rows use
 * (`acceptsSignatureHash`: `sha1`, `sha256`, ...).
 */
const SIGNATURE_HASH: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.4': 'md5',
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

/** The hash of the certificate's signature (`sha1`, `sha256`, ...; `unknown` for others, e.g. RSA-PSS). */
export function signatureHashOf(cert: X509Certificate): string {
  const f = factsOf(cert);
  if (f.hash === undefined) {
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signature }
    const top = readDer(cert.raw, 0);
    const parts = top.ok ? derChildren(top.value) : null;
    const alg = parts?.ok ? parts.value[1] : undefined;
    const algParts = alg ? derChildren(alg) : null;
    const oid = algParts?.ok && algParts.value[0]?.tag === 0x06 ? decodeOid(algParts.value[0].value) : '';
    f.hash = SIGNATURE_HASH[oid] ?? 'unknown';
  }
  return f.hash;
}

/** The first CN of the subject, or the whole subject when it has none. */
export function commonNameOf(cert: X509Certificate): string {
  const f = factsOf(cert);
  if (f.cn === undefined) {
    const fields = certificateFields(cert.raw);
    const cn = fields.ok ? fields.value.subject.find((a) => a.type === 'CN')?.value : undefined;
    f.cn = cn ?? cert.subject;
  }
  return f.cn;
}

/** SHA-256 fingerprint (as node prints it), read once per certificate. */
export function fingerprintOf(cert: X509Certificate): string {
  const f = factsOf(cert);
  f.fingerprint ??= cert.fingerprint256;
  return f.fingerprint;
}

/**
 * Is `cert` the certificate a header or record names by serial and issuer (docs/reference/trust-files.md §1.3)? The
 * same rule as certs/ctl.ts `matchesSerialAndIssuer`, with the certificate's side read once.
 */
export function matchesSigner(cert: X509Certificate, id: Pick<SignerId, 'serial' | 'issuer'>): boolean {
  const f = factsOf(cert);
  if (f.signer === undefined) {
    const fields = certificateFields(cert.raw);
    f.signer = fields.ok ? { serial: fields.value.serial, issuer: ciscoDn(fields.value.issuer) } : null;
  }
  return f.signer !== null && sameBytes(f.signer.serial, id.serial) && sameDn(f.signer.issuer, id.issuer);
}

/** Byte equality through Buffer's native compare (a JS loop over a 1 KB certificate is 10x slower). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/**
 * A bounded map that forgets the entry used longest ago: content-addressed caches of what phones
 * derive from files and certificates, shared by every phone of the process (pure results only).
 */
export class Lru<K, V> {
  readonly #map = new Map<K, V>();
  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.capacity) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#map.size;
  }
}

const byDer = new Lru<string, X509Certificate | null>(512);

/**
 * The certificate of these DER bytes, one object per content: a TVS answer or a trust-list record
 * that 200 phones receive is parsed once, and its facts above are read once. Null when it does not parse.
 */
export function certificateOf(der: Uint8Array): X509Certificate | null {
  const key = createHash('sha256').update(der).digest('base64');
  const hit = byDer.get(key);
  if (hit !== undefined) return hit;
  let cert: X509Certificate | null;
  try {
    cert = new X509Certificate(der);
  } catch {
    cert = null;
  }
  byDer.set(key, cert);
  return cert;
}
