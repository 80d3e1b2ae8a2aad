/**
 * Certificate fields as CUCM prints and encodes them in CTL/ITL/.sgn headers: the subject and issuer
 * in Cisco's `;`-separated, CN-first form, the serial as raw minimal big-endian bytes, and the
 * certificate's own signatureValue (record tag 8).
 *
 * node:crypto's X509Certificate exposes neither the raw serial bytes nor the signatureValue, and its
 * `subject` string is RFC 2253-escaped, so this module carries a minimal DER reader. It reads only
 * what it needs and returns a FormatError (never throws) on malformed DER.
 */
import type { X509Certificate } from 'node:crypto';
import { err, type FormatError, ok, type Result } from '../emulator/result.ts';

// ---------------------------------------------------------------------------------------------
// Minimal DER reader
// ---------------------------------------------------------------------------------------------

export interface DerNode {
  /** The identifier octet (class, constructed bit and tag number), e.g. 0x30 for SEQUENCE. */
  readonly tag: number;
  /** Offset of the identifier octet in the buffer that was read. */
  readonly offset: number;
  /** Identifier + length octets. */
  readonly headerLength: number;
  readonly length: number;
  readonly value: Uint8Array;
  /** The whole encoding (header + value). */
  readonly raw: Uint8Array;
}

function derError(offset: number, code: string, message: string): FormatError {
  return { format: 'der', offset, code: `der.${code}`, message: `DER: ${message} (at byte ${offset})` };
}

/** Reads one DER element at `offset` (definite lengths only, single-octet tags). */
export function readDer(bytes: Uint8Array, offset: number, end = bytes.length): Result<DerNode, FormatError> {
  if (offset + 2 > end) return err(derError(offset, 'truncated', 'element header cut off'));
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) return err(derError(offset, 'unsupported-tag', 'multi-octet tag'));
  let pos = offset + 1;
  const first = bytes[pos++]!;
  let length = first;
  if (first === 0x80) return err(derError(offset + 1, 'indefinite-length', 'indefinite length is not DER'));
  if (first > 0x80) {
    const n = first & 0x7f;
    if (n > 4) return err(derError(offset + 1, 'bad-length', `length of ${n} octets`));
    if (pos + n > end) return err(derError(offset + 1, 'truncated', 'length octets cut off'));
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[pos++]!;
  }
  if (pos + length > end) {
    return err(derError(offset, 'length-past-end', `element of ${length} bytes runs past the end`));
  }
  return ok({
    tag,
    offset,
    headerLength: pos - offset,
    length,
    value: bytes.subarray(pos, pos + length),
    raw: bytes.subarray(offset, pos + length),
  });
}

/** The elements nested in a constructed node. Offsets are relative to the node's own buffer. */
export function derChildren(node: DerNode): Result<DerNode[], FormatError> {
  const out: DerNode[] = [];
  let pos = 0;
  while (pos < node.value.length) {
    const r = readDer(node.value, pos);
    if (!r.ok) return err({ ...r.error, offset: node.offset + node.headerLength + r.error.offset });
    out.push(r.value);
    pos += r.value.raw.length;
  }
  return ok(out);
}

export function decodeOid(value: Uint8Array): string {
  const parts: number[] = [];
  let acc = 0;
  for (const b of value) {
    acc = acc * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) {
        const first = acc < 40 ? 0 : acc < 80 ? 1 : 2;
        parts.push(first, acc - first * 40);
      } else parts.push(acc);
      acc = 0;
    }
  }
  return parts.join('.');
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

export interface NameAttribute {
  readonly oid: string;
  /** Short name (`CN`, `OU`, ...) or the dotted OID when unknown. */
  readonly type: string;
  readonly value: string;
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};

function decodeDirectoryString(node: DerNode): string {
  const v = node.value;
  switch (node.tag) {
    case 0x1e: {
      // BMPString: UTF-16BE
      let s = '';
      for (let i = 0; i + 1 < v.length; i += 2) s += String.fromCharCode((v[i]! << 8) | v[i + 1]!);
      return s;
    }
    case 0x1c: {
      // UniversalString: UTF-32BE
      let s = '';
      for (let i = 0; i + 3 < v.length; i += 4) {
        const cp = ((v[i]! << 24) | (v[i + 1]! << 16) | (v[i + 2]! << 8) | v[i + 3]!) >>> 0;
        // A value past U+10FFFF is no character (a hostile or corrupt certificate): shown as U+FFFD,
        // the replacement character, so a DN always prints rather than the whole parse failing.
        s += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      }
      return s;
    }
    case 0x14: // T61String: treat as Latin-1, as OpenSSL does
      return Buffer.from(v).toString('latin1');
    default:
      return Buffer.from(v).toString('utf8');
  }
}

/** Decodes an X.501 Name into attributes in encoding order (C first for a typical cert). */
export function parseName(node: DerNode): Result<NameAttribute[], FormatError> {
  const rdns = derChildren(node);
  if (!rdns.ok) return rdns;
  const out: NameAttribute[] = [];
  for (const rdn of rdns.value) {
    const atvs = derChildren(rdn);
    if (!atvs.ok) return atvs;
    for (const atv of atvs.value) {
      const parts = derChildren(atv);
      if (!parts.ok) return parts;
      const [oidNode, valueNode] = parts.value;
      if (!oidNode || !valueNode || oidNode.tag !== 0x06) {
        return err(derError(atv.offset, 'bad-name', 'AttributeTypeAndValue is not (OID, value)'));
      }
      const oid = decodeOid(oidNode.value);
      out.push({ oid, type: SHORT_NAMES[oid] ?? oid, value: decodeDirectoryString(valueNode) });
    }
  }
  return ok(out);
}

/**
 * How a DN is written:
 * - `cucm`: `CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL`, no escaping
 *   (docs/reference/trust-files.md §1.1, TAC-118893).
 * - `etoken`: the hardware SAST token form `cn="SAST-ADN4e31f914 ";ou=IPCBU;o="Cisco Systems, Inc."`:
 *   lower-case keys, values quoted when they hold a separator or edge space (seed 002; the printed
 *   length 56 only adds up with the `, Inc."` tail that the web page cut off).
 */
export type DnStyle = 'cucm' | 'etoken';

/**
 * CUCM puts CN first and then OU, O, L, ST, C, whatever the encoding order: seed 003 shows a cert whose
 * RFC 2253 form is `L=BGL,ST=KA,CN=...,OU=TAC,O=Cisco,C=IN` printed as `CN=...;OU=TAC;O=Cisco;L=BGL;ST=KA;C=IN`.
 * Other attributes follow in RFC 4514 order (an inference: no Cisco sample shows them).
 */
const RANK: Readonly<Record<string, number>> = { CN: 0, OU: 1, O: 2, L: 3, ST: 4, C: 5 };

export function ciscoDn(attributes: readonly NameAttribute[], style: DnStyle = 'cucm'): string {
  const rfc4514Order = [...attributes].reverse();
  const sorted = rfc4514Order
    .map((a, i) => ({ a, i }))
    .sort((x, y) => (RANK[x.a.type] ?? 6) - (RANK[y.a.type] ?? 6) || x.i - y.i)
    .map((x) => x.a);
  return sorted
    .map((a) => {
      if (style === 'cucm') return `${a.type}=${a.value}`;
      const quote = /[,;+"\\<>#]/.test(a.value) || /^\s|\s$/.test(a.value);
      return `${a.type.toLowerCase()}=${quote ? `"${a.value}"` : a.value}`;
    })
    .join(';');
}

// ---------------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------------

export interface CertificateFields {
  /** Serial as minimal unsigned big-endian bytes (the form in header tag 5 / record tag 6). */
  readonly serial: Uint8Array;
  readonly issuer: readonly NameAttribute[];
  readonly subject: readonly NameAttribute[];
  /** The BIT STRING content without its unused-bits octet (record tag 8, docs/reference/trust-files.md §1.3). */
  readonly signatureValue: Uint8Array;
  /** DER of the SubjectPublicKeyInfo. */
  readonly subjectPublicKeyInfo: Uint8Array;
}

/** Minimal unsigned big-endian form of a DER INTEGER's content. */
export function minimalUnsigned(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

export function certificateFields(der: Uint8Array): Result<CertificateFields, FormatError> {
  const cert = readDer(der, 0);
  if (!cert.ok) return cert;
  if (cert.value.tag !== 0x30) return err(derError(0, 'not-a-certificate', 'Certificate is not a SEQUENCE'));
  const top = derChildren(cert.value);
  if (!top.ok) return top;
  const [tbs, , sigValue] = top.value;
  if (!tbs || !sigValue || tbs.tag !== 0x30 || sigValue.tag !== 0x03) {
    return err(
      derError(0, 'not-a-certificate', 'expected (tbsCertificate, signatureAlgorithm, signatureValue)'),
    );
  }
  const t = derChildren(tbs);
  if (!t.ok) return t;
  let fields = t.value;
  if (fields[0]?.tag === 0xa0) fields = fields.slice(1); // explicit version
  const [serial, , issuer, , subject, spki] = fields;
  if (!serial || !issuer || !subject || !spki || serial.tag !== 0x02) {
    return err(derError(tbs.offset, 'not-a-certificate', 'tbsCertificate is missing fields'));
  }
  const iss = parseName(issuer);
  if (!iss.ok) return iss;
  const sub = parseName(subject);
  if (!sub.ok) return sub;
  return ok({
    serial: minimalUnsigned(serial.value),
    issuer: iss.value,
    subject: sub.value,
    signatureValue: sigValue.value.subarray(1),
    subjectPublicKeyInfo: spki.raw,
  });
}

function fieldsOf(cert: X509Certificate): CertificateFields {
  const r = certificateFields(cert.raw);
  // A node X509Certificate has already been parsed by OpenSSL: failing here is a bug in this reader.
  if (!r.ok) throw new Error(`cisco-dn: cannot read a certificate OpenSSL accepted: ${r.error.message}`);
  return r.value;
}

/** Subject in CUCM form, e.g. `CN=cucm-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL`. */
export function ciscoSubject(cert: X509Certificate, style: DnStyle = 'cucm'): string {
  return ciscoDn(fieldsOf(cert).subject, style);
}

/** Issuer in CUCM form. */
export function ciscoIssuer(cert: X509Certificate, style: DnStyle = 'cucm'): string {
  return ciscoDn(fieldsOf(cert).issuer, style);
}

/** The serial number as minimal unsigned big-endian bytes. */
export function serialBytes(cert: X509Certificate): Uint8Array {
  return fieldsOf(cert).serial;
}

/** The certificate's signatureValue bytes. */
export function signatureValue(cert: X509Certificate): Uint8Array {
  return fieldsOf(cert).signatureValue;
}

/** `70:CA:F6:4E` (how `show ctl` prints serials). */
export function colonHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':');
}

/** `E9 D4 33` (how `show ctl` prints certificate hashes). */
export function spacedHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}
