// DER encoding of X.509 v3 certificates (RFC 5280 §4.1), written directly. Issuing a lab's
// certificates through @peculiar/x509's generator built, serialized and re-parsed an ASN.1 object
// tree per certificate, the largest CPU cost of a catalogue run (a fifth of it, measured with
// --cpu-prof); the bytes here are the same as that generator's (test/certs/certificate-der.test.ts
// compares them for every profile shape the lab issues), only made without the object tree.
import { webcrypto } from 'node:crypto';
import { ownedBytes } from '../emulator/owned-bytes.ts';

// ---------------------------------------------------------------------------------------------
// DER primitives (ITU-T X.690 clauses 8 and 10: definite lengths, minimal forms)

function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

/** One element: identifier octet, length, content. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = content.length === 1 ? content[0]! : Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag, ...lengthOctets(body.length)]), body]);
}

export const sequence = (...items: Uint8Array[]): Buffer => tlv(0x30, ...items);
const octetString = (bytes: Uint8Array): Buffer => tlv(0x04, bytes);
const DER_TRUE = Buffer.from([0x01, 0x01, 0xff]);
const DER_NULL = Buffer.from([0x05, 0x00]);

/** INTEGER content from a small non-negative number. */
function smallInteger(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if ((bytes[0] ?? 0) > 0x7f) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER (ITU-T X.690 clause 8.19): first two arcs in one octet, base-128 for the rest. */
export function oid(dotted: string): Buffer {
  const hit = oidCache.get(dotted);
  if (hit) return hit;
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new Error(`"${dotted}" is not a dotted object identifier`);
    return BigInt(a);
  });
  if (arcs.length < 2) throw new Error(`"${dotted}" is not a dotted object identifier`);
  const values = [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)];
  const out: number[] = [];
  for (const v of values) {
    const chunk: number[] = [Number(v & 0x7fn)];
    for (let rest = v >> 7n; rest > 0n; rest >>= 7n) chunk.unshift(Number(rest & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  const encoded = tlv(0x06, Buffer.from(out));
  oidCache.set(dotted, encoded);
  return encoded;
}

/**
 * Validity time: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5), whole seconds,
 * `Z`. As the generator did, a year before 1950 is written as UTCTime too; callers pass whole-second
 * dates (resolveTime).
 */
function time(d: Date): Buffer {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const year = d.getUTCFullYear();
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return year < 2050
    ? tlv(0x17, Buffer.from(`${p(year % 100)}${rest}`, 'latin1'))
    : tlv(0x18, Buffer.from(`${p(year, 4)}${rest}`, 'latin1'));
}

/**
 * A positive serial INTEGER from hex: leading zero octets dropped, one 0x00 added when the high bit is
 * set. A serial of zeros only (or none) gets 16 random octets, as the generator did.
 */
function serialInteger(hex: string): Buffer {
  const clean = hex.replace(/[^0-9a-fA-F]/g, '');
  let bytes: Uint8Array = Buffer.from(clean.length % 2 ? `0${clean}` : clean, 'hex');
  if (!bytes.some((b) => b > 0)) bytes = webcrypto.getRandomValues(new Uint8Array(16));
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const minimal = bytes.subarray(i);
  return tlv(0x02, (minimal[0] ?? 0) > 0x7f ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

// ---------------------------------------------------------------------------------------------
// Signature algorithms (RFC 4055 §5, RFC 5758 §3.2)

export type DerHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

const RSA_OIDS: Record<DerHash, string> = {
  'SHA-1': '1.2.840.113549.1.1.5',
  'SHA-256': '1.2.840.113549.1.1.11',
  'SHA-384': '1.2.840.113549.1.1.12',
  'SHA-512': '1.2.840.113549.1.1.13',
};
const ECDSA_OIDS: Record<DerHash, string> = {
  'SHA-1': '1.2.840.10045.4.1',
  'SHA-256': '1.2.840.10045.4.3.2',
  'SHA-384': '1.2.840.10045.4.3.3',
  'SHA-512': '1.2.840.10045.4.3.4',
};

/** AlgorithmIdentifier: RSA PKCS#1 v1.5 with NULL parameters, ECDSA with none. */
export function signatureAlgorithm(kind: 'rsa' | 'ec', hash: DerHash): Buffer {
  return kind === 'rsa' ? sequence(oid(RSA_OIDS[hash]), DER_NULL) : sequence(oid(ECDSA_OIDS[hash]));
}

// ---------------------------------------------------------------------------------------------
// Extensions (RFC 5280 §4.2)

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
export function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? sequence(oid(id), DER_TRUE, octetString(value)) : sequence(oid(id), octetString(value));
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }. */
export function basicConstraintsValue(ca: boolean, pathLength?: number): Buffer {
  const items: Buffer[] = [];
  if (ca) items.push(DER_TRUE);
  if (pathLength !== undefined) items.push(smallInteger(pathLength));
  return sequence(...items);
}

/** KeyUsage BIT STRING from the flag bits (bit 0 = digitalSignature = the first bit), minimal length. */
export function keyUsageValue(flags: number): Buffer {
  const bitLength = flags === 0 ? 0 : Math.floor(Math.log2(flags)) + 1;
  const octetCount = (bitLength + 7) >> 3;
  const octets = Buffer.alloc(octetCount);
  for (let bit = 0; bit < bitLength; bit++) {
    if (flags & (1 << bit)) octets[bit >> 3]! |= 0x80 >> (bit & 7);
  }
  return tlv(0x03, Buffer.from([octetCount * 8 - bitLength]), octets);
}

export function extKeyUsageValue(oids: readonly string[]): Buffer {
  return sequence(...oids.map(oid));
}

export type DerGeneralName = { type: 'dns' | 'email' | 'uri' | 'ip'; value: string };

/** GeneralName, implicitly tagged: rfc822Name [1], dNSName [2], URI [6], iPAddress [7] (octets). */
function generalName(n: DerGeneralName): Buffer {
  switch (n.type) {
    case 'email':
      return tlv(0x81, Buffer.from(n.value, 'latin1'));
    case 'dns':
      return tlv(0x82, Buffer.from(n.value, 'latin1'));
    case 'uri':
      return tlv(0x86, Buffer.from(n.value, 'latin1'));
    case 'ip':
      return tlv(0x87, ipOctets(n.value));
  }
}

function ipOctets(ip: string): Buffer {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = groups(tail);
  const all = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  if (all.length !== 8) throw new Error(`"${ip}" is not an IP address`);
  return Buffer.concat(all.map((g) => Buffer.from(g.padStart(4, '0'), 'hex')));
}

export function subjectAltNameValue(names: readonly DerGeneralName[]): Buffer {
  return sequence(...names.map(generalName));
}

export const subjectKeyIdentifierValue = (keyId: Uint8Array): Buffer => octetString(keyId);

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }. */
export const authorityKeyIdentifierValue = (keyId: Uint8Array): Buffer => sequence(tlv(0x80, keyId));

// ---------------------------------------------------------------------------------------------
// The certificate

export interface TbsFields {
  serialHex: string;
  signature: Buffer;
  /** DER Names. */
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  /** Encoded Extension elements, in order. */
  extensions: readonly Uint8Array[];
}

/** TBSCertificate, version 3 (explicit [0] INTEGER 2), extensions in explicit [3]. */
export function tbsCertificate(f: TbsFields): Buffer {
  const parts = [
    tlv(0xa0, smallInteger(2)),
    serialInteger(f.serialHex),
    f.signature,
    f.issuer,
    sequence(time(f.notBefore), time(f.notAfter)),
    f.subject,
    f.spki,
    // Written even when empty (`a3 02 30 00`), as the generator did: the lab's certificates keep the
    // bytes they always had, and OpenSSL and node read the empty list.
    tlv(0xa3, sequence(...f.extensions)),
  ];
  return sequence(...parts);
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }. */
export function certificate(tbs: Uint8Array, signature: Buffer, signatureValue: Uint8Array): Buffer {
  // A certificate outlives the buffers it is built from (a phone keeps its MIC for its life).
  return ownedBytes(sequence(tbs, signature, tlv(0x03, Buffer.from([0]), signatureValue)));
}
